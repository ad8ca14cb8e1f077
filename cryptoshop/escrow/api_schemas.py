"""The shapes of /api/escrow: request bodies (camelCase, unknown fields refused) and the
serialisers that turn escrows, spends, disputes and keys into the API's JSON. Field names
are the public API; amounts end in ``Sat``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from cryptoshop.accounts.models import User
from cryptoshop.btc.cosigner import MAX_EXPORT_CHARS as MAX_KEY_EXPORT_CHARS
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.core.api import CamelSchema, In, paged_envelope
from cryptoshop.escrow import keys
from cryptoshop.escrow.access import may_sign, open_escrow_count
from cryptoshop.escrow.disputes import MAX_MESSAGE
from cryptoshop.escrow.models import Dispute, Escrow, EscrowKey, Role, Spend
from cryptoshop.escrow.planning import fee_percent, outputs_out
from cryptoshop.escrow.spends import auto_release_at
from cryptoshop.payments import actions as pay_actions
from cryptoshop.payments.api import invoice_out

MAX_PSBT_TEXT = 2_000_000


class StrictIn(In):
    """Request bodies: camelCase, and unknown fields refused (so a ``phrase`` is never
    silently taken, nor silently ignored)."""

    model_config = ConfigDict(extra="forbid")


# --- request bodies ------------------------------------------------------------------------------

class KeyIn(StrictIn):
    key: str = Field(max_length=MAX_KEY_EXPORT_CHARS)
    kind: Literal["external", "browser"]
    backup: str = Field(default="", max_length=keys.MAX_BACKUP_CHARS + 100)


class OpenIn(StrictIn):
    order_id: str = Field(max_length=40)
    # Escrow always needs it: refunds and the buyer's share of a split go there.
    refund_address: str = Field(max_length=100, description=(
        "Required: your own address where a refund or your share of a dispute split is "
        "paid."))


class SignIn(StrictIn):
    psbt: str = Field(default="", max_length=MAX_PSBT_TEXT)
    # Prepare the transaction again (today's fee rate, coins that arrived since); the
    # previous unsigned one is superseded. Not with a psbt.
    fresh: bool = False


class SignedIn(StrictIn):
    psbt: str = Field(min_length=1, max_length=MAX_PSBT_TEXT)


class DisputeIn(StrictIn):
    reason: str = Field(max_length=MAX_MESSAGE + 100)


class DisputeMessageIn(StrictIn):
    text: str = Field(max_length=MAX_MESSAGE + 100)


class ResolveIn(StrictIn):
    buyer_percent: int
    note: str = Field(max_length=MAX_MESSAGE + 100)


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
    fee_rate: int  # sat/vB (a rate, not an amount: the public name stays)
    fee_rate_source: str | None = Field(default=None, description=(
        "where the rate came from: estimatesmartfee, mempool (btcd: the node's mempool "
        "tiers), esplora, or default (the node couldn't estimate)"))
    outputs: list[OutputOut]
    fee_sat: int
    psbt: str | None  # base64, only while it waits for a signature
    can_sign: bool  # waiting for the caller's signature
    created_at: datetime
    broadcast_at: datetime | None
    confirmed_at: datetime | None


class DisputeMessageOut(CamelSchema):
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
    messages: list[DisputeMessageOut]
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


EscrowListOut = paged_envelope(EscrowSummaryOut, "EscrowListOut")


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


# --- serialisers ---------------------------------------------------------------------------------

def spend_out(spend: Spend, role: str) -> dict[str, Any]:
    awaiting = spend.status == Spend.Status.AWAITING_SIGNATURE
    return {
        "id": spend.pk, "kind": spend.kind, "signer": spend.signer, "status": spend.status,
        "txid": spend.txid or None, "feeRate": spend.fee_rate_sat_vb,
        "feeRateSource": spend.fee_rate_source or None,
        "outputs": outputs_out(spend), "feeSat": spend.plan["fee_sat"],
        "psbt": spend.psbt if awaiting else None,
        "canSign": awaiting and may_sign(spend, role),
        "createdAt": spend.created_at, "broadcastAt": spend.broadcast_at,
        "confirmedAt": spend.confirmed_at,
    }


def psbt_out(spend: Spend) -> dict[str, Any]:
    return {"spendId": spend.pk, "kind": spend.kind, "signer": spend.signer,
            "status": spend.status, "psbt": spend.psbt, "outputs": outputs_out(spend),
            "feeSat": spend.plan["fee_sat"]}


def message_out(message: Message) -> dict[str, Any]:
    # The shape kept from the dispute messages this replaced (an integer id, "hasEvidence").
    return {"id": message.pk, "role": message.author_role,
            "text": "" if message.hidden else message.body,
            "hasEvidence": bool(message.attachment) and not message.hidden,
            "at": message.created_at}


def dispute_out(dispute: Dispute) -> dict[str, Any]:
    """The dispute, with the order's whole conversation as its messages."""
    thread = Thread.objects.filter(order_id=dispute.escrow.order_id).first()
    messages = list(thread.messages.all()) if thread is not None else []
    return {
        "openedBy": dispute.opened_by, "reason": dispute.reason, "status": dispute.status,
        "buyerPercent": dispute.buyer_percent, "decisionNote": dispute.decision_note or None,
        "messages": [message_out(m) for m in messages],
        "createdAt": dispute.created_at, "decidedAt": dispute.decided_at,
    }


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
        "autoReleaseAt": auto_release_at(escrow),
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
        "role": Role.BUYER if escrow.order.buyer_id == user.pk else Role.SELLER,
        "network": escrow.network, "address": escrow.address,
        "fundedSat": escrow.funded_sat, "createdAt": escrow.created_at,
        "closedAt": escrow.closed_at,
    }


def key_out(key: EscrowKey, user: User) -> dict[str, Any]:
    return {"key": key.expression, "kind": key.kind, "network": key.network,
            "backup": key.backup or None, "openEscrows": open_escrow_count(user),
            "createdAt": key.created_at}
