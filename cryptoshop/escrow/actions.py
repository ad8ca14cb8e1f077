"""Escrow actions, shared by the pages, the API and the jobs.

The order's coins sit in ``wsh(sortedmulti(2, buyer, seller, marketplace))``. Every way
out is a *spend*: a plan (exact inputs, outputs and fee) and its PSBT. The party the
policy names signs first (in the browser, with a typed phrase, or in their own wallet);
the marketplace verifies the PSBT against the plan and that party's signature, and only
then adds the second signature and broadcasts. Policy:

- release       buyer signs            → seller's payout address (+ marketplace fee)
- refund        seller signs           → buyer's refund address
- split         favoured side signs    → both, by the arbiter's percentages (+ fee)
- auto_release  seller signs, N days after shipping with no dispute → as release
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.addresses import address_to_script_pubkey, script_pubkey_to_address
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import BitcoinError, SigningRefused
from cryptoshop.btc.psbt import (
    PSBT,
    Outpoint,
    TxOutput,
    combine_psbts,
    dust_limit,
    fee_for_vsize,
    finalize_psbt,
    parse_psbt,
    serialize_psbt,
)
from cryptoshop.chain import configured
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, invalid
from cryptoshop.core.images import ImageRejected, delete_image, store_image
from cryptoshop.escrow import keys
from cryptoshop.escrow.models import (
    Dispute,
    DisputeMessage,
    Escrow,
    EscrowCounter,
    EscrowEvent,
    Spend,
)
from cryptoshop.notifications.models import Notification
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.payments.addresses import take_slot
from cryptoshop.payments.models import AddressSlot, Invoice, Payment, PaymentSettings
from cryptoshop.realtime import publish

logger = logging.getLogger(__name__)
E = Escrow.Status
K = Spend.Kind
MAX_MESSAGE = 4000


# --- opening ---------------------------------------------------------------------------------

def fee_bps() -> int:
    try:
        percent = Decimal(str(settings.ESCROW_FEE_PERCENT))
    except InvalidOperation as exc:
        raise ActionError("CRYPTOSHOP_ESCROW_FEE_PERCENT is not a number.") from exc
    if not Decimal("0") <= percent <= Decimal("50"):
        raise ActionError("CRYPTOSHOP_ESCROW_FEE_PERCENT must be between 0 and 50.")
    return int(percent * 100)


def _next_index(name: str) -> int:
    with transaction.atomic():
        counter, _ = EscrowCounter.objects.select_for_update().get_or_create(name=name)
        index = counter.next_index
        counter.next_index = index + 1
        counter.save(update_fields=["next_index"])
    return index


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
                          "key first: create it on the Escrow key page (/escrow/key/).",
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
    _escrow_obj(terms.buyer_key, terms.seller_key, terms.marketplace_key)
    return terms


def do_open_escrow(terms: EscrowTerms) -> tuple[str, str]:
    """The order's escrow address and scriptPubKey hex, opening the escrow the first time
    at a fresh index."""
    if terms.existing is not None:
        return terms.existing.address, terms.existing.script_pubkey
    order = terms.order
    ps = PaymentSettings.objects.get(store=order.store)
    index = _next_index(f"escrow:{configured.network()}")
    esc = _escrow_obj(terms.buyer_key, terms.seller_key, terms.marketplace_key)
    escrow = Escrow.objects.create(
        order=order, network=configured.network(), index=index,
        buyer_key=terms.buyer_key, seller_key=terms.seller_key,
        marketplace_key=terms.marketplace_key, descriptor=esc.descriptor_at(index),
        address=esc.address(index), script_pubkey=esc.script_pubkey(index).hex(),
        refund_address=terms.refund_address, fee_bps=terms.fee_bps,
        fee_min_sat=settings.ESCROW_FEE_MIN_SAT, fee_wallet=terms.fee_wallet,
        auto_release_days=ps.auto_release_days)
    record(escrow, "opened", "buyer", f"2-of-3 address {escrow.address} (index {index})")
    return escrow.address, escrow.script_pubkey


def _escrow_obj(buyer: str, seller: str, market: str) -> btc_escrow.Escrow:
    try:
        return btc_escrow.make_escrow(buyer, seller, market, configured.network())
    except BitcoinError as exc:
        raise ActionError(f"Escrow keys don't fit together: {exc}",
                          code="escrow_keys_invalid") from exc


def escrow_of(escrow: Escrow) -> btc_escrow.Escrow:
    return btc_escrow.make_escrow(escrow.buyer_key, escrow.seller_key, escrow.marketplace_key,
                                  escrow.network)


def on_invoice_settled(invoice: Invoice) -> None:
    escrow = Escrow.objects.filter(order_id=invoice.order_id,
                                   status=E.AWAITING_PAYMENT).first()
    if escrow is None:
        return
    funded = sum(p.value_sat for p in _utxo_payments(escrow))
    Escrow.objects.filter(pk=escrow.pk).update(status=E.FUNDED, funded_sat=funded)
    escrow.status, escrow.funded_sat = E.FUNDED, funded
    record(escrow, "funded", "system", f"{funded} sat confirmed in escrow")


# --- who may see and do what ----------------------------------------------------------------

def role_in(escrow: Escrow, user: User) -> str | None:
    if escrow.order.buyer_id == user.pk:
        return "buyer"
    if escrow.order.store.owner_id == user.pk:
        return "seller"
    if (user.is_staff and user.is_active and user.totp_enabled
            and hasattr(escrow, "dispute")):
        # Staff act as the arbiter only with two-factor on, as everywhere staff act.
        return "arbiter"
    return None


def escrow_for(user: User, public_id: str) -> tuple[Escrow, str]:
    """The escrow and the caller's role; 404 for anyone who is not a party (staff see
    escrows in dispute, as the arbiter)."""
    escrow = (Escrow.objects.select_related("order", "order__store").filter(
        public_id=public_id).first())
    role = role_in(escrow, user) if escrow is not None else None
    if escrow is None or role is None:
        raise NotFound("No such escrow.")
    return escrow, role


def escrows_of(user: User) -> Any:
    return (Escrow.objects.select_related("order", "order__store")
            .filter(Q(order__buyer=user) | Q(order__store__owner=user)))


# --- planning spends ----------------------------------------------------------------------------

def _utxo_payments(escrow: Escrow) -> list[Payment]:
    return list(Payment.objects.filter(
        invoice__order_id=escrow.order_id, invoice__script_pubkey=escrow.script_pubkey,
        state=Payment.State.CONFIRMED).order_by("txid", "vout"))


def fee_rate() -> int:
    """sat/vB: the backend's estimate for ~6 blocks, within the operator's bounds."""
    low, high = settings.ESCROW_FEE_RATE_MIN, settings.ESCROW_FEE_RATE_MAX
    rate = settings.ESCROW_FEE_RATE_DEFAULT
    try:
        estimate = configured.backend().estimate_fee(6)
    except Exception:  # no backend or no estimate: the default, still within bounds
        estimate = None
    if estimate is not None:
        rate = -(-estimate.sat_per_kvb // 1000)
    return max(low, min(high, rate))


def marketplace_fee(escrow: Escrow, base_sat: int) -> int:
    """Percent of ``base_sat`` (rounded up) with the minimum; 0 without a fee wallet."""
    if not escrow.fee_wallet or base_sat <= 0:
        return 0
    fee = -(-base_sat * escrow.fee_bps // 10_000)
    return max(fee, escrow.fee_min_sat)


def _address_once(escrow: Escrow, field: str, take: Callable[[], str]) -> bytes:
    """The escrow's payout or fee address: ``take()`` runs only the first time (a
    conditional UPDATE, so two planners at once keep one address) and is then reused."""
    if not getattr(escrow, field):
        Escrow.objects.filter(pk=escrow.pk, **{field: ""}).update(**{field: take()})
        escrow.refresh_from_db(fields=[field])
    return address_to_script_pubkey(getattr(escrow, field), escrow.network)


def _fee_script(escrow: Escrow) -> bytes:
    """The operator's next fee address, taken once per escrow when a payout with a fee is
    first planned (not per order: unpaid orders would leave gaps past the wallet's gap
    limit, and the operator's wallet would stop seeing its fees)."""

    def take() -> str:
        wallet = parse_wallet_descriptor(escrow.fee_wallet, escrow.network)
        digest = hashlib.sha256(escrow.fee_wallet.encode()).hexdigest()[:32]
        return wallet.address(_next_index(f"fee:{escrow.network}:{digest}"))

    return _address_once(escrow, "fee_address", take)


def _payout_script(escrow: Escrow) -> bytes:
    """The seller's payout address: a fresh receive address of the store's wallet, taken
    once per escrow and marked used so no invoice is ever handed it."""

    def take() -> str:
        slot = take_slot(PaymentSettings.objects.get(store=escrow.order.store))
        AddressSlot.objects.filter(pk=slot.pk).update(state=AddressSlot.State.USED)
        return slot.address

    return _address_once(escrow, "payout_address", take)


def plan_for(escrow: Escrow, kind: str,
             buyer_percent: int | None = None) -> tuple[btc_escrow.SpendPlan, int]:
    """The exact transaction for ``kind`` over the escrow's confirmed coins."""
    payments = _utxo_payments(escrow)
    if not payments:
        raise Conflict("The escrow holds no confirmed coins yet.")
    inputs = [btc_escrow.EscrowInput(Outpoint(p.txid, p.vout), p.value_sat, escrow.index,
                                     _prev_tx(p.txid)) for p in payments]
    total = sum(i.value_sat for i in inputs)
    rate = fee_rate()
    buyer_spk = address_to_script_pubkey(escrow.refund_address, escrow.network)
    if kind == K.REFUND or (kind == K.SPLIT and buyer_percent == 100):
        try:
            return btc_escrow.plan_spend(inputs, [], buyer_spk, rate), rate
        except BitcoinError as exc:
            raise Conflict(f"Cannot refund: {exc}") from exc
    seller_spk = _payout_script(escrow)
    fee_spk = _fee_script(escrow) if escrow.fee_wallet else None
    percent = 0 if kind in (K.RELEASE, K.AUTO_RELEASE) else int(buyer_percent or 0)
    scripts = [s for s in (buyer_spk if percent else None, seller_spk, fee_spk) if s]
    network_fee = fee_for_vsize(btc_escrow.estimate_spend_vsize(len(inputs), scripts), rate)
    distributable = total - network_fee
    buyer = distributable * percent // 100
    seller_gross = distributable - buyer
    fee = marketplace_fee(escrow, seller_gross)
    seller = seller_gross - fee
    if fee_spk is not None and 0 < fee < dust_limit(fee_spk):
        fee = 0
        seller = seller_gross
    if seller < dust_limit(seller_spk):
        if percent == 0:
            raise Conflict(f"The escrow is too small to pay out: {seller} sat would be left "
                           "for the seller after fees.")
        buyer, seller, fee = buyer + seller + fee, 0, 0  # too little to send: the buyer
    if 0 < buyer < dust_limit(buyer_spk):
        seller, buyer = seller + buyer, 0
    outputs = []
    if buyer:
        outputs.append(TxOutput(buyer_spk, buyer))
    if seller:
        outputs.append(TxOutput(seller_spk, seller))
    if fee and fee_spk is not None:
        outputs.append(TxOutput(fee_spk, fee))
    return btc_escrow.SpendPlan(tuple(inputs), tuple(outputs),
                                total - sum(o.value_sat for o in outputs)), rate


def _prev_tx(txid: str) -> bytes | None:
    """The funding transaction, so hardware wallets can check input amounts (they refuse
    segwit v0 inputs without it)."""
    try:
        return configured.backend().get_raw_transaction(txid)
    except Exception:
        return None


def plan_to_json(plan: btc_escrow.SpendPlan, network: str) -> dict[str, Any]:
    return {
        "inputs": [{"txid": i.outpoint.txid, "vout": i.outpoint.vout, "valueSat": i.value_sat,
                    "index": i.index} for i in plan.inputs],
        "outputs": [{"script": o.script_pubkey.hex(), "valueSat": o.value_sat,
                     "address": script_pubkey_to_address(o.script_pubkey, network)}
                    for o in plan.outputs],
        "feeSat": plan.fee_sat,
    }


def plan_from_json(data: dict[str, Any]) -> btc_escrow.SpendPlan:
    # The previous transactions are not needed to verify: witness_utxo values are checked
    # against the plan, and any non_witness_utxo must agree with them (input_values).
    inputs = tuple(btc_escrow.EscrowInput(Outpoint(i["txid"], int(i["vout"])),
                                          int(i["valueSat"]), int(i["index"]))
                   for i in data["inputs"])
    outputs = tuple(TxOutput(bytes.fromhex(o["script"]), int(o["valueSat"]))
                    for o in data["outputs"])
    return btc_escrow.SpendPlan(inputs, outputs, int(data["feeSat"]))


def _prepare(escrow: Escrow, kind: str, signer: str, actor: str,
             buyer_percent: int | None = None) -> Spend:
    plan, rate = plan_for(escrow, kind, buyer_percent)
    psbt = btc_escrow.create_psbt(escrow_of(escrow), plan)
    with transaction.atomic():
        Spend.objects.filter(escrow=escrow, kind=kind,
                             status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        spend = Spend.objects.create(
            escrow=escrow, kind=kind, signer=signer, plan=plan_to_json(plan, escrow.network),
            psbt=serialize_psbt(psbt), unsigned_txid=bytes(psbt.tx.txid()).hex(),
            fee_rate=rate)
        record(escrow, f"{kind}_prepared", actor,
               f"{describe_outputs(spend)}; network fee {plan.fee_sat} sat at {rate} sat/vB; "
               f"waiting for the {signer_label(signer)}'s signature")
    return spend


def describe_outputs(spend: Spend) -> str:
    return ", ".join(f"{o['valueSat']} sat to {o['address']}" for o in spend.plan["outputs"])


def signer_label(signer: str) -> str:
    return "buyer or seller" if signer == "either" else signer


def _settled_spend(escrow: Escrow) -> Spend | None:
    return escrow.spends.filter(status__in=[Spend.Status.BROADCAST,
                                            Spend.Status.CONFIRMED]).first()


def _open_spend(escrow: Escrow, kinds: tuple[str, ...], signer: str) -> Spend | None:
    return escrow.spends.filter(kind__in=kinds, signer=signer,
                                status=Spend.Status.AWAITING_SIGNATURE).first()


def _require_open(escrow: Escrow, *, kinds: tuple[str, ...]) -> Spend | None:
    """None if the escrow can still be spent; the settled spend when this very kind of
    spend already went out (a replayed request is answered, not repeated)."""
    done = _settled_spend(escrow)
    if done is not None:
        if done.kind in kinds:
            return done
        raise Conflict(f"This escrow was already paid out ({done.get_kind_display().lower()}).")
    if escrow.status == E.AWAITING_PAYMENT:
        raise Conflict("The escrow isn't funded yet: the payment must confirm first.")
    if escrow.status not in Escrow.OPEN:
        raise Conflict("This escrow is closed.")
    return None


def _party_spend(escrow: Escrow, user: User, role: str, kind: str, fresh: bool) -> Spend:
    """The ``kind`` spend that ``role`` asks for and signs: made once, and the same one is
    returned until it is signed, superseded or the escrow paid out (then that payout).
    ``fresh`` prepares it again (today's fee rate, coins that arrived since)."""
    if role_in(escrow, user) != role:
        raise NotFound("No such escrow.")
    done = _require_open(escrow, kinds=(kind,))
    if done is not None:
        return done
    if not fresh:
        waiting = _open_spend(escrow, (kind,), role)
        if waiting is not None:
            return waiting
    return _prepare(escrow, kind, role, role)


def do_release(escrow: Escrow, user: User, *, fresh: bool = False) -> Spend:
    """The buyer releases to the seller: the release PSBT for the buyer to sign."""
    return _party_spend(escrow, user, "buyer", K.RELEASE, fresh)


def do_refund(escrow: Escrow, user: User, *, fresh: bool = False) -> Spend:
    """The seller agrees to refund: the refund PSBT for the seller to sign."""
    return _party_spend(escrow, user, "seller", K.REFUND, fresh)


def shipped_at(order: Order) -> Any:
    event = (OrderEvent.objects.filter(order=order, to_status=Order.Status.SHIPPED)
             .order_by("created_at").first())
    return event.created_at if event else None


def auto_release_at(escrow: Escrow) -> Any:
    shipped = shipped_at(escrow.order)
    return shipped + timedelta(days=escrow.auto_release_days) if shipped else None


def do_claim_auto_release(escrow: Escrow, user: User, *, now: Any = None,
                          fresh: bool = False) -> Spend:
    """The seller claims after the timeout: shipped N days ago, no release, no dispute."""
    if role_in(escrow, user) != "seller":
        raise NotFound("No such escrow.")
    done = _require_open(escrow, kinds=(K.AUTO_RELEASE, K.RELEASE))
    if done is not None:
        return done
    if escrow.status == E.DISPUTED:
        raise Conflict("The buyer opened a dispute: the arbiter decides.")
    due = auto_release_at(escrow)
    if due is None:
        raise Conflict("Mark the order as shipped first; auto-release counts from then.")
    if (now or timezone.now()) < due:
        raise Conflict(f"Auto-release opens on {due:%Y-%m-%d %H:%M} UTC "
                       f"({escrow.auto_release_days} days after shipping).")
    waiting = None if fresh else _open_spend(escrow, (K.AUTO_RELEASE,), "seller")
    return waiting or _prepare(escrow, K.AUTO_RELEASE, "seller", "seller")


# --- disputes -------------------------------------------------------------------------------------

def check_text(text: str, field: str, *, minimum: int = 1) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise invalid(field, f"At least {minimum} characters.")
    if len(text) > MAX_MESSAGE:
        raise invalid(field, f"At most {MAX_MESSAGE} characters.")
    return text


def do_open_dispute(escrow: Escrow, user: User, reason: str) -> Dispute:
    role = role_in(escrow, user)
    if role not in ("buyer", "seller"):
        raise NotFound("No such escrow.")
    reason = check_text(reason, "reason", minimum=10)
    with transaction.atomic():
        locked = Escrow.objects.select_for_update().get(pk=escrow.pk)
        if _settled_spend(locked) is not None:
            raise Conflict("This escrow was already paid out.")
        if locked.status == E.DISPUTED:
            raise Conflict("A dispute is already open.")
        if locked.status != E.FUNDED:
            raise Conflict("Only a funded escrow can be disputed.")
        dispute = Dispute.objects.create(escrow=escrow, opened_by=role, reason=reason)
        Escrow.objects.filter(pk=escrow.pk).update(status=E.DISPUTED)
        escrow.status = E.DISPUTED
        # A pending auto-release claim ends with the dispute.
        escrow.spends.filter(kind=K.AUTO_RELEASE, status=Spend.Status.AWAITING_SIGNATURE
                             ).update(status=Spend.Status.SUPERSEDED)
        record(escrow, "dispute_opened", role, reason[:200])
        _notify_staff(escrow)
    return dispute


def do_add_message(escrow: Escrow, user: User, text: str,
                   evidence: bytes | None = None) -> DisputeMessage:
    role = role_in(escrow, user)
    if role is None:
        raise NotFound("No such escrow.")
    dispute = getattr(escrow, "dispute", None)
    if dispute is None:
        raise Conflict("There is no dispute to write in.")
    if dispute.status == Dispute.Status.CLOSED:
        raise Conflict("This dispute is closed.")
    if role == "arbiter" and not user.totp_enabled:
        raise ActionError("Staff must turn on two-factor authentication first.",
                          code="2fa_required")
    text = check_text(text, "text")
    ratelimit.hit("escrow:message", str(user.pk))
    path = ""
    if evidence:
        try:
            path = store_image(evidence, "evidence").path
        except ImageRejected as exc:
            raise invalid("evidence", str(exc)) from exc
    message = DisputeMessage.objects.create(dispute=dispute, author=user, role=role,
                                            text=text, evidence=path)
    record(escrow, "dispute_message", role, "with a photo" if path else "")
    return message


def do_resolve(escrow: Escrow, staff: User, buyer_percent: int, note: str) -> Spend:
    """The arbiter decides the split; the PSBT is prepared for the favoured side."""
    if not (staff.is_staff and staff.is_active):
        raise NotFound("No such escrow.")
    if not staff.totp_enabled:
        raise ActionError("Staff must turn on two-factor authentication first.",
                          code="2fa_required")
    if isinstance(buyer_percent, bool) or not isinstance(buyer_percent, int) or not (
            0 <= buyer_percent <= 100):
        raise invalid("buyerPercent", "A whole number from 0 to 100.")
    note = check_text(note, "note", minimum=3)
    dispute = getattr(escrow, "dispute", None)
    if dispute is None or dispute.status == Dispute.Status.CLOSED:
        raise Conflict("There is no open dispute to decide.")
    if _settled_spend(escrow) is not None:
        raise Conflict("This escrow was already paid out.")
    signer = "buyer" if buyer_percent > 50 else "seller" if buyer_percent < 50 else "either"
    with transaction.atomic():
        # A new decision replaces an earlier one that nobody signed yet.
        escrow.spends.filter(kind=K.SPLIT, status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        Dispute.objects.filter(pk=dispute.pk).update(
            status=Dispute.Status.DECIDED, buyer_percent=buyer_percent, decision_note=note,
            decided_by=staff, decided_at=timezone.now())
        record(escrow, "dispute_decided", "arbiter",
               f"{buyer_percent}% to the buyer, {100 - buyer_percent}% to the seller: "
               f"{note[:150]}")
        spend = _prepare(escrow, K.SPLIT, signer, "arbiter", buyer_percent)
    return spend


# --- signing and broadcasting -------------------------------------------------------------------

def spend_for(escrow: Escrow, spend_id: int | None = None) -> Spend | None:
    qs = escrow.spends.all()
    if spend_id is not None:
        return qs.filter(pk=spend_id).first()
    return qs.filter(status=Spend.Status.AWAITING_SIGNATURE).first()


def may_sign(spend: Spend, role: str) -> bool:
    return role in ("buyer", "seller") and spend.signer in (role, "either")


def do_sign(escrow: Escrow, user: User, *, spend: Spend | None = None, psbt_text: str = "",
            psbt_bytes: bytes = b"", phrase: str = "") -> Spend:
    """Take the party's signature (a signed PSBT, or a phrase used once in memory), check
    it against the plan and the policy, co-sign, and broadcast. Replays are answered with
    the spend that already went out."""
    role = role_in(escrow, user)
    if role not in ("buyer", "seller"):
        raise NotFound("No such escrow.")
    uploaded = None
    if psbt_text.strip() or psbt_bytes:
        try:
            uploaded = parse_psbt(psbt_text if psbt_text.strip() else psbt_bytes)
        except BitcoinError as exc:
            raise invalid("psbt", str(exc)) from exc
        txid = bytes(uploaded.tx.txid()).hex()
        match = escrow.spends.filter(unsigned_txid=txid).first()
        if match is None:
            raise invalid("psbt", "This PSBT is not a transaction of this escrow "
                                             "(download the current one and sign that).")
        spend = match
    if spend is None:
        spend = _settled_spend(escrow)  # a replay after the payout went out
    if spend is None:
        spend = escrow.spends.filter(status=Spend.Status.AWAITING_SIGNATURE).filter(
            signer__in=[role, "either"]).first()
    if spend is None or spend.escrow_id != escrow.pk:
        raise Conflict("Nothing is waiting for your signature.")
    if spend.status in (Spend.Status.BROADCAST, Spend.Status.CONFIRMED):
        return spend  # idempotent: already signed and sent
    if spend.status == Spend.Status.SUPERSEDED:
        if _settled_spend(escrow) is not None:
            raise Conflict("Another payout of this escrow went out first.")
        raise Conflict("This transaction was replaced by a newer one; sign the current one.")
    if not may_sign(spend, role):
        raise Conflict(f"This {spend.get_kind_display().lower()} needs the "
                       f"{signer_label(spend.signer)}'s signature, not yours.")
    if not uploaded and not phrase.strip():
        raise invalid("psbt", "Upload the signed PSBT, or type your phrase.")
    ratelimit.hit("escrow:sign", str(user.pk))
    esc = escrow_of(escrow)
    plan = plan_from_json(spend.plan)
    stored = parse_psbt(spend.psbt)
    try:
        if uploaded is not None:
            # Wallets may strip fields they don't need; ours fill them back in.
            psbt = combine_psbts([stored, uploaded])
        else:
            signer = keys.signer_from_phrase(phrase)
            party = esc.role_of(signer)
            if party is None or party.role != role:
                raise invalid("phrase", f"That phrase is not the {role}'s key of this "
                                        "escrow.")
            psbt = stored
            btc_escrow.sign_psbt(esc, psbt, plan, signer)
            del signer
        btc_escrow.check_signed_by(esc, psbt, plan, role)
        _refuse_other_signatures(esc, psbt, plan, role)
    except SigningRefused as exc:
        record(escrow, "signature_refused", role, str(exc))
        raise invalid("psbt", f"Refused: {exc}") from exc
    except BitcoinError as exc:
        raise invalid("psbt", str(exc)) from exc
    # Policy met: the named party signed exactly the plan. Only now does our key sign.
    market = keys.marketplace_key(escrow.network)
    btc_escrow.sign_psbt(esc, psbt, plan, keys.marketplace_signer(market))
    tx = finalize_psbt(psbt)
    raw = str(tx.serialize().hex())
    txid = str(tx.txid().hex())
    with transaction.atomic():
        Escrow.objects.select_for_update().get(pk=escrow.pk)
        fresh = Spend.objects.get(pk=spend.pk)
        if fresh.status in (Spend.Status.BROADCAST, Spend.Status.CONFIRMED):
            return fresh
        if _settled_spend(escrow) is not None or fresh.status != Spend.Status.AWAITING_SIGNATURE:
            raise Conflict("Another payout of this escrow went out first.")
        Spend.objects.filter(pk=spend.pk).update(
            psbt=serialize_psbt(psbt), status=Spend.Status.BROADCAST, txid=txid, raw_tx=raw,
            broadcast_at=timezone.now())
        escrow.spends.filter(status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        Escrow.objects.filter(pk=escrow.pk).update(status=E.SETTLING)
        escrow.status = E.SETTLING
        record(escrow, f"{spend.kind}_signed", role,
               f"signed by the {role} and co-signed by the marketplace", txid=txid)
    _broadcast(escrow, raw, txid)
    spend.refresh_from_db()
    return spend


def _refuse_other_signatures(esc: btc_escrow.Escrow, psbt: PSBT, plan: btc_escrow.SpendPlan,
                             role: str) -> None:
    """Only the party's (checked) signature may come with an upload: the finaliser takes
    the first two signatures in key order, so a junk one under another cosigner's key
    would make the co-signed transaction invalid and leave the escrow stuck as sent."""
    party = {k.role: k for k in esc.keys}[role]
    for n, want in enumerate(plan.inputs):
        if set(psbt.inputs[n].partial_sigs) != {party.pubkey(want.index)}:
            raise SigningRefused(f"input {n} carries a signature by a key other than the "
                                 f"{role}'s")


def _broadcast(escrow: Escrow, raw: str, txid: str) -> bool:
    """Hand the transaction to the node. A failure is not lost: the settle job keeps
    re-broadcasting a signed spend until it is seen."""
    try:
        configured.backend().broadcast(raw)
    except Exception as exc:
        logger.warning("escrow %s: broadcast failed, will retry: %s", escrow.public_id,
                       type(exc).__name__)
        record(escrow, "broadcast_retry", "marketplace", str(exc)[:200], txid=txid)
        return False
    record(escrow, "broadcast", "marketplace", "sent to the Bitcoin network", txid=txid)
    return True


CLOSE: dict[str, tuple[str, str]] = {K.RELEASE: (E.RELEASED, Order.Status.COMPLETED),
         K.AUTO_RELEASE: (E.RELEASED, Order.Status.COMPLETED),
         K.REFUND: (E.REFUNDED, Order.Status.REFUNDED),
         K.SPLIT: (E.SPLIT, Order.Status.COMPLETED)}


def settle_broadcast_spends() -> int:
    """The job after each poll: a broadcast spend that is in a block closes its escrow and
    its order; one the node doesn't know is broadcast again."""
    try:
        backend = configured.backend()
    except configured.ChainNotConfigured:
        return 0
    closed = 0
    for spend in Spend.objects.filter(status=Spend.Status.BROADCAST).select_related(
            "escrow", "escrow__order"):
        try:
            status = backend.get_tx_status(spend.txid)
        except TxNotFound:
            _broadcast(spend.escrow, spend.raw_tx, spend.txid)
            continue
        except ChainError:
            continue
        if status.block_height is None:
            continue
        escrow_status, order_status = CLOSE[spend.kind]
        with transaction.atomic():
            if not Spend.objects.filter(pk=spend.pk, status=Spend.Status.BROADCAST).update(
                    status=Spend.Status.CONFIRMED, confirmed_at=timezone.now(),
                    confirmed_height=status.block_height):
                continue
            escrow = spend.escrow
            Escrow.objects.filter(pk=escrow.pk).update(status=escrow_status,
                                                       closed_at=timezone.now())
            escrow.status = escrow_status
            Dispute.objects.filter(escrow=escrow).update(status=Dispute.Status.CLOSED)
            record(escrow, "payout_confirmed", "system",
                   f"{describe_outputs(spend)} — in block {status.block_height}",
                   txid=spend.txid)
            order_actions.do_close_by_escrow(
                escrow.order, order_status,
                f"Escrow {spend.get_kind_display().lower()} confirmed ({spend.txid[:16]}…)")
            _notify_parties(escrow, f"Escrow of order {escrow.order.public_id}: "
                                    f"{escrow.get_status_display().lower()}.")
        closed += 1
    return closed


def purge_closed_evidence(now: Any = None) -> int:
    """Privacy by minimisation: dispute photos (a shipping label, a face) of escrows that
    closed more than ORDER_PURGE_DAYS ago are deleted; the written record stays."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ORDER_PURGE_DAYS)
    old = DisputeMessage.objects.filter(dispute__escrow__closed_at__lt=cutoff).exclude(
        evidence="")
    purged = 0
    for message in old:
        delete_image(message.evidence, message.evidence.replace(".webp", "-thumb.webp"))
        purged += DisputeMessage.objects.filter(pk=message.pk).update(evidence="")
    return purged


# --- the event trail ------------------------------------------------------------------------------

def record(escrow: Escrow, kind: str, actor: str, detail: str = "",
           txid: str = "") -> EscrowEvent:
    """Store the event and, after commit, tell both parties' pages (``escrow:updated``)."""
    event = EscrowEvent.objects.create(escrow=escrow, kind=kind, actor=actor,
                                       detail=detail[:300], txid=txid)
    order = escrow.order
    payload = {"type": kind, "escrowId": escrow.public_id, "orderId": order.public_id,
               "status": escrow.status, "txid": txid or None}
    rooms = [f"escrow-{escrow.public_id}", f"order-{order.public_id}",
             f"user-{order.store.owner.public_id}"]
    if order.buyer is not None:
        rooms.append(f"user-{order.buyer.public_id}")
    for room in rooms:  # sent once the surrounding transaction commits (see publish)
        publish(room, "escrow:updated", payload)
    return event


def _notify_parties(escrow: Escrow, text: str) -> None:
    url = f"/escrow/{escrow.public_id}/"
    for user in (escrow.order.buyer, escrow.order.store.owner):
        if user is not None:
            Notification.objects.create(user=user, text=text[:300], url=url)


def _notify_staff(escrow: Escrow) -> None:
    for staff in User.objects.filter(is_staff=True, is_active=True)[:20]:
        Notification.objects.create(user=staff, url=f"/escrow/{escrow.public_id}/",
                                    text=f"Dispute opened on escrow {escrow.public_id}.")
