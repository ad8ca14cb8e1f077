#!/usr/bin/env bash
# `make bench`: benchmarks print ratios against baselines measured in the same run.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for script in bench/bench_*.py; do
  [ -e "$script" ] || continue
  printf '\n==> %s\n' "$script"
  .venv/bin/python "$script" || status=1
done
exit $status
