#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the test suite, on loopback only.
#   scripts/services.sh up            -> starts both (idempotent) and prints their URLs as env
#                                        lines; with CRYPTOSHOP_WITH_REPLICA=1 also a streaming
#                                        standby on PG_PORT+1 (DATABASE_REPLICA_URL=...)
#   scripts/services.sh down          -> stops what `up` started (the standby too)
#   scripts/services.sh replica-stop  -> stops only the standby (fault tests: reads fall back)
#   scripts/services.sh replica-start -> starts it again (it catches up by streaming)
# Data lives under $CRYPTOSHOP_SERVICES_DIR (default /tmp/cryptoshop-services-$UID).
# CRYPTOSHOP_TEST_PG_PORT, CRYPTOSHOP_TEST_REDIS_PORT: the ports; CRYPTOSHOP_PG_MAX_CONNECTIONS:
# max_connections of both servers (a standby needs at least the primary's).
set -euo pipefail

DIR="${CRYPTOSHOP_SERVICES_DIR:-/tmp/cryptoshop-services-$(id -u)}"
PG_PORT="${CRYPTOSHOP_TEST_PG_PORT:-54329}"
REPLICA_PORT=$((PG_PORT + 1))
REDIS_PORT="${CRYPTOSHOP_TEST_REDIS_PORT:-63799}"
MAX_CONN="${CRYPTOSHOP_PG_MAX_CONNECTIONS:-200}"
PGDATA="$DIR/pg"
REPLICA_DATA="$DIR/pg-replica"
# fsync and friends off: throwaway data, and the suite is faster for it. wal_level=replica
# (PostgreSQL's default, said here because the standby depends on it) and trust on
# loopback, which initdb's pg_hba.conf gives replication connections too.
PG_OPTS="-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=$MAX_CONN -c wal_level=replica"
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
    # A standby copied from an earlier primary can't follow this new one.
    rm -rf "$REPLICA_DATA"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "$PG_OPTS -p $PG_PORT -k $PGDATA" >/dev/null
  fi
}

# A hot standby made with pg_basebackup -R (standby.signal and primary_conninfo written
# for us), streaming from the primary. hot_standby_feedback keeps the primary from
# vacuuming rows a replica query still reads (fewer "conflict with recovery" cancels).
replica_up() {
  local bin; bin=$(pg_bin)
  if [ ! -s "$REPLICA_DATA/PG_VERSION" ]; then
    rm -rf "$REPLICA_DATA"
    as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U cryptoshop -D "$REPLICA_DATA" \
      -R -X stream -c fast >/dev/null
    chmod 700 "$REPLICA_DATA"
  fi
  # Test ports sit in the kernel's ephemeral range: a client socket may hold the port for a
  # while (a TIME_WAIT of up to 60 s: "Address already in use"), so keep trying a while.
  local try
  for try in $(seq 15); do
    as_pg "$bin/pg_ctl" -D "$REPLICA_DATA" status >/dev/null 2>&1 && return 0
    as_pg "$bin/pg_ctl" -D "$REPLICA_DATA" -l "$REPLICA_DATA/server.log" -w -t 60 start \
      -o "$PG_OPTS -p $REPLICA_PORT -k $REPLICA_DATA -c hot_standby=on -c hot_standby_feedback=on" \
      >/dev/null 2>&1 && return 0
    sleep 5
  done
  echo "error: the standby did not start (see $REPLICA_DATA/server.log)" >&2
  return 1
}

replica_down() {
  local bin; bin=$(pg_bin)
  [ -d "$REPLICA_DATA" ] && as_pg "$bin/pg_ctl" -D "$REPLICA_DATA" -m fast stop >/dev/null 2>&1 || true
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
    if [ "${CRYPTOSHOP_WITH_REPLICA:-0}" = "1" ]; then
      replica_up
      echo "DATABASE_REPLICA_URL=postgres://cryptoshop@127.0.0.1:$REPLICA_PORT/postgres"
    fi
    ;;
  down) replica_down; pg_down; redis_down ;;
  replica-stop) replica_down ;;
  replica-start) replica_up ;;
  *) echo "usage: $0 up|down|replica-stop|replica-start" >&2; exit 2 ;;
esac
