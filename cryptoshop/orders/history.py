"""The one place an order's history grows: its OrderEvent rows, `order:updated` to both
parties' pages, the status-change listeners (webhooks) and the notices that go with a
change (notices.py). Takes a list, so marking a block's worth of orders paid writes their
history in one INSERT and calls the listeners once; a single change is a list of one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptoshop.accounts.models import User
from cryptoshop.core.bulk import insert_rows
from cryptoshop.orders import notices
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.orders.registry import ORDER_STATUS_CHANGES


@dataclass(frozen=True)
class Change:
    """One history row: `order` (already in its new state) moved to `to_status`."""

    order: Order
    to_status: str
    role: str
    actor: User | None = None
    note: str = ""
    from_status: str | None = None
    notify: bool = True


def record_changes(changes: Sequence[Change]) -> None:
    """Store and announce `changes` (inside the caller's transaction)."""
    if not changes:
        return
    rows = [OrderEvent(order=c.order, from_status=c.from_status or "", to_status=c.to_status,
                       actor_role=c.role, actor=c.actor, note=c.note[:500]) for c in changes]
    if len(rows) == 1:
        rows[0].save()
    else:
        insert_rows(rows)  # nobody reads their ids
    for change in changes:
        notices.publish_updated(change.order)
    moved = [c for c in changes if c.to_status != c.from_status]
    if moved:
        ORDER_STATUS_CHANGES.call_each([(c.order, c.from_status or "", c.to_status)
                                        for c in moved])
    for change in moved:
        if change.notify:
            notices.notify_change(change.order, change.from_status or "", change.to_status,
                                  change.role)
