#!/usr/bin/env bash
# Creates .venv with the project installed (editable), plus extras named in $1 (e.g. "dev").
# Sourced by run.sh and test.sh so both install what they need on a fresh machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
  "$python" -m venv "$root/.venv"
fi
spec="$root"
if [ -n "${1:-}" ]; then spec="$root[$1]"; fi
"$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
