#!/usr/bin/env bash
# Conformance: Microsoft's own Python Graph SDK (msgraph-sdk, from PyPI) against photo-emulator
# over 127.0.0.1, the way its docs call Graph. scripts/msgraph_sdk_conformance.py starts a fresh
# emulator (and, for the throttling checks, two more on the same data directory), mints its
# delegated and application tokens with `photo-emulator token`, runs every check on /v1.0 and
# /beta and stops every emulator it started, whatever happens. TESTING.md lists the checks.
#
# Then Microsoft's JavaScript SDK (@microsoft/msgraph-sdk and -users, locked in
# scripts/msgraph-sdk-js/package-lock.json) makes one upload, read and delete round trip.
#
# Exits non-zero on any failed check. Prints one line per check and "N passed, N failed".
#
# Environment: MSGRAPH_SDK_VENV (.venv-msgraph-sdk), CARGO_TARGET_DIR (target).
# Needs python3 and PyPI (pip) once; everything else is local.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${MSGRAPH_SDK_VENV:-.venv-msgraph-sdk}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
EMULATOR="$TARGET_DIR/debug/photo-emulator"

echo "== msgraph-sdk: install (pinned with hashes, $VENV)"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
# Keeps the venv out of git without touching the repository's .gitignore.
printf '*\n' >"$VENV/.gitignore"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r scripts/msgraph-sdk-requirements.txt
"$VENV/bin/python" -c 'from importlib.metadata import version; print("msgraph-sdk", version("msgraph-sdk"))'

echo "== msgraph-sdk: build photo-emulator"
cargo build --quiet -p photo-api --features emulator --bin photo-emulator

echo "== msgraph-sdk: checks"
"$VENV/bin/python" scripts/msgraph_sdk_conformance.py "$EMULATOR"

echo "== msgraph-sdk (JavaScript): install (package-lock.json) and round trip"
# Node 20 or later; npm ci installs exactly the locked versions and checks their integrity.
(
    cd scripts/msgraph-sdk-js
    npm ci --no-audit --no-fund --loglevel=error
    node roundtrip.mjs "../../$EMULATOR"
)
