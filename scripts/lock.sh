#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml (after adding or changing a dependency):
#   requirements/run.lock  what the bot needs (scripts/run.sh, deploy/Dockerfile)
#   requirements/dev.lock  that plus the test and lint tools (scripts/test.sh)
# Every package is pinned with its hashes; tests/test_lock.py fails when a lock and pyproject.toml disagree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
uv="$(command -v uv || true)"
if [ -z "$uv" ]; then
  tools="$(mktemp -d)"
  python3 -m venv "$tools" && "$tools/bin/pip" install --quiet --disable-pip-version-check uv
  uv="$tools/bin/uv"
fi
for lock in run dev; do
  extra=()
  if [ "$lock" = dev ]; then extra=(--extra dev); fi
  "$uv" pip compile pyproject.toml requirements/build.in "${extra[@]}" --generate-hashes --universal \
    --python-version 3.11 --quiet --no-header --output-file "requirements/$lock.lock"
done
