#!/usr/bin/env bash
# Conformance: schemathesis (from PyPI) against photo-emulator, the generated server behind the
# emulator, over loopback. Every run uses a fresh emulator, photos seeded for a few owners, a
# fixed seed and a bounded number of examples per operation, in positive and negative modes,
# with all of schemathesis' checks (TESTING.md says which cannot apply and why).
#
# Runs, each against a fresh emulator:
#   delegated-reads  every GET, delegated token with every delegated (work) scope of the spec
#   delegated-all    every operation, same token
#   app-reads        every GET, application token with every application role of the spec
#   app-all          every operation, same token
# The reads runs exist because the full runs delete and overwrite the seeded photos early (the
# spec lists DELETE and PUT before the sized GETs), after which the sized GETs can only say 404.
#
# Exits non-zero on any failed check (a 5xx, a nonconforming status, body, header or media
# type, ...), on any schemathesis error, or if the emulator dies. Prints one summary line.
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (25), SCHEMATHESIS_SEED (20261123),
# SCHEMATHESIS_VENV (.venv-schemathesis), CARGO_TARGET_DIR (target).
# Needs python3 and PyPI (pip) once; everything else is local.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SCHEMATHESIS_VENV:-.venv-schemathesis}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SEED="${SCHEMATHESIS_SEED:-20261123}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="$TARGET_DIR/schemathesis"
EMULATOR="$TARGET_DIR/debug/photo-emulator"
SPEC=spec/photo.openapi.yaml

EMULATOR_PID=""
stop_emulator() {
    if [[ -n "$EMULATOR_PID" ]]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
        EMULATOR_PID=""
    fi
}
trap stop_emulator EXIT
trap 'exit 130' INT TERM

echo "== schemathesis: install (pinned, $VENV)"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
# Keeps the venv out of git without touching the repository's .gitignore.
printf '*\n' >"$VENV/.gitignore"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/schemathesis-requirements.txt
"$VENV/bin/schemathesis" --version

echo "== schemathesis: build photo-emulator"
cargo build --quiet -p photo-api --features emulator --bin photo-emulator

rm -rf "$OUT"
mkdir -p "$OUT"
SECRET="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))')"

# Every permission the spec names for a token kind (x-token-kind), space separated.
permissions_of() {
    "$VENV/bin/python" - "$SPEC" "$1" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
kind = sys.argv[2]
names = set()
for scheme in spec["components"]["securitySchemes"].values():
    if scheme.get("x-token-kind") == kind:
        for flow in scheme.get("flows", {}).values():
            names.update(flow.get("scopes", {}))
if not names:
    sys.exit(f"no permissions for token kind {kind!r} in the spec")
print(" ".join(sorted(names)))
PY
}
DELEGATED_SCOPES="$(permissions_of delegatedWork)"
APP_ROLES="$(permissions_of application)"
# /me of the delegated tokens is the seeded user, so /me and /users/seed-user meet one photo.
DELEGATED_TOKEN="$("$EMULATOR" token --secret "$SECRET" --user seed-user --scopes "$DELEGATED_SCOPES")"
APP_TOKEN="$("$EMULATOR" token --secret "$SECRET" --user seed-app --roles "$APP_ROLES")"
SEED_PATHS=(
    '/me/photo/$value'
    '/groups/seed-group/photo/$value'
    '/me/contacts/seed-contact/photo/$value'
    '/me/contactFolders/seed-folder/contacts/seed-contact/photo/$value'
)

# Starts a fresh emulator on a port the kernel picks and sets BASE (the address) from its banner.
start_emulator() {
    local log="$1"
    # The log exists before the emulator starts: the background job opens it only when it is
    # scheduled, and reading a missing log would end the script.
    : >"$log"
    "$EMULATOR" serve --bind 127.0.0.1:0 --secret "$SECRET" >>"$log" 2>&1 &
    EMULATOR_PID=$!
    BASE=""
    for _ in $(seq 100); do
        BASE="$(sed -n 's/^photo-emulator listening on \([0-9.:]*\)$/\1/p' "$log")"
        [[ -n "$BASE" ]] && return 0
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "schemathesis: the emulator did not start:" >&2
    cat "$log" >&2
    return 1
}

FAILED_RUNS=()
run() {
    local name="$1" token="$2"
    shift 2
    local dir="$OUT/$name"
    mkdir -p "$dir"
    echo "== schemathesis: $name"
    start_emulator "$dir/emulator.log"
    "$VENV/bin/python" scripts/schemathesis_seed.py "http://$BASE/v1.0" "$DELEGATED_TOKEN" "${SEED_PATHS[@]}"
    local status=0
    # The token reaches schemathesis through the environment (the config file's `headers`), so
    # it is in no command line.
    # Hypothesis keeps caches in its storage directory: under target/, not in the repository.
    SCHEMATHESIS_TOKEN="$token" HYPOTHESIS_STORAGE_DIRECTORY="$OUT/hypothesis" \
        "$VENV/bin/schemathesis" --no-color \
        --config-file scripts/schemathesis.toml \
        run "http://$BASE/openapi.yaml" \
        --url "http://$BASE/v1.0" \
        --checks all \
        --mode all \
        --max-examples "$MAX_EXAMPLES" \
        --seed "$SEED" \
        --workers 1 \
        --generation-database none \
        --request-timeout 30 \
        --report json --report-json-path "$dir/report.json" \
        "$@" >"$dir/output.txt" 2>&1 || status=$?
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
        echo "schemathesis: the emulator died during $name:" >&2
        tail -n 50 "$dir/emulator.log" >&2
        status=99
    fi
    stop_emulator
    if ((status != 0)); then
        FAILED_RUNS+=("$name")
        # The failures and errors, how to reproduce them, and the run's summary.
        if grep -Eq '^=+ (FAILURES|ERRORS) =+$' "$dir/output.txt"; then
            awk '/^=+ (FAILURES|ERRORS) =+$/ { show = 1 } show' "$dir/output.txt" >&2
        else
            tail -n 40 "$dir/output.txt" >&2
        fi
    else
        tail -n 1 "$dir/output.txt"
    fi
}

run delegated-reads "$DELEGATED_TOKEN" --include-method GET
run delegated-all "$DELEGATED_TOKEN"
run app-reads "$APP_TOKEN" --include-method GET
run app-all "$APP_TOKEN"

"$VENV/bin/python" - "$OUT" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
runs = sorted(p for p in out.iterdir() if (p / "report.json").exists())
reports = [json.loads((p / "report.json").read_text()) for p in runs]
ops = max((r["operations"]["tested"] for r in reports), default=0)
cases = sum(r["test_cases"]["generated"] for r in reports)
failures = sum(r["test_cases"]["unique_failures"] for r in reports)
errors = sum(len(r["errors"]) for r in reports)
dropped = sum(r.get("filtered", 0) for r in reports)
print(
    f"schemathesis: {len(reports)} runs, {ops} operations, {cases} cases, "
    f"{failures} failures, {errors} errors, {dropped} known false positives dropped"
)
PY
if ((${#FAILED_RUNS[@]} > 0)); then
    echo "schemathesis: FAILED: ${FAILED_RUNS[*]} (reports in $OUT)" >&2
    exit 1
fi
echo "schemathesis: PASSED"
