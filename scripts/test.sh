#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs (the locked Python packages into
# .venv, the Bot API peer's npm packages), then lint, types and tests.
# Needs Python 3.11+ and Node.js 18+ with npm; stops at once, in one line, if either is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if ! "${PYTHON:-python3}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "scripts/test.sh: needs Python 3.11 or newer as python3 (or set PYTHON): install it and run again" >&2
  exit 2
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 \
  || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
  echo "scripts/test.sh: needs Node.js 18 or newer with npm (the end-to-end tests' Bot API peer): install it, e.g. apt-get install nodejs npm, and run again" >&2
  exit 2
fi
bash scripts/setup-venv.sh dev
(cd tests/e2e/peer && npm ci --no-audit --no-fund --loglevel=error)
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
