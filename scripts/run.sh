#!/usr/bin/env bash
# Runs the bot on its defaults: SQLite file ./thigh-coach.sqlite3, long polling.
# Needs TELEGRAM_BOT_TOKEN in the environment or in .env; without it, it says how to get one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup-venv.sh"
exec "$root/.venv/bin/thigh-coach" run "$@"
