#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the test suite, on loopback only.
#   scripts/services.sh up    -> starts both (idempotent) and prints their URLs as env lines
#   scripts/services.sh down  -> stops what `up` started
# Data lives under $CRYPTOSHOP_SERVICES_DIR (default /tmp/cryptoshop-services-$UID).
set -euo pipefail

DIR="${CRYPTOSHOP_SERVICES_DIR:-/tmp/cryptoshop-services-$(id -u)}"
PG_PORT="${CRYPTOSHOP_TEST_PG_PORT:-54329}"
REDIS_PORT="${CRYPTOSHOP_TEST_REDIS_PORT:-63799}"
PGDATA="$DIR/pg"
mkdir -p "$DIR"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$bin" ] || { echo "error: PostgreSQL is not installed (scripts/ensure-packages.sh)" >&2; exit 1; }
  echo "$bin"
}

# PostgreSQL refuses to run as root: run it as the 'postgres' system user when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_up() {
  local bin; bin=$(pg_bin)
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$DIR" && chmod 755 "$DIR"
    as_pg "$bin/initdb" -D "$PGDATA" -U cryptoshop --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  fi
}

pg_down() {
  local bin; bin=$(pg_bin)
  [ -d "$PGDATA" ] && as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

redis_up() {
  command -v redis-server >/dev/null || { echo "error: redis-server is not installed" >&2; exit 1; }
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

redis_down() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

case "${1:-}" in
  up)
    pg_up; redis_up
    echo "DATABASE_URL=postgres://cryptoshop@127.0.0.1:$PG_PORT/postgres"
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
  down) pg_down; redis_down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
