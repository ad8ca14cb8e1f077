"""The read replica (core/dbrouter.py, core/replica.py): catalogue reads go to a real
streaming standby (scripts/services.sh up with CRYPTOSHOP_WITH_REPLICA=1), a client that
just wrote reads the primary, and a replica that lags or dies sends reads back to the
primary without a failed page. Without a replica (SQLite, or PostgreSQL alone) the router
is a no-op, which the first tests check on every database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from cryptoshop.catalog.models import Listing
from cryptoshop.core import dbrouter, replica
from tests.api_calls import bearer_call
from tests.factories import category, listing, seller

HAS_REPLICA = "replica" in settings.DATABASES
needs_replica = pytest.mark.skipif(
    not HAS_REPLICA, reason="no read replica configured (DATABASE_REPLICA_URL; "
    "scripts/services.sh up with CRYPTOSHOP_WITH_REPLICA=1 makes one)")
# Real commits (the standby only sees committed rows) and queries allowed on both aliases.
replica_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


# --- without a replica ----------------------------------------------------------------------

@pytest.mark.skipif(HAS_REPLICA, reason="checks the router with no replica configured")
@pytest.mark.django_db
def test_without_a_replica_every_read_and_write_uses_the_default_database() -> None:
    router = dbrouter.ReplicaRouter()
    request = RequestFactory().get("/search/")
    assert not dbrouter.may_read_replica(request)
    assert dbrouter.read_from_replica(request, dbrouter.reading_replica) is False
    assert router.db_for_read(Listing) == router.db_for_write(Listing) == "default"
    assert replica.state().state == replica.NOT_CONFIGURED
    health = Client().get("/api/health").json()["data"]["components"]
    assert health["replica"] == "disabled"


@pytest.mark.skipif(HAS_REPLICA, reason="checks the router with no replica configured")
@pytest.mark.django_db
def test_without_a_replica_a_write_sets_no_read_your_writes_cookie() -> None:
    acct, _ = seller()
    answer = bearer_call("post", "/api/products", acct.token, {
        "title": "Red scarf", "category": category().slug, "priceSat": 1000,
        "status": "active"})
    assert answer.status_code == 201, answer.content
    assert dbrouter.WROTE_COOKIE not in answer.cookies


# --- with a real standby --------------------------------------------------------------------

def _lsn(alias: str, sql: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT ({sql}) - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0] or 0)


def _primary_lsn() -> int:
    # The insert position, not pg_current_wal_lsn() (the written one): with
    # synchronous_commit=off (scripts/services.sh) a commit may not be written yet, and the
    # standby is sent only what is.
    return _lsn("default", "pg_current_wal_insert_lsn()")


def _wait_for(alias_sql: str, target: int) -> None:
    """Bounded wait until the standby's LSN (received or replayed) reaches target."""
    for _ in range(200):
        if _lsn("replica", alias_sql) >= target:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not reach {target} ({alias_sql})")


def replayed() -> None:
    _wait_for("pg_last_wal_replay_lsn()", _primary_lsn())
    replica.forget()


@contextmanager
def replay_paused() -> Iterator[None]:
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
        # A pause is only requested until the startup process takes it (bounded wait).
        for _ in range(200):
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the replica did not pause its replay")
    try:
        yield
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        replica.forget()


@contextmanager
def queries_on_both() -> Iterator[tuple[CaptureQueriesContext, CaptureQueriesContext]]:
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as standby:
        yield primary, standby


def _listing_reads(captured: CaptureQueriesContext) -> int:
    return sum(1 for q in captured.captured_queries if 'FROM "catalog_listing"' in q["sql"])


def _titles(answer: Any) -> set[str]:
    assert answer.status_code == 200, answer.content
    return {item["title"] for item in answer.json()["data"]}


@needs_replica
@replica_db
def test_catalogue_reads_go_to_the_replica_and_a_writer_reads_its_write_at_once() -> None:
    acct, store = seller()
    listing(store, "Green wool hat")
    replayed()
    with queries_on_both() as (primary, standby):
        assert _titles(Client().get("/api/products?q=wool")) == {"Green wool hat"}
        assert Client().get("/search/?q=wool").status_code == 200
    assert _listing_reads(standby) >= 2 and _listing_reads(primary) == 0
    # Replay stops: the writer's new listing is on the primary only.
    with override_settings(REPLICA_MAX_LAG_SECONDS=3600), replay_paused():
        made = bearer_call("post", "/api/products", acct.token, {
            "title": "Grey wool socks", "category": "clothing", "priceSat": 1000,
            "status": "active", "tags": ["wool"]})
        assert made.status_code == 201, made.content
        with queries_on_both() as (primary, standby):
            mine = _titles(bearer_call("get", "/api/products?q=wool&limit=50", acct.token))
        assert mine == {"Green wool hat", "Grey wool socks"}
        assert _listing_reads(primary) >= 1 and _listing_reads(standby) == 0
        # An anonymous reader may read the (paused, so older) replica.
        with queries_on_both() as (primary, standby):
            theirs = _titles(Client().get("/api/products?q=wool&limit=50"))
        assert theirs == {"Green wool hat"} and _listing_reads(primary) == 0


@needs_replica
@replica_db
def test_a_browser_that_posted_reads_the_primary_for_the_window() -> None:
    acct, store = seller()
    listing(store, "Green wool hat")
    replayed()
    browser = Client()
    browser.force_login(acct.user)
    browser.post("/theme/", {"theme": "dark"})  # any successful unsafe request marks it
    assert dbrouter.WROTE_COOKIE in browser.cookies
    with queries_on_both() as (primary, standby):
        assert browser.get(f"/s/{store.slug}/").status_code == 200
    assert _listing_reads(primary) >= 1 and _listing_reads(standby) == 0
    with override_settings(READ_YOUR_WRITES_SECONDS=0), queries_on_both() as (primary, standby):
        assert browser.get(f"/s/{store.slug}/?page=1").status_code == 200
    assert _listing_reads(standby) >= 1 and _listing_reads(primary) == 0


@needs_replica
@replica_db
@override_settings(REPLICA_MAX_LAG_SECONDS=0)
def test_a_replica_lagging_beyond_the_limit_sends_reads_to_the_primary() -> None:
    _, store = seller()
    listing(store, "Green wool hat")
    replayed()
    with replay_paused():
        listing(store, "Grey wool socks")  # received by the standby, not replayed
        _wait_for("pg_last_wal_receive_lsn()", _primary_lsn())
        replica.forget()
        with queries_on_both() as (primary, standby):
            assert _titles(Client().get("/api/products?q=wool")) == {
                "Green wool hat", "Grey wool socks"}
        assert _listing_reads(standby) == 0 and _listing_reads(primary) >= 1
        state = Client().get("/api/health").json()["data"]["components"]["replica"]
        assert state.startswith("ok (lagging: replay paused"), state


@contextmanager
def replica_at_closed_port() -> Iterator[None]:
    """The replica alias pointed at a port nothing listens on (a replica that is gone)."""
    wrapper = connections["replica"]
    port = wrapper.settings_dict["PORT"]
    wrapper.close()
    wrapper.close_pool()
    wrapper.settings_dict["PORT"] = "54349"
    try:
        yield
    finally:
        wrapper.close()
        wrapper.close_pool()
        wrapper.settings_dict["PORT"] = port
        replica.forget()


@needs_replica
@replica_db
def test_a_replica_that_is_down_leaves_pages_working_from_the_primary() -> None:
    _, store = seller()
    item = listing(store, "Green wool hat")
    replayed()
    assert replica.state(fresh=True).usable
    # The measurement just made is trusted for the whole test (no re-measuring in between).
    with override_settings(REPLICA_CHECK_SECONDS=3600), replica_at_closed_port():
        # Found fit a moment ago, gone now: the read fails under the request and the
        # page is made again from the primary.
        with CaptureQueriesContext(connections["default"]) as primary:
            assert _titles(Client().get("/api/products?q=wool")) == {"Green wool hat"}
        assert _listing_reads(primary) >= 1
        assert replica.state().state == replica.DOWN
        for path in ("/", "/search/?q=hat", f"/s/{store.slug}/", f"/l/{item.public_id}/",
                     f"/c/{item.category.slug}/"):
            assert Client().get(path, follow=True).status_code == 200, path
        replica.forget()  # measured afresh: unreachable
        health = Client().get("/api/health")
        assert health.status_code == 200
        assert health.json()["data"]["components"]["replica"].startswith("ok (down: unreachable")


@needs_replica
@replica_db
def test_writes_never_go_to_the_replica() -> None:
    _, store = seller()
    listing(store, "Green wool hat")
    replayed()
    request = RequestFactory().get("/search/")

    def read_then_write() -> Listing:
        found = Listing.objects.get(title="Green wool hat")
        assert found._state.db == "replica"
        found.title = "Blue wool hat"
        found.save(update_fields=["title"])
        Listing.objects.filter(pk=found.pk).update(stock=7)
        return found

    with queries_on_both() as (primary, standby):
        dbrouter.read_from_replica(request, read_then_write)
    assert all(q["sql"].lstrip().upper().startswith("SELECT")
               for q in standby.captured_queries)
    assert sum(1 for q in primary.captured_queries if q["sql"].startswith("UPDATE")) >= 2
    fresh = Listing.objects.using("default").get(title="Blue wool hat")
    assert fresh.stock == 7


@needs_replica
@replica_db
def test_health_and_metrics_show_the_replica() -> None:
    replayed()
    data = Client().get("/api/health").json()["data"]
    assert data["components"]["replica"] == "ok"
    metrics = Client().get("/metrics").content.decode()
    assert "cryptoshop_db_replica_usable 1.0" in metrics
