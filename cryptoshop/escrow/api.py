"""/api/escrow: the 2-of-3 escrow over JSON — keys, opening, reading, the spends to sign
(PSBTs in and out), disputes and the arbiter's decision. Everything goes through
cryptoshop.escrow.actions, like the pages do.

Signing over the API is only ever a PSBT signed by the caller's own wallet: a phrase is
never accepted here (request bodies refuse unknown fields, so a stray ``phrase`` is a 400).
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from cryptoshop.accounts.models import User
from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.psbt import parse_psbt
from cryptoshop.core import ratelimit
from cryptoshop.core.api import CamelSchema, PaginationOut, envelope, ok
from cryptoshop.core.errors import Conflict, NotFound, ValidationFailed, invalid
from cryptoshop.core.pagination import clamp_limit, clamp_page, paginate
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.escrow import actions, keys
from cryptoshop.escrow.models import Dispute, DisputeMessage, Escrow, EscrowKey, Spend
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments import actions as pay_actions
from cryptoshop.payments.api import invoice_out
from cryptoshop.payments.models import Invoice, PaymentSettings

router = Router(tags=["escrow"])

MAX_PSBT_TEXT = 2_000_000


class StrictIn(CamelSchema):
    """Request bodies: camelCase, and unknown fields refused (so a ``phrase`` is never
    silently taken, nor silently ignored)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="forbid")


# --- output shapes -------------------------------------------------------------------------------

class OutputOut(CamelSchema):
    address: str
    value_sat: int


class SpendOut(CamelSchema):
    id: int
    kind: str
    signer: str
    status: str
    txid: str | None
    fee_rate: int
    outputs: list[OutputOut]
    fee_sat: int
    psbt: str | None  # base64, only while it waits for a signature
    can_sign: bool  # waiting for the caller's signature
    created_at: datetime
    broadcast_at: datetime | None
    confirmed_at: datetime | None


class MessageOut(CamelSchema):
    id: int
    role: str
    text: str
    has_evidence: bool
    at: datetime


class DisputeOut(CamelSchema):
    opened_by: str
    reason: str
    status: str
    buyer_percent: int | None
    decision_note: str | None
    messages: list[MessageOut]
    created_at: datetime
    decided_at: datetime | None


class EventOut(CamelSchema):
    kind: str
    actor: str
    detail: str
    txid: str | None
    at: datetime


class EscrowOut(CamelSchema):
    id: str
    order_id: str
    status: str
    role: str
    network: str
    index: int
    address: str
    descriptor: str
    buyer_key: str
    seller_key: str
    marketplace_key: str
    refund_address: str
    payout_address: str | None
    amount_sat: int | None
    funded_sat: int
    fee_percent: str
    fee_min_sat: int
    auto_release_days: int
    auto_release_at: datetime | None
    payment: dict[str, Any] | None
    dispute: DisputeOut | None
    spends: list[SpendOut]
    events: list[EventOut]
    created_at: datetime
    closed_at: datetime | None


class EscrowSummaryOut(CamelSchema):
    id: str
    order_id: str
    status: str
    role: str
    network: str
    address: str
    funded_sat: int
    created_at: datetime
    closed_at: datetime | None


class EscrowListOut(CamelSchema):
    success: bool = True
    data: list[EscrowSummaryOut]
    pagination: PaginationOut


class PsbtOut(CamelSchema):
    spend_id: int
    kind: str
    signer: str
    status: str
    psbt: str
    outputs: list[OutputOut]
    fee_sat: int


class DescriptorOut(CamelSchema):
    descriptor: str
    address: str
    index: int
    network: str


class KeyOut(CamelSchema):
    key: str
    kind: str
    network: str
    backup: str | None  # the browser's password-encrypted phrase (opaque to us)
    open_escrows: int  # escrows that keep using the key they were opened with
    created_at: datetime


def spend_out(spend: Spend, role: str) -> dict[str, Any]:
    awaiting = spend.status == Spend.Status.AWAITING_SIGNATURE
    return {
        "id": spend.pk, "kind": spend.kind, "signer": spend.signer, "status": spend.status,
        "txid": spend.txid or None, "feeRate": spend.fee_rate,
        "outputs": [{"address": o["address"], "valueSat": o["valueSat"]}
                    for o in spend.plan["outputs"]],
        "feeSat": spend.plan["feeSat"],
        "psbt": spend.psbt if awaiting else None,
        "canSign": awaiting and actions.may_sign(spend, role),
        "createdAt": spend.created_at, "broadcastAt": spend.broadcast_at,
        "confirmedAt": spend.confirmed_at,
    }


def message_out(message: DisputeMessage) -> dict[str, Any]:
    return {"id": message.pk, "role": message.role, "text": message.text,
            "hasEvidence": bool(message.evidence), "at": message.created_at}


def dispute_out(dispute: Dispute) -> dict[str, Any]:
    return {
        "openedBy": dispute.opened_by, "reason": dispute.reason, "status": dispute.status,
        "buyerPercent": dispute.buyer_percent, "decisionNote": dispute.decision_note or None,
        "messages": [message_out(m) for m in dispute.messages.all()],
        "createdAt": dispute.created_at, "decidedAt": dispute.decided_at,
    }


def fee_percent(escrow: Escrow) -> str:
    return f"{Decimal(escrow.fee_bps) / 100:.2f}"


def escrow_out(escrow: Escrow, role: str) -> dict[str, Any]:
    invoice = pay_actions.open_invoice(escrow.order)
    dispute = Dispute.objects.filter(escrow=escrow).first()
    return {
        "id": escrow.public_id, "orderId": escrow.order.public_id, "status": escrow.status,
        "role": role, "network": escrow.network, "index": escrow.index,
        "address": escrow.address, "descriptor": escrow.descriptor,
        "buyerKey": escrow.buyer_key, "sellerKey": escrow.seller_key,
        "marketplaceKey": escrow.marketplace_key, "refundAddress": escrow.refund_address,
        "payoutAddress": escrow.payout_address or None,
        "amountSat": invoice.amount_sat if invoice is not None else escrow.order.total_sat,
        "fundedSat": escrow.funded_sat, "feePercent": fee_percent(escrow),
        "feeMinSat": escrow.fee_min_sat, "autoReleaseDays": escrow.auto_release_days,
        "autoReleaseAt": actions.auto_release_at(escrow),
        "payment": invoice_out(invoice) if invoice is not None else None,
        "dispute": dispute_out(dispute) if dispute is not None else None,
        "spends": [spend_out(s, role) for s in escrow.spends.all()],
        "events": [{"kind": e.kind, "actor": e.actor, "detail": e.detail,
                    "txid": e.txid or None, "at": e.created_at} for e in escrow.events.all()],
        "createdAt": escrow.created_at, "closedAt": escrow.closed_at,
    }


def summary_out(escrow: Escrow, user: User) -> dict[str, Any]:
    return {
        "id": escrow.public_id, "orderId": escrow.order.public_id, "status": escrow.status,
        "role": "buyer" if escrow.order.buyer_id == user.pk else "seller",
        "network": escrow.network, "address": escrow.address,
        "fundedSat": escrow.funded_sat, "createdAt": escrow.created_at,
        "closedAt": escrow.closed_at,
    }


def key_out(key: EscrowKey, user: User) -> dict[str, Any]:
    open_count = actions.escrows_of(user).filter(status__in=[
        Escrow.Status.AWAITING_PAYMENT, *Escrow.OPEN, Escrow.Status.SETTLING]).count()
    return {"key": key.expression, "kind": key.kind, "network": key.network,
            "backup": key.backup or None, "openEscrows": open_count,
            "createdAt": key.created_at}


# --- keys (declared before /{escrow_id} so "keys" is never taken for an escrow id) ----------------

class KeyIn(StrictIn):
    key: str = Field(max_length=400)
    kind: Literal["external", "browser"]
    backup: str = Field(default="", max_length=keys.MAX_BACKUP_CHARS + 100)


@router.get("/keys/me", auth=api_auth, response=envelope(KeyOut), by_alias=True)
def my_key(request: HttpRequest) -> dict[str, Any]:
    """Your escrow key: the account xpub with its origin (and, for a key made in the
    browser, the password-encrypted backup of its phrase). 404 until you register one."""
    me = api_caller(request)
    key = keys.key_of(me)
    if key is None:
        raise NotFound("You have no escrow key yet: register one with POST /api/escrow/keys.")
    return ok(key_out(key, me))


@router.post("/keys", auth=api_auth, response={200: envelope(KeyOut), 201: envelope(KeyOut)},
             by_alias=True)
def register_key(request: HttpRequest, payload: KeyIn) -> Status[dict[str, Any]]:
    """Register (201) or replace (200) your escrow key: `[fingerprint/48h/1h/0h/2h]tpub…`
    (or a bare tpub/xpub) of this shop's network. Only the public key is ever sent; open
    escrows keep the key they were made with."""
    me = api_caller(request)
    ratelimit.hit("escrow:key", str(me.pk))
    existed = keys.key_of(me) is not None
    key = keys.do_register_key(me, payload.key, kind=payload.kind, backup=payload.backup)
    return Status(200 if existed else 201, ok(key_out(key, me)))


# --- the caller's escrows ------------------------------------------------------------------------

@router.get("", auth=api_auth, response=EscrowListOut, by_alias=True)
def list_escrows(request: HttpRequest, status: str = "",
                 role: Literal["", "buyer", "seller"] = "", page: int = 1,
                 limit: int = 20) -> dict[str, Any]:
    """Your escrows, as buyer or as seller (`role` narrows it), newest first; `status`
    filters."""
    me = api_caller(request)
    qs = actions.escrows_of(me)
    if status:
        if status not in Escrow.Status.values:
            raise ValidationFailed({"status": [
                "Unknown status: one of " + ", ".join(Escrow.Status.values) + "."]})
        qs = qs.filter(status=status)
    if role == "buyer":
        qs = qs.filter(order__buyer=me)
    elif role == "seller":
        qs = qs.filter(order__store__owner=me)
    items, pagination = paginate(qs.order_by("-created_at"), clamp_page(page),
                                 clamp_limit(limit, 20))
    return {"success": True, "data": [summary_out(e, me) for e in items],
            "pagination": pagination.as_dict()}


class OpenIn(StrictIn):
    order_id: str = Field(max_length=40)
    refund_address: str = Field(default="", max_length=100)


@router.post("", auth=api_auth, response={200: envelope(EscrowOut), 201: envelope(EscrowOut)},
             by_alias=True)
def open_escrow(request: HttpRequest, payload: OpenIn) -> Status[dict[str, Any]]:
    """Pay your order (from an escrow-mode store) into a 2-of-3 escrow: opens the escrow
    and its invoice (201), or returns the open one (200). Pay `amountSat` to `address`."""
    me = api_caller(request)
    order = order_actions.order_for_buyer(me, payload.order_id)
    invoice = pay_actions.open_invoice(order)
    status = 200
    if invoice is None or (invoice.status == Invoice.Status.EXPIRED and invoice.paid_sat == 0):
        ps = PaymentSettings.objects.filter(store=order.store).first()
        if ps is not None and ps.mode != PaymentSettings.Mode.ESCROW:
            raise Conflict("This store takes direct payments, not escrow: get the payment "
                           "address with POST /api/bitcoin/address.", code="direct_payments")
        pay_actions.do_create_invoice(order, me, refund_address=payload.refund_address,
                                      client_ip=client_ip(request))
        status = 201
    if not Escrow.objects.filter(order=order).exists():
        raise Conflict("This order is paid directly, not into escrow (see "
                       "POST /api/bitcoin/address).", code="direct_payments")
    escrow, role = actions.escrow_for(me, Escrow.objects.get(order=order).public_id)
    return Status(status, ok(escrow_out(escrow, role)))


@router.get("/{escrow_id}", auth=api_auth, response=envelope(EscrowOut), by_alias=True)
def get_escrow(request: HttpRequest, escrow_id: str) -> dict[str, Any]:
    """The escrow, for its buyer and seller (and staff, as the arbiter, once disputed);
    anyone else gets 404."""
    escrow, role = actions.escrow_for(api_caller(request), escrow_id)
    return ok(escrow_out(escrow, role))


@router.get("/{escrow_id}/descriptor", auth=api_auth, response=envelope(DescriptorOut),
            by_alias=True)
def descriptor(request: HttpRequest, escrow_id: str) -> dict[str, Any]:
    """The checksummed `wsh(sortedmulti(2,…))` descriptor at this escrow's index: import it
    into Sparrow or Bitcoin Core as a watch-only wallet (docs/escrow-protocol.md)."""
    escrow, _role = actions.escrow_for(api_caller(request), escrow_id)
    return ok({"descriptor": escrow.descriptor, "address": escrow.address,
               "index": escrow.index, "network": escrow.network})


# --- spends: prepare, download, sign -------------------------------------------------------------

class SignIn(StrictIn):
    psbt: str = Field(default="", max_length=MAX_PSBT_TEXT)
    # Prepare the transaction again (today's fee rate, coins that arrived since); the
    # previous unsigned one is superseded. Not with a psbt.
    fresh: bool = False


def _fresh(payload: SignIn | None) -> bool:
    if payload is None or not payload.fresh:
        return False
    if payload.psbt.strip():
        raise invalid("fresh", "Either prepare again (fresh) or send a signed psbt, not both.")
    return True


class SignedIn(StrictIn):
    psbt: str = Field(min_length=1, max_length=MAX_PSBT_TEXT)


def _signed(request: HttpRequest, escrow: Escrow, spend: Spend, payload: SignIn | None,
            role: str) -> dict[str, Any]:
    """Without a PSBT: the spend to sign. With one: it must be this very spend, signed by
    the caller; the marketplace co-signs and broadcasts (a replay answers the same txid)."""
    text = payload.psbt if payload is not None else ""
    if not text.strip():
        return ok(spend_out(spend, role))
    try:
        txid = bytes(parse_psbt(text).tx.txid()).hex()
    except BitcoinError as exc:
        raise invalid("psbt", str(exc)) from exc
    if txid != spend.unsigned_txid:
        raise invalid("psbt", f"This PSBT is not this escrow's current {spend.kind} "
                              "transaction: download it again and sign that one.")
    done = actions.do_sign(escrow, api_caller(request), spend=spend, psbt_text=text)
    return ok(spend_out(done, role))


@router.post("/{escrow_id}/release", auth=api_auth, response=envelope(SpendOut), by_alias=True)
def release(request: HttpRequest, escrow_id: str,
            payload: SignIn | None = None) -> dict[str, Any]:
    """Buyer: release the coins to the seller. Without `psbt`, the release transaction to
    sign (`psbt`, base64); with the buyer-signed `psbt`, co-signed and broadcast (`txid`)."""
    me = api_caller(request)
    escrow, role = actions.escrow_for(me, escrow_id)
    return _signed(request, escrow, actions.do_release(escrow, me, fresh=_fresh(payload)),
                   payload, role)


@router.post("/{escrow_id}/refund", auth=api_auth, response=envelope(SpendOut), by_alias=True)
def refund(request: HttpRequest, escrow_id: str,
           payload: SignIn | None = None) -> dict[str, Any]:
    """Seller: refund the buyer (to their refund address); same two steps as release."""
    me = api_caller(request)
    escrow, role = actions.escrow_for(me, escrow_id)
    return _signed(request, escrow, actions.do_refund(escrow, me, fresh=_fresh(payload)),
                   payload, role)


@router.post("/{escrow_id}/auto-release", auth=api_auth, response=envelope(SpendOut),
             by_alias=True)
def auto_release(request: HttpRequest, escrow_id: str,
                 payload: SignIn | None = None) -> dict[str, Any]:
    """Seller: claim the coins `autoReleaseDays` after shipping when the buyer neither
    released nor disputed; same two steps as release."""
    me = api_caller(request)
    escrow, role = actions.escrow_for(me, escrow_id)
    return _signed(request, escrow, actions.do_claim_auto_release(
        escrow, me, fresh=_fresh(payload)), payload, role)


@router.get("/{escrow_id}/psbt", auth=api_auth, response=envelope(PsbtOut), by_alias=True)
def get_psbt(request: HttpRequest, escrow_id: str, spend: int | None = None,
             format: Literal["json", "file"] = "json") -> Any:
    """The transaction waiting for your signature (or `?spend=<id>`): base64 in JSON, or
    with `?format=file` the binary `.psbt` for Sparrow, Electrum or a hardware wallet."""
    escrow, role = actions.escrow_for(api_caller(request), escrow_id)
    if spend is not None:
        found = actions.spend_for(escrow, spend)
        if found is None:
            raise NotFound("No such transaction.")
    else:
        found = next((s for s in escrow.spends.filter(
            status=Spend.Status.AWAITING_SIGNATURE) if actions.may_sign(s, role)), None)
        if found is None:
            raise NotFound("Nothing is waiting for your signature.")
    if format == "file":
        response = HttpResponse(base64.b64decode(found.psbt),
                                content_type="application/octet-stream")
        response["Content-Disposition"] = (f'attachment; filename="{escrow.public_id}-'
                                           f'{found.kind}-{found.pk}.psbt"')
        response["Cache-Control"] = "private, no-store"
        return response
    return ok({"spendId": found.pk, "kind": found.kind, "signer": found.signer,
               "status": found.status, "psbt": found.psbt,
               "outputs": [{"address": o["address"], "valueSat": o["valueSat"]}
                           for o in found.plan["outputs"]],
               "feeSat": found.plan["feeSat"]})


@router.post("/{escrow_id}/psbt", auth=api_auth, response=envelope(SpendOut), by_alias=True)
def upload_psbt(request: HttpRequest, escrow_id: str, payload: SignedIn) -> dict[str, Any]:
    """Upload the PSBT your wallet signed (base64), for whichever spend it is (release,
    refund, auto-release or a dispute split): checked against the plan and the policy,
    co-signed and broadcast. A replay answers the same `txid`."""
    me = api_caller(request)
    escrow, role = actions.escrow_for(me, escrow_id)
    return ok(spend_out(actions.do_sign(escrow, me, psbt_text=payload.psbt), role))


# --- disputes ------------------------------------------------------------------------------------

class DisputeIn(StrictIn):
    reason: str = Field(max_length=actions.MAX_MESSAGE + 100)


class MessageIn(StrictIn):
    text: str = Field(max_length=actions.MAX_MESSAGE + 100)


class ResolveIn(StrictIn):
    buyer_percent: int
    note: str = Field(max_length=actions.MAX_MESSAGE + 100)


@router.post("/{escrow_id}/dispute", auth=api_auth, response={201: envelope(DisputeOut)},
             by_alias=True)
def open_dispute(request: HttpRequest, escrow_id: str,
                 payload: DisputeIn) -> Status[dict[str, Any]]:
    """Buyer or seller: open a dispute on a funded escrow (≥ 10 characters of reason).
    A pending auto-release claim ends; the arbiter decides the split."""
    me = api_caller(request)
    escrow, _role = actions.escrow_for(me, escrow_id)
    dispute = actions.do_open_dispute(escrow, me, payload.reason)
    return Status(201, ok(dispute_out(dispute)))


@router.post("/{escrow_id}/messages", auth=api_auth, response={201: envelope(MessageOut)},
             by_alias=True)
def add_message(request: HttpRequest, escrow_id: str,
                payload: MessageIn) -> Status[dict[str, Any]]:
    """A message in the dispute (text only over the API; photos go through the page)."""
    me = api_caller(request)
    escrow, _role = actions.escrow_for(me, escrow_id)
    return Status(201, ok(message_out(actions.do_add_message(escrow, me, payload.text))))


@router.post("/{escrow_id}/resolve", auth=api_auth, response=envelope(SpendOut), by_alias=True)
def resolve(request: HttpRequest, escrow_id: str, payload: ResolveIn) -> dict[str, Any]:
    """Staff (the arbiter, with 2FA): decide the split; the transaction is prepared for the
    favoured side to sign. Anyone else gets 404."""
    me = api_caller(request)
    escrow, role = actions.escrow_for(me, escrow_id)
    if role != "arbiter":
        raise NotFound("No such escrow.")
    spend = actions.do_resolve(escrow, me, payload.buyer_percent, payload.note)
    return ok(spend_out(spend, role))
