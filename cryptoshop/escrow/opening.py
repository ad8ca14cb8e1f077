"""Opening an order's escrow: the terms (both parties' keys, the refund address, the
marketplace fee) checked before anything is taken, the 2-of-3 address at a fresh index,
and funding once the escrow invoice settles."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings

from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.escrow import Escrow as EscrowScript
from cryptoshop.chain import configured
from cryptoshop.core.errors import ActionError, invalid
from cryptoshop.escrow import keys
from cryptoshop.escrow.events import notify_parties, record
from cryptoshop.escrow.models import Escrow, Role
from cryptoshop.escrow.planning import next_index
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice, Payment, PaymentSettings


def fee_bps() -> int:
    """The configured marketplace fee in basis points (copied onto each new escrow)."""
    try:
        percent = Decimal(str(settings.ESCROW_FEE_PERCENT))
    except InvalidOperation as exc:
        raise ActionError("CRYPTOSHOP_ESCROW_FEE_PERCENT is not a number.") from exc
    if not Decimal("0") <= percent <= Decimal("50"):
        raise ActionError("CRYPTOSHOP_ESCROW_FEE_PERCENT must be between 0 and 50.")
    return int(percent * 100)


@dataclass(frozen=True)
class EscrowTerms:
    """What opening an order's escrow will use, checked before anything is taken."""

    order: Order
    existing: Escrow | None  # a new invoice after an expired one pays the same address
    buyer_key: str = ""
    seller_key: str = ""
    marketplace_key: str = ""
    refund_address: str = ""
    fee_wallet: str = ""
    fee_bps: int = 0


def check_open_escrow(order: Order, buyer: User, refund_address: str) -> EscrowTerms:
    """Can this order be paid into escrow? Both parties need keys, the buyer a refund
    address, and the three keys must make a valid 2-of-3."""
    existing = Escrow.objects.filter(order=order).first()
    if existing is not None:
        return EscrowTerms(order, existing)
    buyer_key = keys.key_of(buyer)
    if buyer_key is None:
        raise ActionError("This store takes payment into escrow, which needs your escrow "
                          "key first: create it on the Escrow key page (/escrow/key/) or "
                          "register your wallet's key with POST /api/escrow/keys.",
                          code="escrow_key_required", field="escrowKey")
    seller_key = keys.key_of(order.store.owner)
    if seller_key is None:
        raise ActionError("This store's seller has no escrow key yet, so it can't be paid "
                          "into escrow. Ask the seller, or cancel the order.",
                          code="store_not_payable")
    if not refund_address:
        raise invalid("refundAddress",
                      "Escrow needs a refund address: if the seller refunds or a dispute "
                      "goes your way, the coins go there.")
    fee_wallet = settings.ESCROW_FEE_WALLET.strip()
    if fee_wallet:
        try:
            parse_wallet_descriptor(fee_wallet, configured.network())
        except BitcoinError as exc:
            raise ActionError(f"The marketplace's fee wallet is misconfigured: {exc}") from exc
    terms = EscrowTerms(order, None, buyer_key.expression, seller_key.expression,
                        keys.marketplace_key().expression, refund_address, fee_wallet,
                        fee_bps())
    _script_for_keys(terms.buyer_key, terms.seller_key, terms.marketplace_key)
    return terms


def do_open_escrow(terms: EscrowTerms) -> tuple[str, str]:
    """The order's escrow address and scriptPubKey hex, opening the escrow the first time
    at a fresh index."""
    if terms.existing is not None:
        return terms.existing.address, terms.existing.script_pubkey
    order = terms.order
    ps = PaymentSettings.objects.get(store=order.store)
    index = next_index(f"escrow:{configured.network()}")
    script = _script_for_keys(terms.buyer_key, terms.seller_key, terms.marketplace_key)
    escrow = Escrow.objects.create(
        order=order, network=configured.network(), index=index,
        buyer_key=terms.buyer_key, seller_key=terms.seller_key,
        marketplace_key=terms.marketplace_key, descriptor=script.descriptor_at(index),
        address=script.address(index), script_pubkey=script.script_pubkey(index).hex(),
        refund_address=terms.refund_address, fee_bps=terms.fee_bps,
        fee_min_sat=settings.ESCROW_FEE_MIN_SAT, fee_wallet=terms.fee_wallet,
        auto_release_days=ps.auto_release_days)
    record(escrow, "opened", Role.BUYER,
           f"2-of-3 address {escrow.address} (index {index})")
    return escrow.address, escrow.script_pubkey


def _script_for_keys(buyer: str, seller: str, market: str) -> EscrowScript:
    try:
        return btc_escrow.make_escrow(buyer, seller, market, configured.network())
    except BitcoinError as exc:
        raise ActionError(f"Escrow keys don't fit together: {exc}",
                          code="escrow_keys_invalid") from exc


def on_invoices_settled(invoices: list[Invoice]) -> None:
    """INVOICES_SETTLED: each escrow invoice that settled funds its escrow with its
    confirmed coins. The escrows among a block's settled invoices and their coins are read
    in two queries (direct-mode invoices cost nothing more); each escrow funded is then
    recorded and its buyer told, one escrow at a time."""
    escrows = list(Escrow.objects.filter(
        order_id__in={i.order_id for i in invoices}, status=Escrow.Status.AWAITING_PAYMENT)
        .select_related("order__store__owner", "order__buyer"))
    if not escrows:
        return
    # What planning.utxo_payments counts: confirmed payments to the escrow's own script.
    scripts = {e.order_id: e.script_pubkey for e in escrows}
    funded: dict[int, int] = dict.fromkeys(scripts, 0)
    for order_id, script, value_sat in Payment.objects.filter(
            invoice__order_id__in=list(scripts), state=Payment.State.CONFIRMED).values_list(
                "invoice__order_id", "invoice__script_pubkey", "value_sat"):
        if scripts[order_id] == script:
            funded[order_id] += value_sat
    for escrow in escrows:
        _fund(escrow, funded[escrow.order_id])


def _fund(escrow: Escrow, funded_sat: int) -> None:
    Escrow.objects.filter(pk=escrow.pk).update(status=Escrow.Status.FUNDED,
                                               funded_sat=funded_sat)
    escrow.status, escrow.funded_sat = Escrow.Status.FUNDED, funded_sat
    record(escrow, "funded", Role.SYSTEM, f"{funded_sat} sat confirmed in escrow")
    # The seller hears "order paid" from the payments app; the buyer hears this.
    notify_parties(escrow, f"{funded_sat:,} sats for order {escrow.order.public_id} are held "
                           "in 2-of-3 escrow. Release them when the goods arrive.",
                   kind="escrow_funded", title="Escrow funded", severity="success",
                   roles=(Role.BUYER,))
