"""Payment actions: payout wallets, invoices, applying what the watcher saw, and the
effects on orders. Shared by pages, the API and the watcher."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.btc.addresses import normalize_address
from cryptoshop.btc.bip21 import PaymentRequest, build_uri
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.chain import configured
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments.addresses import take_slot
from cryptoshop.payments.applying import apply_state as apply_state  # re-exported
from cryptoshop.payments.applying import record as record  # re-exported
from cryptoshop.payments.models import Invoice, PaymentSettings, WatcherState
from cryptoshop.payments.registry import ESCROW_MODE
from cryptoshop.rates.actions import fiat_to_sats
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)
CONFIRMATION_CHOICES = (0, 1, 2, 6)


# --- payout settings ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PayoutInput:
    descriptor: str
    required_confirmations: int = 1
    invoice_minutes: int = 15
    watch_hours: int = 24
    tolerance_percent: Decimal = Decimal("0")
    mode: str = PaymentSettings.Mode.ESCROW
    auto_release_days: int = 14


def check_payout(data: PayoutInput) -> tuple[str, str, list[str]]:
    """Validate the wallet for this shop's network; returns (receive, change, first 3)."""
    errors: dict[str, list[str]] = {}
    receive = change = ""
    first: list[str] = []
    try:
        wallet = parse_wallet_descriptor(data.descriptor.strip(), configured.network())
        receive, change = wallet.receive, wallet.change
        first = wallet.addresses(0, 3)
    except BitcoinError as exc:
        errors["descriptor"] = [str(exc)]
    if data.required_confirmations not in CONFIRMATION_CHOICES:
        errors["requiredConfirmations"] = ["0, 1, 2 or 6."]
    if not 5 <= data.invoice_minutes <= 240:
        errors["invoiceMinutes"] = ["From 5 to 240 minutes."]
    if not 1 <= data.watch_hours <= 168:
        errors["watchHours"] = ["From 1 to 168 hours."]
    if not Decimal("0") <= data.tolerance_percent <= Decimal("10"):
        errors["tolerancePercent"] = ["From 0 to 10 percent."]
    if data.mode not in PaymentSettings.Mode.values:
        errors["mode"] = ["direct or escrow."]
    elif data.mode == PaymentSettings.Mode.ESCROW and data.required_confirmations == 0:
        errors["requiredConfirmations"] = ["Escrow needs at least 1 confirmation: the payout "
                                           "spends the buyer's coins."]
    low, high = settings.ESCROW_AUTO_RELEASE_MIN_DAYS, settings.ESCROW_AUTO_RELEASE_MAX_DAYS
    if not low <= data.auto_release_days <= high:
        errors["autoReleaseDays"] = [f"From {low} to {high} days."]
    if errors:
        raise ValidationFailed(errors)
    return receive, change, first


_EXT_KEY = re.compile(r"[xt]pub[1-9A-HJ-NP-Za-km-z]{100,}")


def wallet_key(descriptor: str) -> str:
    """The extended public key of a normalised descriptor (as xpub/tpub): what makes two
    wallets one, whatever origin, script or derivation form they were typed in."""
    found = _EXT_KEY.search(descriptor)
    return found.group() if found else descriptor


def do_set_payout(store: Store, data: PayoutInput) -> PaymentSettings:
    receive, change, _ = check_payout(data)
    if data.mode == PaymentSettings.Mode.ESCROW and not ESCROW_MODE.get().has_key(store.owner):
        raise ValidationFailed({"mode": ["Escrow needs your escrow key first: create it "
                                         "on the Escrow key page, or choose direct."]})
    if PaymentSettings.objects.filter(descriptor__contains=wallet_key(receive)).exclude(
            store=store).exists():
        # Two stores on one wallet would be handed the same addresses and could not tell
        # their payments apart. Compared by the extended key itself (stored normalised as
        # xpub/tpub), not the descriptor text: the same key typed with or without its
        # origin, as zpub or xpub, or in another descriptor form is still one wallet.
        raise ValidationFailed({"descriptor": ["This wallet is already used by another "
                                               "store. Use a separate account (xpub)."]})
    ps = PaymentSettings.objects.filter(store=store).first()
    if ps is not None and ps.descriptor != receive and ps.slots.exists():
        # A new wallet starts at index 0 again; open invoices keep their addresses.
        ps.slots.filter(state="free").delete()
        ps.next_index = 0
    if ps is None:
        ps = PaymentSettings(store=store)
    ps.network = configured.network()
    ps.descriptor, ps.change_descriptor = receive, change
    ps.required_confirmations = data.required_confirmations
    ps.invoice_minutes, ps.watch_hours = data.invoice_minutes, data.watch_hours
    ps.tolerance_percent = data.tolerance_percent
    ps.mode, ps.auto_release_days = data.mode, data.auto_release_days
    ps.save()
    return ps


def first_addresses(ps: PaymentSettings, count: int = 3) -> list[str]:
    return parse_wallet_descriptor(ps.descriptor, ps.network).addresses(0, count)


# --- invoices ----------------------------------------------------------------------------------

def open_invoice(order: Order) -> Invoice | None:
    """The invoice the buyer should pay now (newest one still watched), if any."""
    return (Invoice.objects.filter(order=order).exclude(status=Invoice.Status.INVALID)
            .order_by("-created_at").first())


def _amount_sat_of(order: Order) -> tuple[int, Any]:
    if order.total_sat is not None:
        return order.total_sat, None
    fiat_sat, snapshot = fiat_to_sats(order.fiat_total, order.fiat_currency)
    return order.items_sat + order.shipping_sat + fiat_sat, snapshot


def check_refund_address(address: str) -> str:
    address = address.strip()
    if not address:
        return ""
    try:
        return normalize_address(address, configured.network())
    except BitcoinError as exc:
        raise ValidationFailed({"refundAddress": [
            f"Not a valid {configured.network()} address: {exc}"]}) from exc


def _payable_settings(order: Order) -> PaymentSettings:
    """The store's wallet, if this shop can take a payment to it now."""
    try:
        configured.backend()
    except configured.ChainNotConfigured as exc:
        # Without a chain backend nobody would ever see the payment: don't hand out an
        # address. (A configured node that is briefly down is fine: the watcher catches up.)
        raise ActionError("Payments are switched off: this shop isn't connected to the "
                          "Bitcoin network right now.", code="payments_unavailable") from exc
    ps = PaymentSettings.objects.filter(store=order.store).first()
    if ps is None:
        raise ActionError("This store hasn't set up its wallet yet, so it can't be paid. "
                          "Ask the seller, or cancel the order.", code="store_not_payable")
    if ps.network != configured.network():
        raise ActionError("This store's wallet is for another network.", code="wrong_network")
    return ps


@dataclass(frozen=True)
class InvoiceTerms:
    """What check_create_invoice approved: the wallet, the refund address and, for an
    escrow store, the escrow app's terms."""

    ps: PaymentSettings
    refund_address: str
    escrow_terms: object | None


def check_create_invoice(order: Order, buyer: User, refund_address: str,
                         client_ip: str) -> InvoiceTerms:
    """Everything that can refuse an invoice, checked before any address is taken (and
    counted against the buyer's invoice rate limits)."""
    if order.buyer_id != buyer.pk:
        raise NotFound("No such order.")
    if order.status != Order.Status.PENDING_PAYMENT:
        raise Conflict("This order isn't waiting for a payment.")
    current = open_invoice(order)
    if current is not None and not current.expired_unpaid:
        raise Conflict("This order already has a payment address.")
    ps = _payable_settings(order)
    refund = check_refund_address(refund_address)
    escrow_terms = None
    if ps.mode == PaymentSettings.Mode.ESCROW:
        # The buyer's escrow key and refund address are checked before anything is taken.
        escrow_terms = ESCROW_MODE.get().check_open(order, buyer, refund)
    for scope, ident in (("invoice:account", str(buyer.pk)), ("invoice:ip", client_ip)):
        ratelimit.hit(scope, ident)
    open_count = Invoice.objects.filter(order__buyer=buyer, status=Invoice.Status.NEW).count()
    if open_count >= settings.MAX_OPEN_INVOICES:
        raise ActionError("You have too many unpaid payment addresses open. Pay or cancel "
                          "some orders first.", code="too_many_invoices")
    return InvoiceTerms(ps, refund, escrow_terms)


def _watch_from_height() -> int | None:
    """Where the watcher should start looking for a new invoice's payments: the tip it last
    processed (no node round trip per invoice), or the node's tip before it first ran."""
    watched = WatcherState.objects.filter(name="chain").values_list("cursor_height",
                                                                    flat=True).first()
    if watched is not None:
        return int(watched)
    try:
        return configured.backend().get_tip().height
    except Exception:  # the watcher catches up from its lookback anyway
        logger.warning("invoice created without a known tip height")
        return None


def do_create_invoice(order: Order, buyer: User, *, refund_address: str = "",
                      client_ip: str) -> Invoice:
    """Commit to paying: take a fresh address, fix the amount in sats (from a rate
    snapshot for fiat-priced items) and start the expiry clock."""
    terms = check_create_invoice(order, buyer, refund_address, client_ip)
    ps, escrow_terms = terms.ps, terms.escrow_terms
    amount_sat, snapshot = _amount_sat_of(order)
    now = timezone.now()
    tip_height = _watch_from_height()
    with transaction.atomic():
        slot = None
        if escrow_terms is not None:
            address, spk = ESCROW_MODE.get().do_open(escrow_terms)
        else:
            slot = take_slot(ps)
            address, spk = slot.address, slot.script_pubkey
        invoice = Invoice.objects.create(
            order=order, slot=slot, network=ps.network, address=address,
            script_pubkey=spk, amount_sat=amount_sat, rate_snapshot=snapshot,
            required_confirmations=max(ps.required_confirmations,
                                       1 if escrow_terms is not None else 0),
            tolerance_percent=ps.tolerance_percent, refund_address=terms.refund_address,
            created_height=tip_height, expires_at=now + timedelta(minutes=ps.invoice_minutes),
            watch_until=now + timedelta(hours=ps.watch_hours),
        )
        # One deadline: the stock is held exactly as long as this address may be paid (the
        # order and pay pages show the same time); a fiat order gets its total in sats.
        fixed = {"total_sat": amount_sat} if order.total_sat is None else {}
        Order.objects.filter(pk=order.pk).update(reserved_until=invoice.expires_at, **fixed)
        record(invoice, "address_generated", detail=f"{amount_sat} sat to {invoice.address}")
    return invoice


def bip21_uri(invoice: Invoice, *, qr: bool = False) -> str:
    """bitcoin:ADDRESS?amount=… for what is still due (the full amount until a partial
    payment arrives). `qr` upper-cases it for the denser QR alphanumeric mode."""
    request = PaymentRequest(address=invoice.address, amount_sat=invoice.due_sat or None,
                             label=settings.SITE_NAME,
                             message=f"Order {invoice.order.public_id}")
    return build_uri(request, invoice.network, qr_uppercase=qr)


def settle_flags(invoice: Invoice) -> list[str]:
    flags = []
    if invoice.paid_partial:
        flags.append("paid partially")
    if invoice.paid_over:
        flags.append("overpaid")
    if invoice.paid_late:
        flags.append("paid after expiry")
    return flags


def invoice_for_party(user: User, order_public_id: str) -> tuple[Order, Invoice | None, str]:
    order, role = order_actions.order_for_party(user, order_public_id)
    return order, open_invoice(order), role
