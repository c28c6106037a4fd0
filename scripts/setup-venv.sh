#!/usr/bin/env bash
# Creates .venv with the locked dependencies (requirements/*.lock, hashes checked) and the project
# itself (editable). $1 = "dev" adds the test and lint tools. Used by run.sh and test.sh.
# When .venv already holds the current lock (a stamp of its hash), nothing is installed, so the
# bot starts with no network at all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
want="${1:-run}"

stamp_of() { cat "$root/requirements/$1.lock" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1; }
current() { [ -f "$root/.venv/.installed-$1" ] && [ "$(cat "$root/.venv/.installed-$1")" = "$(stamp_of "$1")" ]; }

if [ -x "$root/.venv/bin/thigh-coach" ] && { current "$want" || { [ "$want" = run ] && current dev; }; }; then
  exit 0  # the dev lock holds everything the run lock does
fi
if [ ! -x "$root/.venv/bin/python" ]; then
  "$python" -m venv "$root/.venv"
fi
pip=("$root/.venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --require-hashes -r "$root/requirements/$want.lock"
# the build tools come from the lock too: no isolated build environment to download
"${pip[@]}" install --no-deps --no-build-isolation -e "$root"
rm -f "$root/.venv"/.installed-*
stamp_of "$want" > "$root/.venv/.installed-$want"
