"""Microsoft's Python Graph SDK (msgraph-sdk) against photo-emulator over 127.0.0.1.

Drives the emulator the way the SDK's docs drive Graph: a GraphServiceClient whose request adapter
has a bearer-token provider (here a static token the emulator minted) and its base_url pointed at
the emulator's /v1.0 or /beta (the photo operations have the same shape on both, so the v1.0 SDK
serves for beta too). Every check runs on both versions, with delegated and application tokens,
for every kind of owner the photo spec has. Prints one line per check, then
"N passed, N failed", and exits non-zero on any failure.

Usage: msgraph_sdk_conformance.py PATH_TO_PHOTO_EMULATOR
"""

from __future__ import annotations

import asyncio
import atexit
import io
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Awaitable, Callable, Optional

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_http.middleware.options import HeadersInspectionHandlerOption, ResponseHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.photo.photo_request_builder import PhotoRequestBuilder
from PIL import Image

HOST = "127.0.0.1"
V1_LIMIT = 4 * 1024 * 1024
BETA_LIMIT = 8 * 1024 * 1024
SIZES = ["48x48", "64x64", "96x96", "120x120", "240x240", "360x360", "432x432", "504x504", "648x648"]

ME = "0d7f3c1a-5b2e-4c8a-9f10-3a6b2c4d5e01"
ADELE = "0d7f3c1a-5b2e-4c8a-9f10-3a6b2c4d5e02"
ADELE_UPN = "Adele.Vance@contoso.onmicrosoft.com"
GUEST = "0d7f3c1a-5b2e-4c8a-9f10-3a6b2c4d5e03"
# A guest's principal name: `#` must reach the emulator percent-encoded, which the SDK does.
GUEST_UPN = "megan_fabrikam.com#EXT#@contoso.onmicrosoft.com"
APP = "0d7f3c1a-5b2e-4c8a-9f10-3a6b2c4d5eaa"
GROUP = "4b1d9e6f-2a3c-4e5f-8a9b-0c1d2e3f4a50"
CONTACT = "AAMkAGI2TG93AAA-contact-1"
FOLDER = "AAMkAGI2TG93AAA-folder-1"
FOLDER_CONTACT = "AAMkAGI2TG93AAA-contact-2"
# Each token holds only what Microsoft's tables name for these calls (least privileged that
# covers users, groups and contacts); the 403 checks use a token without them.
DELEGATED_SCOPES = "User.ReadWrite.All Group.ReadWrite.All Contacts.ReadWrite"
APP_ROLES = "User.ReadWrite.All Group.ReadWrite.All Contacts.ReadWrite"


def jpeg(width: int, height: int, seed: int, padding: int = 0) -> bytes:
    """A width x height JPEG whose pixels depend on seed, with `padding` bytes of comment
    segments (each at most 65,533 bytes) after the header, to reach a size without noise."""
    image = Image.new("RGB", (width, height))
    image.putdata([((x + seed) % 256, (y * 3 + seed) % 256, (x ^ y ^ seed) % 256)
                   for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    data = out.getvalue()
    comments = bytearray()
    while padding > 0:
        chunk = min(padding, 65533 + 4) - 4
        if chunk <= 0:
            break
        comments += b"\xff\xfe" + (chunk + 2).to_bytes(2, "big") + bytes(chunk)
        padding -= chunk + 4
    return data[:2] + bytes(comments) + data[2:]


def dimensions(data: bytes) -> tuple[int, int]:
    """The pixel size of a JPEG, decoding it in full (a broken image raises)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG", f"served a {image.format}, not a JPEG"
    return image.size


class StaticTokenProvider(AccessTokenProvider):
    """Hands the SDK one fixed token, for 127.0.0.1 only, as the SDK's docs show for a
    custom AccessTokenProvider."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._hosts = AllowedHostsValidator([HOST])

    async def get_authorization_token(self, uri: str, additional_authentication_context=None) -> str:
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


def graph(base_url: str, token: str) -> GraphServiceClient:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token)))
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


class Emulator:
    """A photo-emulator serving on a free 127.0.0.1 port; stopped on exit whatever happens."""

    running: list["Emulator"] = []

    def __init__(self, binary: str, secret: str, *options: str) -> None:
        self.process = subprocess.Popen(
            [binary, "serve", "--bind", f"{HOST}:0", "--secret", secret, *options],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        Emulator.running.append(self)
        self.log: list[str] = []
        address: Optional[str] = None
        deadline = time.monotonic() + 30
        assert self.process.stdout is not None
        while address is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.log.append(line)
            match = re.match(r"photo-emulator listening on (\S+)$", line.strip())
            if match:
                address = match.group(1)
        if address is None:
            self.stop()
            raise RuntimeError("the emulator did not start:\n" + "".join(self.log))
        # Keeps reading, so a chatty emulator never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        self.origin = f"http://{address}"

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line)

    def base(self, version: str) -> str:
        return f"{self.origin}/{version}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self in Emulator.running:
            Emulator.running.remove(self)


@atexit.register
def _stop_all() -> None:
    for emulator in list(Emulator.running):
        emulator.stop()


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    async def run(self, name: str, check: Callable[[], Awaitable[None]]) -> None:
        try:
            await check()
        except Exception as err:  # every failure is reported, and the run goes on
            detail = describe(err)
            self.failed.append(name)
            print(f"FAIL {name}: {detail}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {name}", flush=True)


def describe(err: Exception) -> str:
    if isinstance(err, ODataError):
        code = err.error.code if err.error else None
        message = err.error.message if err.error else None
        return f"ODataError {err.response_status_code} {code}: {message}"
    return f"{type(err).__name__}: {err}"


async def expect_error(call: Awaitable[object], status: int, code: str) -> ODataError:
    """Awaits `call`, which must fail with the SDK's ODataError of `status` and `error.code`."""
    try:
        result = await call
    except ODataError as err:
        got = (err.response_status_code, err.error.code if err.error else None)
        assert got == (status, code), f"expected {status} {code}, got {describe(err)}"
        assert err.error and err.error.message, "the error has no message"
        return err
    raise AssertionError(f"expected {status} {code}, the call succeeded with {result!r:.80}")


def inspect_headers() -> tuple[RequestConfiguration, HeadersInspectionHandlerOption]:
    option = HeadersInspectionHandlerOption(inspect_response_headers=True)
    return RequestConfiguration(options=[option]), option


def header(option: HeadersInspectionHandlerOption, name: str) -> Optional[str]:
    values = option.response_headers.get(name)
    return next(iter(values)) if values else None


class Owner:
    """One photo owner as the SDK addresses it, with what its paths offer."""

    def __init__(self, name: str, builder, *, sizes: bool, delete: bool) -> None:
        self.name = name
        self.builder = builder  # a request builder with .photo (and .photos when `sizes`)
        self.sizes = sizes
        self.delete = delete


def owners(client: GraphServiceClient, delegated: bool) -> list[Owner]:
    found = [
        Owner("users/{id}", client.users.by_user_id(ADELE), sizes=True, delete=True),
        Owner("users/{upn}", client.users.by_user_id(ADELE_UPN), sizes=True, delete=True),
        Owner("users/{guest #EXT# upn}", client.users.by_user_id(GUEST_UPN), sizes=True, delete=True),
        Owner("groups/{id}", client.groups.by_group_id(GROUP), sizes=True, delete=True),
    ]
    if delegated:
        found = [
            Owner("me", client.me, sizes=True, delete=True),
            *found,
            Owner("me/contacts/{id}", client.me.contacts.by_contact_id(CONTACT), sizes=False, delete=False),
            Owner("me/contactFolders/{id}/contacts/{id}",
                  client.me.contact_folders.by_contact_folder_id(FOLDER).contacts.by_contact_id(FOLDER_CONTACT),
                  sizes=False, delete=False),
        ]
    else:
        user = client.users.by_user_id(ADELE)
        found += [
            Owner("users/{id}/contacts/{id}", user.contacts.by_contact_id(CONTACT), sizes=False, delete=False),
            Owner("users/{id}/contactFolders/{id}/contacts/{id}",
                  user.contact_folders.by_contact_folder_id(FOLDER).contacts.by_contact_id(FOLDER_CONTACT),
                  sizes=False, delete=False),
        ]
    return found


async def owner_checks(checks: Checks, label: str, owner: Owner, seed: int) -> None:
    photo = jpeg(400, 380, seed)
    served_etag: list[str] = []

    async def upload_and_read_back() -> None:
        await owner.builder.photo.content.put(photo)
        config, option = inspect_headers()
        body = await owner.builder.photo.content.get(request_configuration=config)
        assert body == photo, f"read back {len(body or b'')} bytes, not the {len(photo)} uploaded"
        assert header(option, "content-type") == "image/jpeg", header(option, "content-type")
        etag = header(option, "etag")
        assert etag, "no ETag on the content"
        served_etag.append(etag)

    async def metadata() -> None:
        meta = await owner.builder.photo.get()
        assert (meta.width, meta.height) == (400, 380), (meta.width, meta.height)
        assert meta.id, "no id"
        extra = meta.additional_data or {}
        assert extra.get("@odata.mediaContentType") == "image/jpeg", extra
        assert extra.get("@odata.mediaEtag") == served_etag[0], (extra, served_etag)

    async def select() -> None:
        query = PhotoRequestBuilder.PhotoRequestBuilderGetQueryParameters(select=["id"])
        meta = await owner.builder.photo.get(RequestConfiguration(query_parameters=query))
        assert meta.id and meta.width is None and meta.height is None, (meta.id, meta.width, meta.height)

    async def not_modified() -> None:
        config, _ = inspect_headers()
        config.headers.add("If-None-Match", served_etag[0])
        # The SDK answers a 304 with None; the native response shows the status itself.
        assert await owner.builder.photo.content.get(request_configuration=config) is None
        native = RequestConfiguration(options=[ResponseHandlerOption(NativeResponseHandler())])
        native.headers.add("If-None-Match", served_etag[0])
        response = await owner.builder.photo.content.get(request_configuration=native)
        assert response.status_code == 304, response.status_code
        native = RequestConfiguration(options=[ResponseHandlerOption(NativeResponseHandler())])
        native.headers.add("If-None-Match", '"another version"')
        response = await owner.builder.photo.content.get(request_configuration=native)
        assert response.status_code == 200, response.status_code

    await checks.run(f"{label} {owner.name}: upload, read back byte-exact", upload_and_read_back)
    if not served_etag:
        return
    await checks.run(f"{label} {owner.name}: metadata", metadata)
    await checks.run(f"{label} {owner.name}: $select=id", select)
    await checks.run(f"{label} {owner.name}: If-None-Match gives 304", not_modified)

    if owner.sizes:
        async def photo_list() -> None:
            listed = await owner.builder.photos.get()
            ids = [item.id.lower() for item in listed.value]
            assert ids == SIZES[:6], ids

        async def each_size() -> None:
            for size in SIZES[:6]:
                side = int(size.split("x")[0])
                meta = await owner.builder.photos.by_profile_photo_id(size).get()
                assert (meta.width, meta.height) == (side, side), (size, meta.width, meta.height)
                content = await owner.builder.photos.by_profile_photo_id(size).content.get()
                assert dimensions(content) == (side, side), (size, dimensions(content))
            for size in SIZES[6:]:
                await expect_error(owner.builder.photos.by_profile_photo_id(size).get(), 404, "ImageNotFound")

        await checks.run(f"{label} {owner.name}: the photo list", photo_list)
        await checks.run(f"{label} {owner.name}: each size, metadata and a decoded JPEG", each_size)

    if owner.delete:
        async def delete() -> None:
            await owner.builder.photo.delete()
            await expect_error(owner.builder.photo.get(), 404, "ImageNotFound")
            await expect_error(owner.builder.photo.content.get(), 404, "ImageNotFound")

        await checks.run(f"{label} {owner.name}: delete, then 404 ImageNotFound", delete)


def mint(binary: str, secret: str, *claims: str) -> str:
    return subprocess.run([binary, "token", "--secret", secret, *claims],
                          check=True, capture_output=True, text=True).stdout.strip()


async def main(binary: str) -> int:
    started = time.monotonic()
    secret = secrets.token_hex(32)
    delegated = mint(binary, secret, "--user", ME, "--scopes", DELEGATED_SCOPES)
    app = mint(binary, secret, "--user", APP, "--roles", APP_ROLES)
    reader = mint(binary, secret, "--user", ME, "--scopes", "User.Read")
    aliases = ["--user-alias", f"{ADELE_UPN}={ADELE}", "--user-alias", f"{GUEST_UPN}={GUEST}"]
    checks = Checks()
    data_dir = tempfile.mkdtemp(prefix="msgraph-sdk-emulator-")
    try:
        emulator = Emulator(binary, secret, "--data-dir", data_dir, *aliases)
        seed = 0
        for version in ["v1.0", "beta"]:
            for kind, token in [("delegated", delegated), ("application", app)]:
                client = graph(emulator.base(version), token)
                for owner in owners(client, kind == "delegated"):
                    seed += 1
                    await owner_checks(checks, f"{version} {kind}", owner, seed)
            await error_checks(checks, emulator, version, delegated, reader)
        await alias_checks(checks, emulator, delegated)
        # Leaves a photo for the throttling checks, which restart on the same data directory.
        kept = jpeg(64, 64, 99)
        await graph(emulator.base("v1.0"), delegated).me.photo.content.put(kept)
        await checks.run("the emulator is still running", lambda: _alive(emulator))
        emulator.stop()
        await throttling_checks(checks, binary, secret, data_dir, delegated, kept)
    finally:
        _stop_all()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"msgraph-sdk: {checks.passed} passed, {len(checks.failed)} failed "
          f"in {time.monotonic() - started:.1f} s")
    return 1 if checks.failed else 0


async def _alive(emulator: Emulator) -> None:
    assert emulator.alive(), "the emulator exited:\n" + "".join(emulator.log[-20:])


async def error_checks(checks: Checks, emulator: Emulator, version: str, token: str, reader: str) -> None:
    label = f"{version} errors"
    me = graph(emulator.base(version), token).me
    limit = V1_LIMIT if version == "v1.0" else BETA_LIMIT

    async def unauthorized() -> None:
        anonymous = graph(emulator.base(version), "")
        await expect_error(anonymous.me.photo.get(), 401, "InvalidAuthenticationToken")
        await expect_error(anonymous.me.photo.content.put(jpeg(8, 8, 1)), 401, "InvalidAuthenticationToken")

    async def forbidden() -> None:
        only_read = graph(emulator.base(version), reader).me
        await expect_error(only_read.photo.content.put(jpeg(8, 8, 1)), 403, "Authorization_RequestDenied")
        await expect_error(only_read.contacts.by_contact_id(CONTACT).photo.get(), 403,
                           "Authorization_RequestDenied")

    async def not_found() -> None:
        await expect_error(graph(emulator.base(version), token).users.by_user_id(
            "0d7f3c1a-5b2e-4c8a-9f10-3a6b2c4d5eff").photo.get(), 404, "ImageNotFound")

    async def too_large() -> None:
        await expect_error(me.photo.content.put(jpeg(16, 16, 2, padding=limit + 1)), 413,
                           "RequestEntityTooLarge")

    async def within_beta_limit() -> None:
        # Over v1.0's 4 MB, under beta's 8 MB: a real JPEG of 5 MB.
        big = jpeg(16, 16, 3, padding=5 * 1024 * 1024)
        if version == "v1.0":
            await expect_error(me.photo.content.put(big), 413, "RequestEntityTooLarge")
        else:
            await me.photo.content.put(big)
            assert await me.photo.content.get() == big

    async def not_a_jpeg() -> None:
        png = io.BytesIO()
        Image.new("RGB", (8, 8)).save(png, format="PNG")
        await expect_error(me.photo.content.put(png.getvalue()), 400, "ErrorInvalidImage")
        await expect_error(me.photo.content.put(b"not an image"), 400, "ErrorInvalidImage")

    await checks.run(f"{label}: 401 without a token", unauthorized)
    await checks.run(f"{label}: 403 for a token without the permission", forbidden)
    await checks.run(f"{label}: 404 ImageNotFound", not_found)
    await checks.run(f"{label}: 413 over {limit} bytes", too_large)
    await checks.run(f"{label}: a 5 MB JPEG {'is 413' if version == 'v1.0' else 'is stored'}", within_beta_limit)
    await checks.run(f"{label}: 400 ErrorInvalidImage for a PNG or garbage sent as octet-stream", not_a_jpeg)


async def alias_checks(checks: Checks, emulator: Emulator, token: str) -> None:
    async def aliases_meet_one_photo() -> None:
        users = graph(emulator.base("v1.0"), token).users
        photo = jpeg(50, 40, 77)
        await users.by_user_id(ADELE_UPN.upper()).photo.content.put(photo)
        assert await users.by_user_id(ADELE).photo.content.get() == photo
        guest = jpeg(40, 50, 78)
        await users.by_user_id(GUEST_UPN).photo.content.put(guest)
        assert await users.by_user_id(GUEST).photo.content.get() == guest
        assert await users.by_user_id(GUEST_UPN.lower()).photo.content.get() == guest

    await checks.run("v1.0 keys: a UPN (any case) and a guest #EXT# UPN meet their object id's photo",
                     aliases_meet_one_photo)


async def throttling_checks(checks: Checks, binary: str, secret: str, data_dir: str, token: str,
                            kept: bytes) -> None:
    throttled = ["--data-dir", data_dir, "--fault-first", "1", "--fault-status", "429", "--retry-after", "1"]

    async def read_is_retried() -> None:
        emulator = Emulator(binary, secret, *throttled)
        try:
            started = time.monotonic()
            body = await graph(emulator.base("v1.0"), token).me.photo.content.get()
            waited = time.monotonic() - started
            assert body == kept, "the retried read did not return the stored photo"
            assert waited >= 0.9, f"answered after {waited:.2f} s: the 429's Retry-After was not honoured"
        finally:
            emulator.stop()

    async def upload_is_not_retried() -> None:
        # Kiota's retry handler treats an application/octet-stream body as a forward-only stream
        # and never resends it (kiota_http RetryHandler._is_request_payload_buffered), so the
        # 429 reaches the caller.
        emulator = Emulator(binary, secret, *throttled)
        try:
            me = graph(emulator.base("v1.0"), token).me
            await expect_error(me.photo.content.put(jpeg(32, 32, 5)), 429, "TooManyRequests")
            assert await me.photo.content.get() == kept, "the throttled upload changed the photo"
        finally:
            emulator.stop()

    await checks.run("throttling: a 429 read is retried by the SDK after Retry-After and succeeds",
                     read_is_retried)
    await checks.run("throttling: a 429 upload reaches the caller as ODataError 429 TooManyRequests",
                     upload_is_not_retried)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    # A terminated run still stops its emulators (atexit runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(asyncio.run(main(sys.argv[1])))
