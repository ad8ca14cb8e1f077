"""Every kind of notice, with the label people read (the filter on the notifications page,
the API's `type`). A new feature that notifies adds its kind here; `label_of` falls back
to the machine name for a kind that isn't listed, so an old row never breaks a page."""

from __future__ import annotations

KINDS: dict[str, str] = {
    # orders (cryptoshop/orders/notices.py)
    "order_placed": "Order placed",
    "order_paid": "Order paid",
    "order_shipped": "Order shipped",
    "order_completed": "Order completed",
    "order_cancelled": "Order cancelled",
    "order_expired": "Order expired",
    "order_refunded": "Order refunded",
    "refund_seen": "Refund seen",
    # payments (cryptoshop/payments/actions.py)
    "payment_detected": "Payment detected",
    "payment_confirmed": "Payment confirmed",
    # escrow (cryptoshop/escrow/events.py and the steps that call it)
    "escrow_funded": "Escrow funded",
    "escrow_signature_needed": "Signature needed",
    "escrow_released": "Escrow released",
    "escrow_refunded": "Escrow refunded",
    "escrow_disputed": "Dispute opened",
    "escrow_decided": "Dispute decided",
    "escrow_updated": "Escrow update",
    # conversations, reviews, support, moderation
    "message_new": "New message",
    "review_received": "Review received",
    "review_answered": "Review answered",
    "ticket_opened": "Ticket opened",
    "ticket_replied": "Ticket replied",
    "report_decided": "Report decided",
    # rows written before kinds existed
    "notice": "Notice",
}


def label_of(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())
