"""The live staff dashboard (/staff/live/): who may see it and join its room, what a snapshot
counts, and the alerts raised when a component goes bad and cleared when it comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cryptoshop.core import health
from cryptoshop.monitor import alerts, snapshot
from cryptoshop.payments import actions as pay
from cryptoshop.realtime import bus
from cryptoshop.realtime.rooms import may_join
from tests.app.moderation_setup import log_in
from tests.factories import make_account, make_order, operator, seller, seller_tpub

pytestmark = pytest.mark.django_db

Sent = list[tuple[str, str, dict[str, Any]]]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Every live event handed to the transport, in order."""
    out: Sent = []
    monkeypatch.setattr(bus, "_send", lambda room, event, payload: out.append(
        (room, event, payload)))
    return out


@pytest.fixture(autouse=True)
def _fresh_dashboard() -> Iterator[None]:
    for key in (alerts.STATES_KEY, alerts.ALERTS_KEY, alerts.LAST_KEY, alerts.TICK_KEY):
        cache.delete(key)
    yield


@pytest.fixture
def probe() -> Iterator[dict[str, str]]:
    """A component whose state the test sets, registered like any app's check."""
    state = {"now": "up"}

    def check() -> health.Status:
        if state["now"] == "down":
            return health.down("probe refused: start the probe")
        return health.up("probe answers")

    health.register("probe", check)
    yield state
    health.COMPONENT_CHECKS.pop("probe", None)


def test_only_staff_with_2fa_see_the_page(client: Client) -> None:
    assert client.get("/staff/live/").status_code == 404
    log_in(client, make_account())
    assert client.get("/staff/live/").status_code == 404
    no_2fa = Client()
    log_in(no_2fa, operator(two_factor=False))
    assert no_2fa.get("/staff/live/")["Location"] == "/accounts/2fa/"
    staff = Client()
    log_in(staff, operator())
    page = staff.get("/staff/live/").content.decode()
    assert 'data-live-rooms="staff-dashboard"' in page
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page
    assert 'data-testid="component-database"' in page


def test_the_room_admits_staff_with_2fa_only() -> None:
    assert may_join(operator().user, "staff-dashboard")
    assert not may_join(operator(two_factor=False).user, "staff-dashboard")
    assert not may_join(make_account().user, "staff-dashboard")
    assert not may_join(operator().user, "staff-elsewhere")


def test_per_minute_buckets_and_window_edges() -> None:
    now = datetime(2026, 12, 5, 10, 30, 20, tzinfo=UTC)
    times = [now, now.replace(second=0), now - timedelta(seconds=21),  # 10:29:59
             now - timedelta(minutes=29, seconds=20),  # 10:01:00, the oldest minute
             now - timedelta(minutes=29, seconds=21)]  # 10:00:59, outside the window
    counts = snapshot.per_minute(times, now)
    assert len(counts) == 30
    assert counts[-1] == 2 and counts[-2] == 1 and counts[0] == 1 and sum(counts) == 4


def test_a_snapshot_counts_orders_and_open_invoices(settings: Any) -> None:
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    _owner, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(31), mode="direct"))
    buyer = make_account()
    orders = [make_order(buyer.user, store) for _ in range(3)]
    pay.do_create_invoice(orders[0], buyer.user, client_ip="x")
    pay.do_create_invoice(orders[1], buyer.user, client_ip="x")
    taken = snapshot.take()
    assert taken.orders_last_minute == 3
    assert sum(taken.orders_per_minute) == 3
    assert taken.open_invoices == 2
    assert taken.payments_last_minute == 0
    assert not taken.capped
    event = taken.as_event()
    assert event["openInvoices"] == 2 and event["components"]["database"] == "up"


def probe_events(sent: Sent) -> list[tuple[str, str | None]]:
    """The probe's alerts and every snapshot, in order (other components, e.g. a watcher
    that never ran in this test database, raise their own alerts: not this test's matter)."""
    return [(e, d.get("state") if e != "metrics:update" else d["components"]["probe"])
            for _r, e, d in sent if e == "metrics:update" or d.get("component") == "probe"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Live events go out after the commit: run the on-commit callbacks of a block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_alerts_rise_once_and_clear_once(probe: dict[str, str], sent: Sent,
                                         committed: Any) -> None:
    with committed():
        alerts.record(snapshot.take())
    assert probe_events(sent) == [("metrics:update", "up")]
    assert {room for room, _e, _d in sent} == {"staff-dashboard"}

    sent.clear()
    probe["now"] = "down"
    with committed():
        raised, cleared = alerts.record(snapshot.take())
    assert [c.name for c in raised] == ["probe"] and cleared == []
    assert probe_events(sent) == [("alert:raised", "down"), ("metrics:update", "down")]
    [alert] = [d for _r, e, d in sent if e == "alert:raised"]
    assert alert["message"] == "probe refused: start the probe"

    sent.clear()
    with committed():
        alerts.record(snapshot.take())  # still down: no second alert
    assert probe_events(sent) == [("metrics:update", "down")]

    sent.clear()
    probe["now"] = "up"
    with committed():
        alerts.record(snapshot.take())
    assert probe_events(sent) == [("alert:cleared", "up"), ("metrics:update", "up")]
    assert [(a["kind"], a["component"]) for a in alerts.recent_alerts()
            if a["component"] == "probe"] == [("cleared", "probe"), ("raised", "probe")]


def test_one_process_per_turn(sent: Sent, committed: Any) -> None:
    with committed():
        alerts.tick()
        alerts.tick()  # another process in the same turn: the lock says no
    assert [e for _r, e, _d in sent].count("metrics:update") == 1


def test_the_page_shows_an_alert_while_a_component_is_down(probe: dict[str, str],
                                                         sent: Sent) -> None:
    staff = Client()
    log_in(staff, operator())
    probe["now"] = "down"
    alerts.record(snapshot.take())
    page = staff.get("/staff/live/").content.decode()
    assert 'data-testid="alert-probe"' in page and "probe refused: start the probe" in page
    probe["now"] = "up"
    alerts.record(snapshot.take())
    page = staff.get("/staff/live/").content.decode()
    assert 'data-testid="alert-probe"' not in page
    assert page.count("<strong class=\"font-medium\">probe</strong>") == 2  # raised, cleared
