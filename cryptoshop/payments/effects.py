"""What an invoice's status change does outside the invoice: the invoice.* webhooks, the
escrow funded, the order marked paid, and the notices to its buyer and seller. Takes all
the changes of one application of the chain at once (a block settling 200 invoices), so
every app does its part in a few queries per block instead of a few per invoice; a
single invoice (apply_state) is a list of one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptoshop.notifications.actions import Notice, do_notify_many
from cryptoshop.orders.models import Order
from cryptoshop.orders.paying import do_mark_paid_many
from cryptoshop.payments.models import Invoice
from cryptoshop.payments.registry import INVOICE_STATUS_CHANGES, INVOICES_SETTLED


@dataclass(frozen=True)
class StatusChange:
    invoice: Invoice  # in its new state
    old_status: str


def status_effects(changes: Sequence[StatusChange]) -> None:
    """The effects of `changes` (status changes only), inside the caller's transaction.
    Per invoice they happen in the order they always did: its webhook, its escrow, its
    order marked paid, then the notices."""
    if not changes:
        return
    INVOICE_STATUS_CHANGES.call_each([(c.invoice, c.old_status, c.invoice.status)
                                      for c in changes])
    notices: list[Notice] = []
    settled = [c.invoice for c in changes if c.invoice.status == Invoice.Status.SETTLED]
    if settled:
        for hook in INVOICES_SETTLED:  # a failure rolls the block back, to be retried
            hook(settled)
        paid = do_mark_paid_many([(i.order, _paid_note(i)) for i in settled])
        _refresh_status([i.order for i in settled if i.order.pk not in paid])
    for change in changes:
        invoice = change.invoice
        if invoice.status == Invoice.Status.PROCESSING:
            notices += _detected(invoice)
        elif invoice.status == Invoice.Status.SETTLED:
            notices += _settled(invoice, invoice.order.pk in paid)
    # An invoice that expires unpaid changes nothing here: the order's own reservation
    # clock releases the stock.
    do_notify_many(notices)


def _paid_note(invoice: Invoice) -> str:
    return "Payment settled" + (" (paid after the invoice expired)" if invoice.paid_late
                                else "")


def _refresh_status(orders: list[Order]) -> None:
    """The status of orders the payment couldn't mark paid (cancelled meanwhile…), for
    the buyer's notice: one query for all of them."""
    if not orders:
        return
    statuses = dict(Order.objects.filter(pk__in=[o.pk for o in orders])
                    .values_list("pk", "status"))
    for order in orders:
        order.status = statuses.get(order.pk, order.status)


def _detected(invoice: Invoice) -> list[Notice]:
    order, confirmations = invoice.order, invoice.required_confirmations
    return _to_buyer(order, "payment_detected", "Payment seen",
                     f"Your payment for order {order.public_id} is on the network; it counts "
                     f"once it has {confirmations} confirmation"
                     f"{'s' if confirmations != 1 else ''}.", "info")


def _settled(invoice: Invoice, marked_paid: bool) -> list[Notice]:
    order = invoice.order
    if not marked_paid:
        return _to_buyer(order, "payment_confirmed", "Payment confirmed",
                         f"Your payment for order {order.public_id} confirmed, but the order "
                         f"is {order.get_status_display().lower()}: ask the seller to "
                         "refund it.", "warning")
    escrow = invoice.slot_id is None
    seller = Notice(
        order.store.owner, "order_paid", "Order paid", url=f"/sell/orders/{order.public_id}/",
        severity="success",
        message=f"Order {order.public_id} is paid ({invoice.amount_sat:,} sats"
                + (", held in escrow until the buyer releases" if escrow else "") + ")"
                + (" — paid late, check stock" if invoice.paid_late else "") + ".",
        extra={"orderId": order.public_id})
    if escrow:  # an escrow buyer hears "escrow funded" from the escrow app
        return [seller]
    return [seller, *_to_buyer(order, "payment_confirmed", "Payment confirmed",
                               f"Order {order.public_id} is paid; the seller ships next.",
                               "success")]


def _to_buyer(order: Order, kind: str, title: str, message: str,
              severity: str) -> list[Notice]:
    if order.buyer is None:
        return []
    return [Notice(order.buyer, kind, title, message, url=f"/orders/{order.public_id}/pay/",
                   severity=severity, extra={"orderId": order.public_id})]
