"""What the live staff dashboard shows: one snapshot of the shop's pulse, cheap enough to take
every few seconds at a big shop's scale.

Per-minute series come from the newest rows by primary key (an index walk backwards, capped
at RECENT_ROWS), not from a filter on a timestamp column that has no index of its own: a
range scan over a million orders every ten seconds would cost more than everything else the
dashboard does. Rows are inserted in time order, so the newest ids are the newest events; a
shop busier than RECENT_ROWS orders in WINDOW_MINUTES shows "capped" rather than lying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone

from cryptoshop.core import health, metrics
from cryptoshop.orders.models import Order
from cryptoshop.payments import watcher
from cryptoshop.payments.models import Invoice, Payment

WINDOW_MINUTES = 30
RECENT_ROWS = 5000
OPEN_INVOICE_STATES = (Invoice.Status.NEW, Invoice.Status.PROCESSING)


@dataclass(frozen=True)
class Component:
    name: str
    state: str
    message: str
    latency_ms: float


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    orders_per_minute: list[int]  # oldest minute first; the last is the current minute
    payments_per_minute: list[int]
    capped: bool
    open_invoices: int
    watcher_lag_blocks: int
    clients: int
    components: list[Component] = field(default_factory=list)

    @property
    def orders_last_minute(self) -> int:
        return self.orders_per_minute[-1] if self.orders_per_minute else 0

    @property
    def payments_last_minute(self) -> int:
        return self.payments_per_minute[-1] if self.payments_per_minute else 0

    def bad_components(self) -> list[Component]:
        return [c for c in self.components if c.state in (health.DOWN, health.DEGRADED)]

    def as_event(self) -> dict[str, Any]:
        """The `metrics:update` payload (docs/realtime.md): counts and states, no names of
        people, no amounts."""
        return {
            "at": self.at.isoformat(),
            "ordersPerMinute": self.orders_per_minute,
            "paymentsPerMinute": self.payments_per_minute,
            "capped": self.capped,
            "openInvoices": self.open_invoices,
            "watcherLagBlocks": self.watcher_lag_blocks,
            "clients": self.clients,
            "components": {c.name: c.state for c in self.components},
        }


def per_minute(times: list[datetime], now: datetime, minutes: int = WINDOW_MINUTES) -> list[int]:
    """Counts per whole minute for the last `minutes` minutes, oldest first; the last bucket
    is the minute `now` is in. Times outside the window are ignored."""
    current = now.replace(second=0, microsecond=0)
    start = current - timedelta(minutes=minutes - 1)
    counts = [0] * minutes
    for t in times:
        if start <= t < current + timedelta(minutes=1):
            counts[int((t - start).total_seconds() // 60)] += 1
    return counts


def _recent_times(model: type[Model], column: str, since: datetime) -> tuple[list[datetime], bool]:
    rows = list(model._default_manager.order_by("-pk").values_list(column, flat=True)
                [:RECENT_ROWS])
    capped = len(rows) == RECENT_ROWS and bool(rows) and rows[-1] >= since
    return [t for t in rows if t >= since], capped


def components() -> list[Component]:
    out = []
    for name in sorted(health.COMPONENT_CHECKS):
        result = health.run_check(name)
        out.append(Component(name, result["state"], result["message"], result["latencyMs"]))
    return out


def take(now: datetime | None = None) -> Snapshot:
    now = now or timezone.now()
    since = now.replace(second=0, microsecond=0) - timedelta(minutes=WINDOW_MINUTES - 1)
    order_times, orders_capped = _recent_times(Order, "created_at", since)
    payment_times, payments_capped = _recent_times(Payment, "seen_at", since)
    return Snapshot(
        at=now,
        orders_per_minute=per_minute(order_times, now),
        payments_per_minute=per_minute(payment_times, now),
        capped=orders_capped or payments_capped,
        open_invoices=Invoice.objects.filter(status__in=OPEN_INVOICE_STATES).count(),
        watcher_lag_blocks=watcher.lag_blocks(),
        clients=int(metrics.current_total("cryptoshop_socketio_connections")),
        components=components(),
    )
