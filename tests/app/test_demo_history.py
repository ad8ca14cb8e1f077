"""The demo sales history (demo/seed_history.py) on a fresh database: made through the
actions, the same every run for a given "now", spread over the months, every timestamp in
the past, and made once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from cryptoshop.demo import seed as demo
from cryptoshop.demo.seed_history import seed_history
from cryptoshop.escrow.models import Dispute, Escrow
from cryptoshop.notifications.models import Notification
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.payments.models import Invoice, InvoiceEvent, Payment, Refund, WatcherState

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _configured_but_unreachable_node(settings: Any) -> None:
    # Payments on (a node configured, nothing listening): the history never asks it.
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    # The tip the watcher last processed, so a new invoice doesn't ask the node for one.
    WatcherState.objects.create(name="chain", network="regtest", cursor_height=150)


def _shop() -> None:
    """The demo catalogue and stores without the history (made by the test itself)."""
    result = demo.SeedResult()
    demo.seed_categories(result)
    demo.seed_listings(result, demo.seed_stores(result))


def test_history_counts_shape_and_timestamps() -> None:
    _shop()
    made = seed_history(now=NOW)
    assert (made.orders, made.buyers) == (240, 132)
    orders = Order.objects.all()
    assert Counter(orders.values_list("status", flat=True)) == {
        "completed": 139, "shipped": 41, "expired": 24, "cancelled": 24, "refunded": 12}
    settled = Invoice.objects.filter(status=Invoice.Status.SETTLED).select_related("order")
    assert settled.count() == 192 and Payment.objects.count() == 192
    assert Refund.objects.filter(status=Refund.Status.CONFIRMED).count() == 12
    assert dict(Escrow.objects.values_list("status").annotate(n=Count("id"))) == {
        "awaiting_payment": 7, "funded": 37, "disputed": 2}
    assert Dispute.objects.count() == 2
    # Eight months, growing: the last full month has five times the first one's orders.
    per_month = Counter((t.year, t.month) for t in orders.values_list("created_at", flat=True))
    assert len(per_month) == 8 and per_month[(2026, 11)] == 55 and per_month[(2026, 4)] == 10
    per_buyer = Counter(orders.values_list("buyer_id", flat=True))
    assert sum(1 for n in per_buyer.values() if n > 1) == 50
    # Every timestamp lies in the past and in order.
    now = timezone.now()
    for invoice in settled:
        assert invoice.order.created_at < invoice.created_at < invoice.settled_at < NOW
        assert invoice.expires_at > invoice.created_at and invoice.created_height is None
    for model, name in ((OrderEvent, "created_at"), (InvoiceEvent, "created_at"),
                        (Payment, "seen_at"), (Refund, "confirmed_at"),
                        (Dispute, "created_at"), (Escrow, "created_at")):
        latest = model.objects.order_by(f"-{name}").values_list(name, flat=True).first()
        assert latest is not None and latest < NOW < now, model
    # An order's events follow one another: shipped after paid, received after shipped.
    for order in orders.filter(status=Order.Status.COMPLETED)[:40]:
        times = list(order.events.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert timedelta(0) <= times[0] - order.created_at < timedelta(seconds=5)
    # The history's notices are read and dated in the past: the bell isn't flooded.
    assert not Notification.objects.filter(read=False).exists()
    assert not Notification.objects.filter(created_at__gt=NOW).exists()


def test_history_is_made_once() -> None:
    _shop()
    assert seed_history(now=NOW).orders == 240
    first = sorted(Order.objects.values_list("created_at", "status", "total_sat"))
    assert seed_history(now=NOW).orders == 0  # idempotent: nothing is made twice
    assert seed_history().orders == 0
    assert Order.objects.count() == 240
    assert first == sorted(Order.objects.values_list("created_at", "status", "total_sat"))


def test_no_history_without_payments(settings: Any) -> None:
    settings.CHAIN_BACKEND = "none"
    _shop()
    made = seed_history(now=NOW)
    assert made.orders == 0 and made.skipped and not Order.objects.exists()
