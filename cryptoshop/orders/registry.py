"""What the orders layer asks of the apps above it, filled from their wiring.py.

Payments sits above orders (an invoice belongs to an order), yet an order's page and its
API answer show how its payment stands. The payments app provides that here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from cryptoshop.core.registry import Hooks, Slot

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cryptoshop.orders.models import Order


class OrderPayment(Protocol):
    def page_context(self, order: Order) -> dict[str, Any]:
        """Template context for the order page: `invoice` and `invoice_flags`."""
        ...

    def api_out(self, order: Order) -> dict[str, Any] | None:
        """The order's current invoice as the API shows it, or None."""
        ...


ORDER_PAYMENT: Slot[OrderPayment] = Slot("the order's payment", provided_by="cryptoshop.payments")

# Parts of the order page that apps above orders render (reviews: the buyer's review forms):
# each gets the request, the order and the viewer's role ("buyer" or "seller") and returns
# HTML ("" for nothing), shown in order below the items.
ORDER_SECTIONS: Hooks[Callable[[HttpRequest, Order, str], str]] = Hooks("order page sections")

# Called with a list of (order, from_status, to_status), one per status change ("" as
# from_status when the order is placed), inside the changes' transaction: one call for a
# single change, one for all the orders a block's payments mark paid. The webhooks app
# queues its deliveries here (in one INSERT), so they commit or roll back with the change.
ORDER_STATUS_CHANGES: Hooks[Callable[[list[tuple[Order, str, str]]], None]] = Hooks(
    "order status changes")
