"""Is the read replica fit to serve catalogue reads? Measured on the replica itself, at
most once per CRYPTOSHOP_REPLICA_CHECK_SECONDS per process (not a query per request), and
shown in health (`replica`) and in Prometheus (cryptoshop_db_replica_*).

States: ok (a standby within the lag limit), lagging (replay further behind than
CRYPTOSHOP_REPLICA_MAX_LAG_SECONDS), down (unreachable, or no longer a standby), not
configured (no DATABASE_REPLICA_URL). Only "ok" takes reads (core/dbrouter.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from cryptoshop.core import metrics

logger = logging.getLogger(__name__)

REPLICA = "replica"
OK, LAGGING, DOWN, NOT_CONFIGURED = "ok", "lagging", "down", "not configured"

# Lag is "now - the last replayed commit" only while WAL is waiting to be replayed: on an
# idle primary the last commit is old but nothing is pending (received = replayed), and
# that standby is current. Received WAL is what reached the standby; a network delay
# before it arrives is not seen from here (the primary's pg_stat_replication shows it).
_MEASURE_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false),
       EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))::float8,
       pg_is_in_recovery() AND pg_is_wal_replay_paused()
"""


@dataclass(frozen=True)
class ReplicaState:
    state: str
    lag_s: float | None
    measured_at: float  # time.monotonic()
    message: str = ""

    @property
    def usable(self) -> bool:
        return self.state == OK


_lock = threading.Lock()
_last: ReplicaState | None = None


def configured() -> bool:
    return REPLICA in settings.DATABASES


def state(*, fresh: bool = False) -> ReplicaState:
    """The replica's state, measured at most once per check interval per process. While
    another thread measures, the others take the last answer (or "down" if there is none
    yet) rather than queue behind a replica that may be timing out."""
    if not configured():
        return ReplicaState(NOT_CONFIGURED, None, time.monotonic(),
                            "DATABASE_REPLICA_URL is not set: every read goes to the primary")
    last = _last
    if (not fresh and last is not None
            and time.monotonic() - last.measured_at < settings.REPLICA_CHECK_SECONDS):
        return last
    if not _lock.acquire(blocking=fresh):
        return last or ReplicaState(DOWN, None, time.monotonic(), "not measured yet")
    try:
        return _record(measure())
    finally:
        _lock.release()


def mark_down(reason: str) -> ReplicaState:
    """A read on the replica just failed: stop sending reads there for a check interval."""
    close_connection()
    return _record(ReplicaState(DOWN, None, time.monotonic(), reason))


def forget() -> None:
    """Drop the remembered measurement (tests that stop or pause the replica)."""
    global _last
    _last = None


def _record(result: ReplicaState) -> ReplicaState:
    global _last
    previous = _last
    _last = result
    if previous is None or previous.state != result.state:
        log = logger.info if result.usable else logger.warning
        log("read replica: %s%s", result.state, f" ({result.message})" if result.message else "")
    metrics.DB_REPLICA_LAG_SECONDS.set(-1 if result.lag_s is None else result.lag_s)
    metrics.DB_REPLICA_USABLE.set(1 if result.usable else 0)
    return result


def measure() -> ReplicaState:
    """One measurement, on this thread's replica connection."""
    now = time.monotonic()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_MEASURE_SQL)
            in_recovery, caught_up, behind_s, paused = cursor.fetchone()
    except Exception as exc:  # any failure (refused, timeout, pool timeout) means "down"
        close_connection()
        return ReplicaState(DOWN, None, now, f"unreachable ({type(exc).__name__}): "
                            "catalogue reads go to the primary")
    if not in_recovery:
        return ReplicaState(DOWN, None, now, "not a standby (promoted?): reads stay on "
                            "the primary until DATABASE_REPLICA_URL names a standby")
    lag_s = 0.0 if caught_up else float(behind_s if behind_s is not None else 0.0)
    lag_s = max(0.0, round(lag_s, 3))
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if lag_s > limit:
        why = "replay paused" if paused else "replay behind"
        return ReplicaState(LAGGING, lag_s, now, f"{why} by {lag_s:.1f} s (limit {limit} s): "
                            "catalogue reads go to the primary")
    return ReplicaState(OK, lag_s, now)


def close_connection() -> None:
    """Give back this thread's replica connection (a broken one is then discarded)."""
    # Closing a dead connection may itself fail; there is nothing more to do then.
    with contextlib.suppress(Exception):
        connections[REPLICA].close()
