#!/usr/bin/env bash
# `make test`: lint, then every test tier on SQLite, then the database-backed tiers again on
# a real PostgreSQL (with Redis as the cache). Says loudly what ran and what was skipped.
# Under CI=true a tier that can't run is a failure, never a silent skip.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export CRYPTOSHOP_VAR_DIR="$PWD/var/test"
export PYTHONHASHSEED=0
mkdir -p "$CRYPTOSHOP_VAR_DIR"
declare -a summary=()
status=0

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
record() { summary+=("$1"); }

run_pytest() {  # label, args...
  local label=$1; shift
  local out; out=$(mktemp)
  say "pytest [$label]: $*"
  "$PY" -m pytest "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  # pytest's closing line, e.g. "12 passed, 2 skipped in 3.1s".
  local tally; tally=$(grep -E '^=+ .*(passed|failed|skipped|error|no tests ran).* =+$' "$out" | tail -n1 | sed -E 's/^=+ //; s/ =+$//')
  local skips; skips=$(grep -E '^SKIPPED ' "$out" | sed -E 's/^SKIPPED \[[0-9]+\] //' | sort -u | head -n 5)
  rm -f "$out"
  if [ $rc -eq 0 ]; then record "PASS  $label — $tally"
  elif [ $rc -eq 5 ]; then record "EMPTY $label (no tests collected)"
  else record "FAIL  $label — ${tally:-pytest exit $rc}"; status=1; fi
  if [ -n "$skips" ]; then
    while IFS= read -r line; do record "        skipped: $line"; done <<< "$skips"
  fi
}

tier() {  # label, folders... (only those that exist)
  local label=$1; shift
  local dirs=()
  for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
  if [ ${#dirs[@]} -eq 0 ]; then record "SKIP  $label — no tests in this tree yet"; return; fi
  run_pytest "$label" "${dirs[@]}"
}

say "lint: ruff, mypy, import-linter layers, shape check, dependency audit"
lint_out=$(mktemp)
if make --no-print-directory lint 2>&1 | tee "$lint_out"; test "${PIPESTATUS[0]}" -eq 0; then
  record "PASS  lint (ruff, mypy, layer contracts, shape, dependency audit)"
else record "FAIL  lint"; status=1; fi
# An audit that could not reach its advisory service did not happen: say so in the summary.
while IFS= read -r line; do record "SKIP  ${line#audit: AUDIT NOT RUN: }"; done \
  < <(grep '^audit: AUDIT NOT RUN' "$lint_out")
rm -f "$lint_out"

say "system packages (PostgreSQL, Redis, Chromium)"
packages_ok=1
if ! bash scripts/ensure-packages.sh; then
  packages_ok=0
  if [ "${CI:-}" = "true" ]; then record "FAIL  system packages could not be installed"; status=1
  else record "SKIP  PostgreSQL/Redis/Chromium tiers: packages missing and no root to install them"; fi
fi
if [ $packages_ok -eq 1 ] && [ -x /usr/bin/chromium ]; then
  export CRYPTOSHOP_CHROMIUM=/usr/bin/chromium
fi

# Every tier on the embedded defaults (SQLite, in-process cache).
unset DATABASE_URL REDIS_URL DATABASE_REPLICA_URL
tier "unit (pure Bitcoin layer, chain clients)" tests/btc tests/chain tests/unit
tier "app on SQLite" tests/app
# Schemathesis over every API operation, in-process, fixed seed (tests/fuzz/test_api_fuzz.py).
tier "fuzz (schemathesis, API in-process)" tests/fuzz
tier "realtime (Socket.IO)" tests/realtime
tier "regtest (real node)" tests/regtest
tier "e2e (Chromium)" tests/e2e

# The Django tier again on PostgreSQL 15 with Redis.
if [ $packages_ok -eq 1 ]; then
  say "starting throwaway PostgreSQL (with a streaming replica) and Redis"
  # The replica takes catalogue reads in the replica tests (tests/app/test_read_replica.py).
  if env_lines=$(CRYPTOSHOP_WITH_REPLICA=1 bash scripts/services.sh up); then
    while IFS= read -r line; do export "${line?}"; done <<< "$env_lines"
    export CRYPTOSHOP_CACHE_PREFIX="cs-test-$$"
    tier "app on PostgreSQL + replica + Redis" tests/app
    bash scripts/services.sh down || true
    unset DATABASE_URL REDIS_URL DATABASE_REPLICA_URL
  else
    record "FAIL  could not start PostgreSQL/Redis"; status=1
  fi
fi

say "summary"
printf '  %s\n' "${summary[@]}"
if [ $status -ne 0 ]; then echo "make test: FAILED"; else echo "make test: all tiers passed"; fi
exit $status
