"""The demo history's clock: the history is made now, through the real actions, in a few
seconds; this maps each real instant of that run onto the simulated past and then moves
every timestamp of the objects it made there, in one place.

How: before each step of an order (checkout, payment, shipping, …) the seed calls
``at(simulated time)``, which pins the real instant to the simulated one. A timestamp
written during the step (real instant r, after pin k) becomes ``sim_k + (r - real_k)``:
milliseconds after the simulated moment, so the order of events within a step is kept.
Deadlines written in a step (an invoice's expiry, an order's reservation) move by the same
amount as the row's creation, so "expires 15 minutes after it was made" stays true."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.escrow.models import Dispute, Escrow, EscrowEvent, Spend
from cryptoshop.notifications.models import Notification
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.payments.models import Invoice, InvoiceEvent, Payment, Refund, RefundPayment


class HistoryClock:
    def __init__(self) -> None:
        self.started = timezone.now()
        self._real: list[datetime] = []
        self._shift: list[timedelta] = []
        self.ended: datetime | None = None

    def end(self) -> None:
        """Nothing written after this belongs to the history."""
        self.ended = timezone.now()

    def at(self, simulated: datetime) -> None:
        """What happens from now on happened at ``simulated``."""
        real = timezone.now()
        self._real.append(real)
        self._shift.append(simulated - real)

    def shift(self, real: datetime) -> timedelta:
        k = bisect.bisect_right(self._real, real) - 1
        return self._shift[max(k, 0)]

    def past(self, real: datetime | None) -> datetime | None:
        """The simulated instant of ``real`` (untouched if it is from before the run)."""
        if real is None or real < self.started or not self._real or (
                self.ended is not None and real > self.ended):
            return real
        return real + self.shift(real)


def _move(clock: HistoryClock, rows: QuerySet[Any], instants: Iterable[str],
          deadlines: Iterable[str] = (), *, anchor: str = "created_at",
          **fixed: object) -> int:
    """Move ``instants`` to their simulated time and ``deadlines`` by their row's
    ``anchor`` shift; ``fixed`` fields are set as given. One bulk UPDATE per model."""
    instants, deadlines = list(instants), list(deadlines)
    changed: list[Model] = []
    for row in rows:
        base = getattr(row, anchor) if deadlines else None
        for name in instants:
            setattr(row, name, clock.past(getattr(row, name)))
        if base is not None and clock.past(base) != base:
            for name in deadlines:
                value = getattr(row, name)
                if value is not None:
                    setattr(row, name, value + clock.shift(base))
        for name, value in fixed.items():
            setattr(row, name, value)
        changed.append(row)
    if changed:
        rows.model.objects.bulk_update(changed, [*instants, *deadlines, *fixed],
                                             batch_size=200)
    return len(changed)


def backdate(clock: HistoryClock, order_ids: list[int], user_ids: list[int],
             notified_ids: list[int], first_notice_id: int) -> None:
    """Every timestamp of the history's orders, their payments, refunds, escrows and
    notices, and the demo buyers' sign-up times, moved into the simulated past."""
    invoices = Invoice.objects.filter(order_id__in=order_ids)
    # History invoices predate the watcher: no start height for it to scan from.
    _move(clock, invoices, ["created_at", "settled_at"], ["expires_at", "watch_until"],
          created_height=None)
    expiry = dict(invoices.order_by("created_at").values_list("order_id", "expires_at"))
    orders = list(Order.objects.filter(pk__in=order_ids))
    for order in orders:
        shifted = clock.shift(order.created_at)
        order.created_at = order.created_at + shifted
        order.updated_at = clock.past(order.updated_at) or order.updated_at
        order.reserved_until = expiry.get(order.pk) or order.reserved_until + shifted
    Order.objects.bulk_update(orders, ["created_at", "updated_at", "reserved_until"],
                              batch_size=200)
    _move(clock, OrderEvent.objects.filter(order_id__in=order_ids), ["created_at"])
    _move(clock, Payment.objects.filter(invoice__order_id__in=order_ids), ["seen_at"])
    _move(clock, InvoiceEvent.objects.filter(invoice__order_id__in=order_ids), ["created_at"])
    _move(clock, Refund.objects.filter(order_id__in=order_ids),
          ["created_at", "updated_at", "confirmed_at"])
    _move(clock, RefundPayment.objects.filter(refund__order_id__in=order_ids), ["seen_at"])
    _move(clock, Escrow.objects.filter(order_id__in=order_ids), ["created_at", "closed_at"])
    _move(clock, Spend.objects.filter(escrow__order_id__in=order_ids),
          ["created_at", "broadcast_at", "confirmed_at"])
    _move(clock, Dispute.objects.filter(escrow__order_id__in=order_ids),
          ["created_at", "decided_at"])
    _move(clock, EscrowEvent.objects.filter(escrow__order_id__in=order_ids), ["created_at"])
    _move(clock, User.objects.filter(pk__in=user_ids), ["date_joined"], anchor="date_joined")
    # The notices the history sent (paid, shipped, refunded…) are months old and were
    # read back then: the bell shows today's, not two hundred from the past.
    _move(clock, Notification.objects.filter(pk__gte=first_notice_id, user_id__in=notified_ids),
          ["created_at"], read=True)
