"""Turns a section of README.md into one bash script, verbatim.

Fenced blocks whose info string is `sh walkthrough` are commands, run in README order; blocks
whose info string names `file=PATH` (```toml file=my-service/Cargo.toml) are files, written at
their place in that order. Nothing else of the README is used, so the script is exactly what a
reader copies.

usage: python3 readme_walkthrough.py README.md > walkthrough.sh
"""

import re
import shlex
import sys

FENCE = re.compile(r"^```(\S*)\s*(.*)$")


def blocks(text):
    """Yields (language, attributes, body) for every fenced block."""
    lines = iter(text.splitlines(keepends=True))
    for line in lines:
        match = FENCE.match(line.rstrip("\n"))
        if not match or not match.group(1):
            continue
        body = []
        for inner in lines:
            if inner.rstrip("\n") == "```":
                break
            body.append(inner)
        else:
            sys.exit(f"unterminated block starting with {line!r}")
        yield match.group(1), match.group(2).split(), "".join(body)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    out = ["set -euo pipefail\n"]
    commands = files = 0
    for language, attributes, body in blocks(text):
        targets = [a[len("file="):] for a in attributes if a.startswith("file=")]
        if targets:
            path = targets[0]
            delimiter = "README_FILE_END"
            if delimiter in body:
                sys.exit(f"{path}: the block holds {delimiter}")
            folder = path.rsplit("/", 1)[0] if "/" in path else "."
            out.append(f"mkdir -p {shlex.quote(folder)}\n")
            out.append(f"cat > {shlex.quote(path)} <<'{delimiter}'\n{body}{delimiter}\n")
            # With WALKTHROUGH_LOCK set, a new package starts from that lock file: the versions
            # the repository is tested with, so the run is repeatable and needs no new downloads.
            if path.endswith("Cargo.toml"):
                lock = shlex.quote(f"{folder}/Cargo.lock")
                out.append(
                    f'if [[ -n "${{WALKTHROUGH_LOCK:-}}" && ! -e {lock} ]]; then '
                    f'cp "$WALKTHROUGH_LOCK" {lock}; fi\n'
                )
            files += 1
        elif language == "sh" and "walkthrough" in attributes:
            out.append(body)
            commands += 1
    if commands == 0 or files == 0:
        sys.exit("README.md has no walkthrough blocks")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
