"""Connection pooling (ADR 18): a burst of clients beyond what PostgreSQL allows fails
without the pool ("too many connections") and queues through the pool. The limit is a
role's CONNECTION LIMIT (the same refusal as max_connections, without a server of its
own). No timing is asserted: the direct burst holds every connection it got until all
threads have tried, so exactly the limit succeed; the pooled burst only counts outcomes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="the connection pool is PostgreSQL's (psycopg_pool)"),
    pytest.mark.django_db(transaction=True),
]

ROLE, LIMIT, CLIENTS = "cs_burst", 8, 40


@dataclass
class Outcome:
    ok: int = 0
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.ok += 1
            else:
                self.refused.append(error)


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def limited_role() -> Iterator[dict[str, Any]]:
    _sql(f"DROP ROLE IF EXISTS {ROLE}")
    _sql(f"CREATE ROLE {ROLE} LOGIN CONNECTION LIMIT {LIMIT}")
    base = {**connection.settings_dict, "USER": ROLE, "PASSWORD": "", "CONN_MAX_AGE": 0}
    try:
        yield base
    finally:
        _sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - a constant
             f"WHERE usename = '{ROLE}'")
        _sql(f"DROP ROLE IF EXISTS {ROLE}")


def _one(settings_dict: dict[str, Any], alias: str, outcome: Outcome,
         held: threading.Barrier | None) -> None:
    db = DatabaseWrapper(settings_dict, alias=alias)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
        outcome.add(None)
    except OperationalError as exc:
        outcome.add(str(exc))
    finally:
        if held is not None:
            held.wait(timeout=120)  # every thread has tried before any lets go
        db.close()


def burst(settings_dict: dict[str, Any], alias: str, *, hold: bool) -> Outcome:
    outcome = Outcome()
    held = threading.Barrier(CLIENTS) if hold else None
    threads = [threading.Thread(target=_one, args=(settings_dict, alias, outcome, held))
               for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return outcome


def test_a_burst_beyond_the_connection_limit_is_refused_without_the_pool(
        limited_role: dict[str, Any]) -> None:
    options = {k: v for k, v in limited_role["OPTIONS"].items() if k != "pool"}
    outcome = burst({**limited_role, "OPTIONS": options}, "burst_direct", hold=True)
    assert outcome.ok == LIMIT
    assert len(outcome.refused) == CLIENTS - LIMIT
    assert all("too many connections" in error for error in outcome.refused), outcome.refused[:1]


def test_the_same_burst_queues_through_the_pool_and_every_client_succeeds(
        limited_role: dict[str, Any]) -> None:
    pool = {"min_size": 1, "max_size": LIMIT // 2, "timeout": 120}
    options = {**limited_role["OPTIONS"], "pool": pool}
    pooled = {**limited_role, "OPTIONS": options}
    try:
        outcome = burst(pooled, "burst_pool", hold=False)
    finally:
        DatabaseWrapper(pooled, alias="burst_pool").close_pool()
    assert outcome.refused == [] and outcome.ok == CLIENTS
