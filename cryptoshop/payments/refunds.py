"""Refunds and leftovers of direct-mode orders: the seller sends coins back to the buyer's
refund address from their OWN wallet, and the watcher follows that payment like an invoice's.

The marketplace never holds a direct order's coins (they went straight to the seller's
xpub-derived address) and has no key to that wallet, so it can't send a refund itself: it
shows the seller what to pay (address, amount, BIP21 + QR), watches the address, and tells
both sides when the refund confirms. Escrow orders are refunded through their escrow.

What the buyer is owed back (`owed_sat`), from the confirmed coins of the order's invoice:
- the sale stands (paid, shipped, completed): the overpayment, confirmed minus the amount due;
- the order is cancelled, expired or refunded: everything confirmed;
- minus every refund already requested (open ones reserve their amount)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.btc.addresses import address_to_script_pubkey
from cryptoshop.btc.bip21 import PaymentRequest, build_uri
from cryptoshop.btc.psbt import dust_limit
from cryptoshop.core.errors import Conflict, Forbidden, ValidationFailed
from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import state
from cryptoshop.payments.actions import check_refund_address, open_invoice, record
from cryptoshop.payments.models import Invoice, Refund
from cryptoshop.realtime import publish

OPEN = (Refund.Status.WAITING, Refund.Status.SEEN)
STANDING = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED)


class AmountTooLarge(ValidationFailed):
    code = "amount_too_large"


class AmountBelowDust(ValidationFailed):
    code = "amount_below_dust"


@dataclass(frozen=True)
class RefundPlan:
    """What check_start_refund approved."""

    order: Order
    invoice: Invoice
    kind: str
    amount_sat: int
    cancel: bool


def coins_invoice(order: Order) -> Invoice | None:
    """The invoice that holds the buyer's coins (direct or escrow), if any arrived."""
    invoice = open_invoice(order)
    return invoice if invoice is not None and invoice.paid_sat > 0 else None


def is_escrow(order: Order, invoice: Invoice | None) -> bool:
    return hasattr(order, "escrow") or (invoice is not None and invoice.slot_id is None)


def open_refund(order: Order) -> Refund | None:
    return Refund.objects.filter(order=order, status__in=OPEN).first()


def requested_sat(invoice: Invoice) -> int:
    return sum(r.amount_sat for r in invoice.refunds.all())


def confirmed_refunds_sat(invoice: Invoice) -> int:
    return sum(r.amount_sat for r in invoice.refunds.all()
               if r.status == Refund.Status.CONFIRMED)


def owed_sat(order: Order, invoice: Invoice | None, *, cancelling: bool = False) -> int:
    """Sats the seller should still send back (see the module docstring). `cancelling`:
    as if the paid order were cancelled now (everything goes back)."""
    if invoice is None or order.status == Order.Status.PENDING_PAYMENT:
        return 0
    base = invoice.confirmed_sat
    if order.status in STANDING and not cancelling:
        base -= invoice.amount_sat
    return max(0, base - requested_sat(invoice))


def kind_for(order: Order, invoice: Invoice, cancelling: bool) -> str:
    if cancelling or (order.status in (Order.Status.CANCELLED, Order.Status.REFUNDED)
                      and invoice.status == Invoice.Status.SETTLED):
        return Refund.Kind.CANCEL
    if order.status in STANDING:
        return Refund.Kind.OVERPAYMENT
    return Refund.Kind.LEFTOVER


def check_start_refund(order: Order, user: User, *, amount_sat: int | None = None,
                       leftover: bool = False) -> RefundPlan:
    """Everything that refuses a refund, in the order a seller would want to hear it.
    `leftover`: return only what is owed without cancelling a paid order."""
    if order.store.owner_id != user.pk:
        raise Forbidden("Only the seller sends refunds, from their own wallet.",
                        code="not_seller")
    invoice = coins_invoice(order)
    if is_escrow(order, invoice):
        raise Conflict("This order is paid into escrow: refund it from its escrow page, "
                       "where the refund is co-signed.", code="escrow_mode")
    if invoice is None or invoice.confirmed_sat == 0:
        raise Conflict("No confirmed payment has arrived for this order, so there is "
                       "nothing to refund.", code="not_paid")
    if open_refund(order) is not None:
        raise Conflict("A refund for this order is already waiting for your payment.",
                       code="already_refunding")
    if not invoice.refund_address:
        raise Conflict("The buyer hasn't given a refund address. They can add one on their "
                       "order page; until then there is nowhere to send the coins.",
                       code="no_refund_address")
    spk = address_to_script_pubkey(invoice.refund_address, invoice.network).hex()
    if Refund.objects.filter(script_pubkey=spk, status__in=OPEN).exists():
        # Two open refunds to one address couldn't be told apart on chain.
        raise Conflict("Another refund to this address is still open; wait until it "
                       "confirms.", code="address_busy")
    cancelling = order.status == Order.Status.PAID and not leftover
    owed = owed_sat(order, invoice, cancelling=cancelling)
    if owed == 0:
        raise Conflict("Nothing is owed to the buyer: " + (
            "only paid orders that aren't shipped yet can be cancelled and refunded."
            if order.status in STANDING else "it has all been returned."),
            code="nothing_owed")
    amount = owed if amount_sat is None else amount_sat
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed({"amountSat": ["A whole number of sats, more than 0."]},
                               "A whole number of sats, more than 0.")
    if amount > owed:
        raise AmountTooLarge({"amountSat": [f"At most {owed:,} sats: what was received "
                                            "and isn't refunded yet."]},
                             f"At most {owed:,} sats can be refunded.")
    dust_sat = dust_limit(bytes.fromhex(spk))
    if amount < dust_sat:
        # Nodes don't relay an output this small: the seller's wallet couldn't send it.
        why = (f"{amount:,} sats is below the smallest payment the Bitcoin network relays "
               f"to this address ({dust_sat:,} sats).")
        raise AmountBelowDust({"amountSat": [why]}, why)
    return RefundPlan(order, invoice, kind_for(order, invoice, cancelling), amount,
                      cancelling)


def do_start_refund(order: Order, seller: User, *, amount_sat: int | None = None,
                    leftover: bool = False) -> Refund:
    """Open the refund request (cancelling a paid order first when that is the case);
    the seller then pays it from their wallet and the watcher sees it."""
    plan = check_start_refund(order, seller, amount_sat=amount_sat, leftover=leftover)
    invoice = plan.invoice
    with transaction.atomic():
        if plan.cancel:
            order_actions.do_cancel_paid(order, seller, f"Cancelled by the seller; refund of "
                                                        f"{plan.amount_sat:,} sats to send")
        refund = Refund.objects.create(
            order=order, invoice=invoice, kind=plan.kind, network=invoice.network,
            address=invoice.refund_address,
            script_pubkey=address_to_script_pubkey(invoice.refund_address,
                                                   invoice.network).hex(),
            amount_sat=plan.amount_sat,
            required_confirmations=max(1, invoice.required_confirmations))
        record(invoice, "refund_requested", detail=f"{refund.amount_sat} sat to "
                                                   f"{refund.address} ({refund.kind})")
    return refund


# --- the buyer's refund address for one order ----------------------------------------------

def do_set_order_refund_address(order: Order, buyer: User, address: str) -> Invoice:
    """The buyer adds (or corrects) where a direct order's refund should go."""
    if order.buyer_id != buyer.pk:
        raise Forbidden("Only the buyer sets where their refund goes.", code="not_buyer")
    invoice = open_invoice(order)
    if is_escrow(order, invoice):
        raise Conflict("This order is paid into escrow: its refund address was fixed when "
                       "the escrow opened.", code="escrow_mode")
    if invoice is None:
        raise Conflict("Give the refund address when you get the payment address.",
                       code="no_invoice")
    if open_refund(order) is not None:
        raise Conflict("A refund to your current address is already under way.",
                       code="already_refunding")
    normalized = check_refund_address(address)
    if not normalized:
        raise ValidationFailed({"refundAddress": ["Enter a Bitcoin address."]},
                               "Enter a Bitcoin address.")
    Invoice.objects.filter(pk=invoice.pk).update(refund_address=normalized)
    invoice.refund_address = normalized
    return invoice


# --- showing it ----------------------------------------------------------------------------

def refund_uri(refund: Refund, *, qr: bool = False) -> str:
    """bitcoin:ADDRESS?amount=… for what the seller still has to send."""
    request = PaymentRequest(address=refund.address,
                             amount_sat=refund.due_sat or refund.amount_sat,
                             label="Refund", message=f"Refund for order {refund.order.public_id}")
    return build_uri(request, refund.network, qr_uppercase=qr)


def refund_out(refund: Refund) -> dict[str, Any]:
    return {"id": refund.public_id, "kind": refund.kind, "status": refund.status,
            "address": refund.address, "amountSat": refund.amount_sat,
            "receivedSat": refund.received_sat, "confirmedSat": refund.confirmed_sat,
            "dueSat": refund.due_sat, "txids": list(refund.txids),
            "bip21": refund_uri(refund), "createdAt": refund.created_at,
            "updatedAt": refund.updated_at, "confirmedAt": refund.confirmed_at}


def refund_overview(order: Order) -> dict[str, Any]:
    """What both parties see: the refund address, what is owed, every refund."""
    invoice = coins_invoice(order)
    escrow = is_escrow(order, invoice)
    refunds = list(order.refunds.order_by("created_at", "id")) if invoice else []
    return {
        "mode": "escrow" if escrow else "direct",
        "refundAddress": (invoice.refund_address or None) if invoice else None,
        "receivedSat": invoice.confirmed_sat if invoice else 0,
        "refundedSat": confirmed_refunds_sat(invoice) if invoice else 0,
        "owedSat": 0 if escrow else owed_sat(order, invoice),
        "cancelAndRefundSat": 0 if escrow or order.status != Order.Status.PAID
        else owed_sat(order, invoice, cancelling=True),
        "refunds": [refund_out(r) for r in refunds],
    }


# --- applying what the chain says (called by the watcher) --------------------------------------

def apply_refund_state(refund: Refund, tip_height: int) -> bool:
    """Recompute the refund from its payments; store and announce any change."""
    seen = [state.SeenPayment(value_sat=p.value_sat, seen_at=p.seen_at, height=p.block_height,
                              rbf=p.rbf, counts=p.counts) for p in refund.payments.all()]
    new = state.compute_refund(amount_sat=refund.amount_sat,
                               required_confirmations=refund.required_confirmations,
                               tip_height=tip_height, payments=seen)
    txids = sorted({p.txid for p in refund.payments.all() if p.counts})
    if (new.status, new.received_sat, new.confirmed_sat, txids) == (
            refund.status, refund.received_sat, refund.confirmed_sat, refund.txids):
        return False
    old = refund.status
    refund.status, refund.received_sat = new.status, new.received_sat
    refund.confirmed_sat, refund.txids = new.confirmed_sat, txids
    if new.status == Refund.Status.CONFIRMED and refund.confirmed_at is None:
        refund.confirmed_at = timezone.now()
    elif new.status != Refund.Status.CONFIRMED:
        refund.confirmed_at = None
    refund.save(update_fields=["status", "received_sat", "confirmed_sat", "txids",
                               "confirmed_at", "updated_at"])
    record(refund.invoice, f"refund_{new.status}", txid=txids[0] if txids else "",
           detail=f"refund {refund.public_id}: {new.received_sat} of {refund.amount_sat} sat"
                  f" seen, {new.confirmed_sat} confirmed")
    publish(f"order-{refund.order.public_id}", "transaction-event",
            {"type": f"refund_{new.status}", "orderId": refund.order.public_id,
             "refundId": refund.public_id, "status": new.status,
             "receivedSat": new.received_sat, "amountSat": refund.amount_sat})
    if new.status == Refund.Status.CONFIRMED and old != new.status:
        _refund_confirmed(refund)
    elif old == Refund.Status.CONFIRMED and new.status != old:
        _refund_unconfirmed(refund)
    return True


def _refund_confirmed(refund: Refund) -> None:
    order, invoice = refund.order, refund.invoice
    done_sat, received_sat = confirmed_refunds_sat(invoice), invoice.confirmed_sat
    if refund.kind == Refund.Kind.CANCEL and done_sat >= received_sat:
        # The transaction ids are on the refund (its panel, the API), not in this note.
        order_actions.do_mark_refunded(order, f"Refunded {done_sat:,} sats to the buyer")
        sentence = f"Order {order.public_id} is refunded: {done_sat:,} sats"
    elif refund.kind == Refund.Kind.CANCEL:
        order_actions.do_note(order, f"Partially refunded: {done_sat:,} of "
                                     f"{received_sat:,} sats")
        sentence = (f"Order {order.public_id} is partially refunded: {done_sat:,} of "
                    f"{received_sat:,} sats")
    else:
        what = "Overpayment" if refund.kind == Refund.Kind.OVERPAYMENT else "Unfinished payment"
        order_actions.do_note(order, f"{what} returned: {refund.amount_sat:,} sats")
        sentence = f"{what} of order {order.public_id} returned: {refund.amount_sat:,} sats"
    extra = {"orderId": order.public_id, "refundId": refund.public_id}
    if order.buyer is not None:
        do_notify(order.buyer, "order_refunded", "Refund confirmed",
                  f"{sentence} sent to {refund.address}, confirmed on chain.",
                  url=f"/orders/{order.public_id}/", severity="success", extra=extra)
    do_notify(order.store.owner, "refund_seen", "Your refund confirmed",
              f"{sentence}: your payment to the buyer confirmed on chain.",
              url=f"/sell/orders/{order.public_id}/", severity="success", extra=extra)


def _refund_unconfirmed(refund: Refund) -> None:
    """A reorg (or a replacement) took the confirmed refund away: say so, undo the status."""
    note = (f"The refund of {refund.amount_sat:,} sats is no longer confirmed (its "
            "transaction left the chain); waiting for it again")
    if not order_actions.do_unmark_refunded(refund.order, note):
        order_actions.do_note(refund.order, note)
