"""/api/escrow: the 2-of-3 escrow over JSON — keys, opening, reading, the spends to sign
(PSBTs in and out), disputes and the arbiter's decision. Every rule lives in the escrow
actions (opening, access, spends, signing, disputes), shared with the pages; the shapes are
in api_schemas.

Signing over the API is only ever a PSBT signed by the caller's own wallet: a phrase is
never accepted here (request bodies refuse unknown fields, so a stray ``phrase`` is a 400).
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.errors import ValidationError
from ninja.responses import Status
from pydantic import ValidationError as PydanticError

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import Limit, Page, envelope, errors, ok, paged
from cryptoshop.core.errors import Conflict, NotFound, invalid
from cryptoshop.core.pagination import paginate
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.escrow import keys
from cryptoshop.escrow.access import escrow_for, escrows_of, spend_for, spend_waiting_for
from cryptoshop.escrow.api_schemas import (
    DescriptorOut,
    DisputeIn,
    DisputeMessageIn,
    DisputeMessageOut,
    DisputeOut,
    EscrowListOut,
    EscrowOut,
    KeyIn,
    KeyOut,
    OpenIn,
    PsbtOut,
    ResolveIn,
    SignedIn,
    SignIn,
    SpendOut,
    dispute_out,
    escrow_out,
    key_out,
    message_out,
    psbt_out,
    spend_out,
    summary_out,
)
from cryptoshop.escrow.disputes import do_add_message, do_open_dispute, do_resolve
from cryptoshop.escrow.models import Escrow, Role, Spend
from cryptoshop.escrow.signing import check_sign, do_sign
from cryptoshop.escrow.spends import do_claim_auto_release, do_refund, do_release
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments import actions as pay_actions
from cryptoshop.payments.models import PaymentSettings

router = Router(tags=["escrow"])
# Escrow.Status.values ("" = any); tests/app/test_openapi.py holds the two together.
EscrowStatus = Literal["", "awaiting_payment", "funded", "disputed", "settling", "released",
                       "refunded", "split"]


# --- keys (declared before /{escrow_id} so "keys" is never taken for an escrow id) ----------------

@router.get("/keys/me", auth=api_auth, response=envelope(KeyOut), by_alias=True)
def my_key(request: HttpRequest) -> dict[str, Any]:
    """Your escrow key: the account xpub with its origin (and, for a key made in the
    browser, the password-encrypted backup of its phrase). 404 until you register one."""
    me = api_caller(request)
    key = keys.key_of(me)
    if key is None:
        raise NotFound("You have no escrow key yet: register one with POST /api/escrow/keys.")
    return ok(key_out(key, me))


@router.post("/keys", auth=api_auth, response={200: envelope(KeyOut), 201: envelope(KeyOut),
                                              **errors(429)}, by_alias=True)
def register_key(request: HttpRequest, payload: KeyIn) -> Status[dict[str, Any]]:
    """Register (201) or replace (200) your escrow key: `[fingerprint/48h/1h/0h/2h]tpub…`
    (or a bare tpub/xpub) of this shop's network. Only the public key is ever sent; open
    escrows keep the key they were made with."""
    me = api_caller(request)
    existed = keys.key_of(me) is not None
    key = keys.do_register_key(me, payload.key, kind=payload.kind, backup=payload.backup)
    return Status(200 if existed else 201, ok(key_out(key, me)))


# --- the caller's escrows ------------------------------------------------------------------------

@router.get("", auth=api_auth, response=EscrowListOut, by_alias=True)
def list_escrows(request: HttpRequest, status: EscrowStatus = "",
                 role: Literal["", "buyer", "seller"] = "", page: Page = 1,
                 limit: Limit = 20) -> dict[str, Any]:
    """Your escrows, as buyer or as seller (`role` narrows it), newest first; `status`
    filters."""
    me = api_caller(request)
    qs = escrows_of(me)
    if status:
        qs = qs.filter(status=status)
    if role == "buyer":
        qs = qs.filter(order__buyer=me)
    elif role == "seller":
        qs = qs.filter(order__store__owner=me)
    items, pagination = paginate(qs.order_by("-created_at"), page, limit)
    return paged([summary_out(e, me) for e in items], pagination)


@router.post("", auth=api_auth, response={200: envelope(EscrowOut), 201: envelope(EscrowOut),
                                          **errors(429)}, by_alias=True)
def open_escrow(request: HttpRequest, payload: OpenIn) -> Status[dict[str, Any]]:
    """Pay your order (from an escrow-mode store) into a 2-of-3 escrow: opens the escrow
    and its invoice (201), or returns the open one (200). Pay `amountSat` to `address`."""
    me = api_caller(request)
    order = order_actions.order_for_buyer(me, payload.order_id)
    invoice = pay_actions.open_invoice(order)
    status = 200
    if invoice is None or invoice.expired_unpaid:
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
    escrow, role = escrow_for(me, Escrow.objects.get(order=order).public_id)
    return Status(status, ok(escrow_out(escrow, role)))


@router.get("/{escrow_id}", auth=api_auth, response=envelope(EscrowOut), by_alias=True)
def get_escrow(request: HttpRequest, escrow_id: str) -> dict[str, Any]:
    """The escrow, for its buyer and seller (and staff, as the arbiter, once disputed);
    anyone else gets 404."""
    escrow, role = escrow_for(api_caller(request), escrow_id)
    return ok(escrow_out(escrow, role))


@router.get("/{escrow_id}/descriptor", auth=api_auth, response=envelope(DescriptorOut),
            by_alias=True)
def descriptor(request: HttpRequest, escrow_id: str) -> dict[str, Any]:
    """The checksummed `wsh(sortedmulti(2,…))` descriptor at this escrow's index: import it
    into Sparrow or Bitcoin Core as a watch-only wallet (docs/escrow-protocol.md)."""
    escrow, _role = escrow_for(api_caller(request), escrow_id)
    return ok({"descriptor": escrow.descriptor, "address": escrow.address,
               "index": escrow.index, "network": escrow.network})


# --- spends: prepare, download, sign -------------------------------------------------------------

def _fresh(payload: SignIn | None) -> bool:
    if payload is None or not payload.fresh:
        return False
    if payload.psbt.strip():
        raise invalid("fresh", "Either prepare again (fresh) or send a signed psbt, not both.")
    return True


def _signed(request: HttpRequest, escrow: Escrow, spend: Spend, payload: SignIn | None,
            role: str) -> dict[str, Any]:
    """Without a PSBT: the spend to sign. With one: it must be this very spend, signed by
    the caller; the marketplace co-signs and broadcasts (a replay answers the same txid)."""
    text = payload.psbt if payload is not None else ""
    if not text.strip():
        return ok(spend_out(spend, role))
    done = do_sign(check_sign(escrow, api_caller(request), spend=spend, psbt_text=text))
    return ok(spend_out(done, role))


@router.post("/{escrow_id}/release", auth=api_auth,
             response={200: envelope(SpendOut), **errors(429)}, by_alias=True)
def release(request: HttpRequest, escrow_id: str,
            payload: SignIn | None = None) -> dict[str, Any]:
    """Buyer: release the coins to the seller. Without `psbt`, the release transaction to
    sign (`psbt`, base64); with the buyer-signed `psbt`, co-signed and broadcast (`txid`)."""
    me = api_caller(request)
    escrow, role = escrow_for(me, escrow_id)
    return _signed(request, escrow, do_release(escrow, me, fresh=_fresh(payload)),
                   payload, role)


@router.post("/{escrow_id}/refund", auth=api_auth,
             response={200: envelope(SpendOut), **errors(429)}, by_alias=True)
def refund(request: HttpRequest, escrow_id: str,
           payload: SignIn | None = None) -> dict[str, Any]:
    """Seller: refund the buyer (to their refund address); same two steps as release."""
    me = api_caller(request)
    escrow, role = escrow_for(me, escrow_id)
    return _signed(request, escrow, do_refund(escrow, me, fresh=_fresh(payload)),
                   payload, role)


@router.post("/{escrow_id}/auto-release", auth=api_auth,
             response={200: envelope(SpendOut), **errors(429)}, by_alias=True)
def auto_release(request: HttpRequest, escrow_id: str,
                 payload: SignIn | None = None) -> dict[str, Any]:
    """Seller: claim the coins `autoReleaseDays` after shipping when the buyer neither
    released nor disputed; same two steps as release."""
    me = api_caller(request)
    escrow, role = escrow_for(me, escrow_id)
    return _signed(request, escrow, do_claim_auto_release(
        escrow, me, fresh=_fresh(payload)), payload, role)


@router.get("/{escrow_id}/psbt", auth=api_auth, response=envelope(PsbtOut), by_alias=True)
def get_psbt(request: HttpRequest, escrow_id: str, spend: int | None = None,
             format: Literal["json", "file"] = "json") -> Any:
    """The transaction waiting for your signature (or `?spend=<id>`): base64 in JSON, or
    with `?format=file` the binary `.psbt` for Sparrow, Electrum or a hardware wallet.
    Prepare it first: `POST /api/escrow/{id}/release` (buyer), `/refund` or
    `/auto-release` (seller) with no body; a dispute split is prepared by the arbiter's
    decision. Until then this answers 404."""
    escrow, role = escrow_for(api_caller(request), escrow_id)
    if spend is not None:
        found = spend_for(escrow, spend)
        if found is None:
            raise NotFound("No such transaction.")
    else:
        found = spend_waiting_for(escrow, role)
        if found is None:
            raise NotFound("Nothing is waiting for your signature: prepare it first with "
                           "POST /api/escrow/{id}/release (buyer), /refund or /auto-release "
                           "(seller).")
    if format == "file":
        response = HttpResponse(base64.b64decode(found.psbt),
                                content_type="application/octet-stream")
        response["Content-Disposition"] = (f'attachment; filename="{escrow.public_id}-'
                                           f'{found.kind}-{found.pk}.psbt"')
        response["Cache-Control"] = "private, no-store"
        return response
    return ok(psbt_out(found))


_PSBT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": SignedIn.model_json_schema(by_alias=True)},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}}


def _psbt_body(request: HttpRequest) -> tuple[str, bytes]:
    """The signed PSBT as base64 JSON (``{"psbt": …}``) or a binary ``.psbt`` body."""
    if request.content_type == "application/octet-stream":
        if not request.body:
            raise invalid("psbt", "The body is empty: send the signed .psbt file.")
        return "", request.body
    try:
        payload = SignedIn.model_validate_json(request.body or b"null")
    except PydanticError as exc:
        raise ValidationError([dict(e) for e in exc.errors(include_url=False)]) from exc
    return payload.psbt, b""


@router.post("/{escrow_id}/psbt", auth=api_auth, openapi_extra=_PSBT_BODY,
             response={200: envelope(SpendOut), **errors(429)}, by_alias=True)
def upload_psbt(request: HttpRequest, escrow_id: str) -> dict[str, Any]:
    """Upload the PSBT your wallet signed — base64 in JSON, or the binary `.psbt` file as
    an `application/octet-stream` body (hex is refused) — for whichever spend it is
    (release, refund, auto-release or a dispute split): checked against the plan and the
    policy, co-signed and broadcast. A replay answers the same `txid`."""
    me = api_caller(request)
    escrow, role = escrow_for(me, escrow_id)
    text, raw = _psbt_body(request)
    return ok(spend_out(do_sign(check_sign(escrow, me, psbt_text=text, psbt_bytes=raw)), role))


# --- disputes ------------------------------------------------------------------------------------

@router.post("/{escrow_id}/dispute", auth=api_auth,
             response={201: envelope(DisputeOut), **errors(429)}, by_alias=True)
def open_dispute(request: HttpRequest, escrow_id: str,
                 payload: DisputeIn) -> Status[dict[str, Any]]:
    """Buyer or seller: open a dispute on a funded escrow (≥ 10 characters of reason).
    A pending auto-release claim ends; the arbiter decides the split."""
    me = api_caller(request)
    escrow, _role = escrow_for(me, escrow_id)
    dispute = do_open_dispute(escrow, me, payload.reason)
    return Status(201, ok(dispute_out(dispute)))


@router.post("/{escrow_id}/messages", auth=api_auth,
             response={201: envelope(DisputeMessageOut), **errors(429)}, by_alias=True)
def add_message(request: HttpRequest, escrow_id: str,
                payload: DisputeMessageIn) -> Status[dict[str, Any]]:
    """A message in the dispute (text only over the API; photos go through the page)."""
    me = api_caller(request)
    escrow, _role = escrow_for(me, escrow_id)
    return Status(201, ok(message_out(do_add_message(escrow, me, payload.text))))


@router.post("/{escrow_id}/resolve", auth=api_auth, response=envelope(SpendOut), by_alias=True)
def resolve(request: HttpRequest, escrow_id: str, payload: ResolveIn) -> dict[str, Any]:
    """Staff (the arbiter, with 2FA): decide the split; the transaction is prepared for the
    favoured side to sign. Anyone else gets 404."""
    me = api_caller(request)
    escrow, role = escrow_for(me, escrow_id)
    if role != Role.ARBITER:
        raise NotFound("No such escrow.")
    spend = do_resolve(escrow, me, payload.buyer_percent, payload.note)
    return ok(spend_out(spend, role))
