"""The demo sales history (demo/seed_history.py) on a fresh database: made through the
actions, the same every run for a given "now", spread over the months, every timestamp in
the past, and made once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
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
    print(made)
    orders = Order.objects.all()
    statuses = Counter(orders.values_list("status", flat=True))
    print(statuses)
    print(Invoice.objects.filter(status="settled").count(), Refund.objects.count(),
          Escrow.objects.values("status").annotate(n=Count("id")), Dispute.objects.count())
    months = {(o.year, o.month) for o in orders.values_list("created_at", flat=True)}
    print(sorted(months))
    per_buyer = Counter(orders.values_list("buyer_id", flat=True))
    print(sum(1 for n in per_buyer.values() if n > 1), len(per_buyer))
    print(Counter((o.year, o.month) for o in orders.values_list("created_at", flat=True)))
    print(Notification.objects.filter(read=False).count(), Notification.objects.count())
