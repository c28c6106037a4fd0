#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then lint, types and tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup-venv.sh dev
if [ -f tests/e2e/peer/package.json ]; then
  (cd tests/e2e/peer && npm ci --no-audit --no-fund --loglevel=error)
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
