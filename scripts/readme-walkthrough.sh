#!/usr/bin/env bash
# Runs README.md's "Use it from your own project" exactly as written, in a fresh folder outside
# the workspace: installs photo-gen, generates a crate from a description in Microsoft's dialect,
# and runs the test of a crate that depends only on the generated crate and tokio. The commands
# and files are the README's fenced blocks (see scripts/readme_walkthrough.py).
#
# Needs only crates.io. Knobs: WALKTHROUGH_TARGET_DIR (default target/readme-walkthrough, kept
# between runs so that only what changed is rebuilt).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/photo-gen-walkthrough.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export PHOTO_GEN="$repo"
export CARGO_INSTALL_ROOT="$work/tools"
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
export CARGO_TARGET_DIR="${WALKTHROUGH_TARGET_DIR:-$repo/target/readme-walkthrough}"
export WALKTHROUGH_LOCK="$repo/Cargo.lock"

python3 "$repo/scripts/readme_walkthrough.py" "$repo/README.md" > "$work/walkthrough.sh"
echo "running README.md's walkthrough in $work:"
sed 's/^/  | /' "$work/walkthrough.sh"
cd "$work"
bash walkthrough.sh
echo "README.md's walkthrough passed"
