"""Applying what the chain says to invoices: their state recomputed from their payments,
the events stored and pushed to the live pages, and the effects on orders. One invoice at a
time (apply_state: the demo seed, tests) or a whole poll's worth in a few queries
(apply_states, record_many: the watcher)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import state
from cryptoshop.payments.models import Invoice, InvoiceEvent
from cryptoshop.payments.registry import INVOICE_SETTLED, INVOICE_STATUS_CHANGED
from cryptoshop.realtime import publish

_STATE_FIELDS = ["status", "paid_sat", "confirmed_sat", "paid_partial", "paid_over",
                 "paid_late", "settled_at"]
_KINDS: dict[str, str] = {
    Invoice.Status.PROCESSING: "payment_detected",
    Invoice.Status.SETTLED: "payment_confirmed",
    Invoice.Status.EXPIRED: "payment_expired",
    Invoice.Status.INVALID: "payment_invalid",
    Invoice.Status.NEW: "payment_detected",
}


@dataclass(frozen=True)
class Event:
    """One InvoiceEvent to store and announce (see record)."""

    invoice: Invoice
    kind: str
    from_status: str = ""
    to_status: str = ""
    txid: str = ""
    detail: str = ""


def record(invoice: Invoice, kind: str, *, from_status: str = "", to_status: str = "",
           txid: str = "", detail: str = "") -> InvoiceEvent:
    """Store the event and, once the transaction commits, push it to the live pages."""
    [event] = record_many([Event(invoice, kind, from_status, to_status, txid, detail)])
    return event


def record_many(events: Iterable[Event]) -> list[InvoiceEvent]:
    """record() for many events in one INSERT (the watcher's per-block batch)."""
    events = list(events)
    if not events:
        return []
    rows = [InvoiceEvent(invoice=e.invoice, kind=e.kind, from_status=e.from_status,
                         to_status=e.to_status, txid=e.txid, detail=e.detail[:300])
            for e in events]
    if len(rows) == 1:
        rows[0].save()  # one row: keep its id (bulk_create returns none on some databases)
    else:
        InvoiceEvent.objects.bulk_create(rows, batch_size=500)
    for e in events:
        invoice = e.invoice
        payload = {"type": e.kind, "orderId": invoice.order.public_id,
                   "invoiceId": invoice.public_id, "address": invoice.address,
                   "status": e.to_status or invoice.status, "txid": e.txid or None,
                   "paidSat": invoice.paid_sat, "amountSat": invoice.amount_sat}
        # publish() holds the event until the surrounding transaction commits (and drops it
        # on rollback), so the pages that refetch see the new state.
        for room in (f"order-{invoice.order.public_id}", f"address-{invoice.address}"):
            publish(room, "transaction-event", payload)
    return rows


@dataclass(frozen=True)
class _Change:
    invoice: Invoice
    old_status: str
    old_paid_sat: int
    old_confirmed_sat: int


def _recomputed(invoice: Invoice, tip_height: int, now: datetime) -> _Change | None:
    """Set the invoice's new state in memory (not saved); None when nothing changed."""
    seen = [state.SeenPayment(value_sat=p.value_sat, seen_at=p.seen_at,
                              height=p.block_height, rbf=p.rbf, counts=p.counts)
            for p in invoice.payments.all()]
    new = state.compute(amount_sat=invoice.amount_sat, tolerance_percent=invoice.tolerance_percent,
                        required_confirmations=invoice.required_confirmations,
                        expires_at=invoice.expires_at, now=now, tip_height=tip_height,
                        payments=seen, previous_status=invoice.status)
    if (new.status, new.paid_sat, new.confirmed_sat, new.paid_partial, new.paid_over,
            new.paid_late) == (invoice.status, invoice.paid_sat, invoice.confirmed_sat,
                               invoice.paid_partial, invoice.paid_over, invoice.paid_late):
        return None
    change = _Change(invoice, invoice.status, invoice.paid_sat, invoice.confirmed_sat)
    invoice.status, invoice.paid_sat, invoice.confirmed_sat = (new.status, new.paid_sat,
                                                               new.confirmed_sat)
    invoice.paid_partial, invoice.paid_over = new.paid_partial, new.paid_over
    invoice.paid_late = invoice.paid_late or new.paid_late
    if new.status == Invoice.Status.SETTLED and invoice.settled_at is None:
        invoice.settled_at = now
    return change


def _event_of(change: _Change) -> Event:
    invoice = change.invoice
    if invoice.status != change.old_status:
        return Event(invoice, _KINDS.get(invoice.status, "status_changed"),
                     from_status=change.old_status, to_status=invoice.status,
                     detail=f"paid {invoice.paid_sat} of {invoice.amount_sat} sat")
    if invoice.paid_sat != change.old_paid_sat:
        return Event(invoice, "payment_detected", to_status=invoice.status,
                     detail=f"paid {invoice.paid_sat} of {invoice.amount_sat} sat")
    return Event(invoice, "confirmation_update", to_status=invoice.status,
                 detail=f"confirmed {invoice.confirmed_sat} sat")


def _status_effects(change: _Change) -> None:
    invoice = change.invoice
    if invoice.status != change.old_status:
        INVOICE_STATUS_CHANGED.call_each(invoice, change.old_status, invoice.status)
        _order_effects(invoice, change.old_status, invoice.status)


def apply_state(invoice: Invoice, tip_height: int, *, now: Any = None) -> bool:
    """Recompute the invoice from its payments; store and announce any change."""
    change = _recomputed(invoice, tip_height, now or timezone.now())
    if change is None:
        return False
    invoice.save(update_fields=_STATE_FIELDS)
    record_many([_event_of(change)])
    _status_effects(change)
    return True


def apply_states(invoices: Iterable[Invoice], tip_height: int, *, now: datetime,
                 tick_processing: bool) -> list[Invoice]:
    """apply_state for many invoices (their payments and orders prefetched) in one UPDATE
    and one INSERT of events; the order effects of a status change (notices, the order
    marked paid, hooks) still run per invoice that changed status. With
    `tick_processing` (a new block arrived) every unchanged invoice still confirming gets
    its "confirmation_update" event, as the pay page counts confirmations from it.
    Returns the invoices that changed. Run inside the caller's transaction."""
    changes: list[_Change] = []
    events: list[Event] = []
    for invoice in invoices:
        change = _recomputed(invoice, tip_height, now)
        if change is not None:
            changes.append(change)
            events.append(_event_of(change))
        elif tick_processing and invoice.status == Invoice.Status.PROCESSING:
            events.append(Event(invoice, "confirmation_update", to_status=invoice.status,
                                detail=f"tip {tip_height}"))
    _save_states([c.invoice for c in changes])
    record_many(events)
    for change in changes:
        _status_effects(change)
    return [c.invoice for c in changes]


def _save_states(invoices: list[Invoice]) -> None:
    """One executemany UPDATE by id: Django's bulk_update builds a CASE per field and
    row, which costs more than the rows themselves at a few hundred."""
    if not invoices:
        return
    ops = connection.ops
    table = connection.ops.quote_name(Invoice._meta.db_table)
    sets = ", ".join(f"{ops.quote_name(f)} = %s" for f in _STATE_FIELDS)
    rows = [(i.status, i.paid_sat, i.confirmed_sat, i.paid_partial, i.paid_over, i.paid_late,
             ops.adapt_datetimefield_value(i.settled_at), i.pk) for i in invoices]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)  # noqa: S608


def _order_effects(invoice: Invoice, old: str, new: str) -> None:
    order = invoice.order
    if new == Invoice.Status.PROCESSING:
        _tell_buyer(order, "payment_detected", "Payment seen",
                    f"Your payment for order {order.public_id} is on the network; it counts "
                    f"once it has {invoice.required_confirmations} confirmation"
                    f"{'s' if invoice.required_confirmations != 1 else ''}.", "info")
    if new == Invoice.Status.SETTLED:
        for hook in INVOICE_SETTLED:
            hook(invoice)
        note = "Payment settled" + (" (paid after the invoice expired)" if invoice.paid_late
                                    else "")
        escrow = invoice.slot_id is None
        if order_actions.do_mark_paid(order, note=note):
            do_notify(
                order.store.owner, "order_paid", "Order paid",
                url=f"/sell/orders/{order.public_id}/", severity="success",
                message=f"Order {order.public_id} is paid ({invoice.amount_sat:,} sats"
                     + (", held in escrow until the buyer releases" if escrow else "") + ")"
                     + (" — paid late, check stock" if invoice.paid_late else "") + ".",
                extra={"orderId": order.public_id})
            if not escrow:  # an escrow buyer hears "escrow funded" from the escrow app
                _tell_buyer(order, "payment_confirmed", "Payment confirmed",
                            f"Order {order.public_id} is paid; the seller ships next.",
                            "success")
        else:
            order.refresh_from_db(fields=["status"])
            _tell_buyer(order, "payment_confirmed", "Payment confirmed",
                        f"Your payment for order {order.public_id} confirmed, but the order "
                        f"is {order.get_status_display().lower()}: ask the seller to "
                        "refund it.", "warning")
    # An invoice that expires unpaid changes nothing here: the order's own reservation
    # clock releases the stock.


def _tell_buyer(order: Order, kind: str, title: str, message: str, severity: str) -> None:
    if order.buyer is not None:
        do_notify(order.buyer, kind, title, message, severity=severity,
                  url=f"/orders/{order.public_id}/pay/", extra={"orderId": order.public_id})
