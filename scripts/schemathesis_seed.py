#!/usr/bin/env python3
"""Seeds a running photo-emulator with large photos before a schemathesis run.

Schemathesis uploads only a 1x1 JPEG, so without seeding every `.../photos/{size}` operation
answers 404 and their 200 responses (metadata and resized JPEGs) are never checked. This uploads
a 700x700 JPEG (every standard size fits in it) for each owner the run's parameter dictionaries
name (scripts/schemathesis.toml), and fails loudly if any upload is refused.

Standard library only, so it runs with any python3.

Usage: schemathesis_seed.py BASE_URL TOKEN PATH [PATH ...]
  BASE_URL  the API root, such as http://127.0.0.1:8080/v1.0
  TOKEN     a bearer token allowed to upload to every PATH
  PATH      an upload path, such as /users/seed-user/photo/$value
"""

import struct
import sys
import urllib.error
import urllib.request

SIDE = 700


def gray_jpeg(width: int, height: int) -> bytes:
    """A valid baseline greyscale JPEG of a flat mid-grey, built by hand.

    Every 8x8 block has a DC difference of 0 and no AC coefficients, so with one-symbol Huffman
    tables (a 1-bit code each) the entropy-coded data is two zero bits per block.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code_of_length_1 = bytes([1] + [0] * 15)
    out = b"\xff\xd8"  # SOI
    out += segment(0xDB, b"\x00" + bytes([1] * 64))  # DQT: table 0, all ones
    out += segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")  # SOF0
    out += segment(0xC4, b"\x00" + one_code_of_length_1 + b"\x00")  # DHT DC 0: category 0
    out += segment(0xC4, b"\x10" + one_code_of_length_1 + b"\x00")  # DHT AC 0: EOB
    out += segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")  # SOS
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = blocks * 2
    data = bytearray((bits + 7) // 8)
    padding = (8 - bits % 8) % 8
    if padding:
        data[-1] = (1 << padding) - 1  # the last byte is padded with 1-bits
    return out + bytes(data) + b"\xff\xd9"  # EOI


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, token, paths = argv[1].rstrip("/"), argv[2], argv[3:]
    jpeg = gray_jpeg(SIDE, SIDE)
    for path in paths:
        request = urllib.request.Request(
            base_url + path,
            data=jpeg,
            method="PUT",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as err:
            body = err.read(500).decode("utf-8", "replace")
            print(f"seed: PUT {path} answered {err.code}: {body}", file=sys.stderr)
            return 1
        if status != 200:
            print(f"seed: PUT {path} answered {status}", file=sys.stderr)
            return 1
    print(f"seed: stored a {SIDE}x{SIDE} photo for {len(paths)} owners")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
