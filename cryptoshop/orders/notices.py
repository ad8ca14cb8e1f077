"""What every order change tells people: `order:updated` to the order's room and both
parties' user rooms (after the commit, so a page that re-fetches sees the new state), and
a notice to whoever should act or would want to know. Called from actions._event, the one
place an order's history grows.

Who hears what (one notice per party per change, never two):
- placed → the seller; shipped, expired, refunded → the buyer; completed by the buyer →
  the seller; cancelled → the other party (both when staff or the system cancels).
- paid: the payments app tells both (it knows the amount, escrow, a late payment).
- completed or refunded by an escrow payout: the escrow app tells both (escrow_released,
  escrow_refunded), so those transitions pass notify=False."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.realtime import order_room, publish, user_room

Status = Order.Status
Actor = OrderEvent.Actor


def updated_payload(order: Order) -> dict[str, str]:
    """The `order:updated` event: no addresses, notes or amounts (everyone in the rooms
    gets it; pages re-fetch what they show)."""
    return {"orderId": order.public_id, "status": order.status,
            "statusLabel": str(order.get_status_display()), "at": timezone.now().isoformat()}


def publish_updated(order: Order) -> None:
    payload = updated_payload(order)
    rooms = [order_room(order.public_id), user_room(order.store.owner.public_id)]
    if order.buyer is not None:
        rooms.append(user_room(order.buyer.public_id))
    for room in rooms:
        publish(room, "order:updated", payload)


def _to_buyer(order: Order, kind: str, title: str, message: str, severity: str) -> None:
    if order.buyer is not None:
        do_notify(order.buyer, kind, title, message, severity=severity,
                  url=reverse("orders:detail", args=[order.public_id]),
                  extra={"orderId": order.public_id})


def _to_seller(order: Order, kind: str, title: str, message: str, severity: str) -> None:
    seller: User = order.store.owner
    do_notify(seller, kind, title, message, severity=severity,
              url=reverse("sell:order", args=[order.public_id]),
              extra={"orderId": order.public_id})


def notify_change(order: Order, from_status: str, to_status: str, role: str) -> None:
    """The notices for one status change (see the module docstring)."""
    ref = order.public_id
    if to_status == Status.PENDING_PAYMENT and not from_status:
        _to_seller(order, "order_placed", "New order",
                   f"Order {ref} was placed; it waits for the buyer's payment.", "info")
    elif to_status == Status.SHIPPED:
        _to_buyer(order, "order_shipped", "Order shipped",
                  f"{order.store.name} shipped order {ref}.", "success")
    elif to_status == Status.COMPLETED:
        _to_seller(order, "order_completed", "Order completed",
                   f"The buyer confirmed receiving order {ref}.", "success")
    elif to_status == Status.EXPIRED:
        _to_buyer(order, "order_expired", "Order expired",
                  f"Order {ref} wasn't paid in time; its items went back on sale.", "warning")
    elif to_status == Status.REFUNDED:
        _to_buyer(order, "order_refunded", "Order refunded",
                  f"Order {ref} was refunded.", "info")
    elif to_status == Status.CANCELLED:
        if role != Actor.BUYER:
            _to_buyer(order, "order_cancelled", "Order cancelled",
                      f"{order.store.name} cancelled order {ref}.", "warning")
        if role != Actor.SELLER:
            who = "The buyer" if role == Actor.BUYER else "The marketplace"
            _to_seller(order, "order_cancelled", "Order cancelled",
                       f"{who} cancelled order {ref}; its items are back in stock.", "warning")
