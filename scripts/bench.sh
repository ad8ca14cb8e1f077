#!/usr/bin/env bash
# `make bench`: benchmarks print ratios against baselines measured in the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
# wrk loads the servers (Debian's package); without it the benchmarks fall back to a slower
# asyncio client, which caps the req/s they can show.
bash scripts/ensure-packages.sh bench || echo "warning: wrk not installed; using the asyncio client"
for script in bench/bench_*.py; do
  [ -e "$script" ] || continue
  printf '\n==> %s\n' "$script"
  .venv/bin/python "$script" || status=1
done
exit $status
