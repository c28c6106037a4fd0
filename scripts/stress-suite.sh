#!/usr/bin/env bash
# The README's test command, N times in a row (default 5), while two CPU-bound processes load the
# machine. The load is started here and stopped by its PIDs (never by name) when the runs end.
# Usage: bash scripts/stress-suite.sh [RUNS]; each run's output is kept in .stress/run-N.log.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
logs="$root/.stress"
mkdir -p "$logs"

load=()
for _ in 1 2; do
  python3 -c 'while True: pass' &
  load+=("$!")
done
stop_load() { kill "${load[@]}" 2>/dev/null; wait "${load[@]}" 2>/dev/null; }
trap stop_load EXIT
echo "load: 2 CPU-bound processes, PIDs ${load[*]}"

passed=0
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  if bash "$root/scripts/test.sh" -p no:cacheprovider >"$logs/run-$run.log" 2>&1; then
    passed=$((passed + 1))
    outcome="passed"
  else
    outcome="FAILED"
  fi
  summary=$(grep -E "[0-9]+ (passed|failed)" "$logs/run-$run.log" | tail -n 1)
  echo "run $run: $outcome in $(($(date +%s) - started)) s ($summary)"
done
echo "$passed of $runs runs passed under load"
[ "$passed" -eq "$runs" ]
