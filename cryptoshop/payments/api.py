"""The payment endpoints: /api/bitcoin/address, /api/bitcoin/transactions,
/api/blockchain/confirmations, /api/blockchain/monitor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from annotated_types import MaxLen
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.btc.qr import qr_svg
from cryptoshop.chain import configured, netstats
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.chain.values import NetworkStats
from cryptoshop.core.api import CamelSchema, In, Text, envelope, errors, ok
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments import actions
from cryptoshop.payments.models import Invoice, Payment, WatcherState

bitcoin_router = Router(tags=["payments"])
Address = Annotated[Text, MaxLen(100)]
Txid = Annotated[Text, MaxLen(100)]
blockchain_router = Router(tags=["payments"])


class ChainUnavailable(ActionError):
    status = 503
    code = "chain_unavailable"



def invoice_out(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoiceId": invoice.public_id, "orderId": invoice.order.public_id,
        "status": invoice.status, "address": invoice.address, "network": invoice.network,
        "amountSat": invoice.amount_sat, "paidSat": invoice.paid_sat,
        "dueSat": invoice.due_sat, "confirmedSat": invoice.confirmed_sat,
        "requiredConfirmations": invoice.required_confirmations,
        "paidPartial": invoice.paid_partial, "paidOver": invoice.paid_over,
        "paidLate": invoice.paid_late, "bip21": actions.bip21_uri(invoice),
        "expiresAt": invoice.expires_at, "watchUntil": invoice.watch_until,
        "rate": invoice.rate_snapshot.receipt() if invoice.rate_snapshot else None,
    }


class InvoiceOut(CamelSchema):
    invoice_id: str
    order_id: str
    status: str
    address: str
    network: str
    amount_sat: int
    paid_sat: int
    due_sat: int
    confirmed_sat: int
    required_confirmations: int
    paid_partial: bool
    paid_over: bool
    paid_late: bool
    bip21: str
    expires_at: datetime
    watch_until: datetime
    rate: dict[str, Any] | None
    qr_svg: str | None = None


class AddressIn(In):
    order_id: str = Field(max_length=40)
    refund_address: str = Field(default="", max_length=100, description=(
        "Required when the store takes payment into escrow (refunds and your share of a "
        "dispute split are paid there); ignored for direct payments."))


@bitcoin_router.post("/address", auth=api_auth, response={200: envelope(InvoiceOut),
                                                           201: envelope(InvoiceOut),
                                                           **errors(429)},
                     by_alias=True)
def payment_address(request: HttpRequest, payload: AddressIn) -> Status[dict[str, Any]]:
    """The payment address for your order: creates the invoice (201) the first time, or
    returns the open one (200). Amount fixed in sats; `bip21` and `qrSvg` to show it."""
    me = api_caller(request)
    order = order_actions.order_for_buyer(me, payload.order_id)
    invoice = actions.open_invoice(order)
    status = 200
    if invoice is None or invoice.expired_unpaid:
        # Omitted: the buyer's default refund address (account settings), if any.
        invoice = actions.do_create_invoice(
            order, me, refund_address=payload.refund_address or me.default_refund_address,
            client_ip=client_ip(request))
        status = 201
    data = invoice_out(invoice)
    data["qrSvg"] = qr_svg(actions.bip21_uri(invoice, qr=True))
    return Status(status, ok(data))


class PaymentOut(CamelSchema):
    txid: str
    vout: int
    value_sat: int
    state: str
    block_height: int | None
    confirmations: int
    rbf: bool
    seen_at: datetime
    invoice_id: str


@bitcoin_router.get("/transactions", auth=api_auth, response=envelope(list[PaymentOut]),
                    by_alias=True)
def transactions(request: HttpRequest, address: Address) -> dict[str, Any]:
    """Payments seen to one of your invoices' addresses (as buyer or seller)."""
    me = api_caller(request)
    payments = Payment.objects.filter(invoice__address=address.strip()).filter(
        Q(invoice__order__buyer=me) | Q(invoice__order__store__owner=me)).select_related(
        "invoice")
    state = WatcherState.objects.filter(name="chain").first()
    tip = state.tip_height if state and state.tip_height is not None else None
    return ok([{
        "txid": p.txid, "vout": p.vout, "valueSat": p.value_sat, "state": p.state,
        "blockHeight": p.block_height,
        "confirmations": 0 if p.block_height is None or tip is None
        else max(0, tip - p.block_height + 1),
        "rbf": p.rbf, "seenAt": p.seen_at, "invoiceId": p.invoice.public_id,
    } for p in payments])


class ConfirmationsOut(CamelSchema):
    txid: str
    in_mempool: bool
    block_hash: str | None
    block_height: int | None
    confirmations: int


@blockchain_router.get("/confirmations", auth=api_auth,
                       response={200: envelope(ConfirmationsOut), **errors(503)},
                       by_alias=True)
def confirmations(request: HttpRequest, txid: Txid) -> dict[str, Any]:
    """Where a transaction stands now; confirmations = tip - height + 1."""
    txid = txid.strip().lower()
    if len(txid) != 64 or any(c not in "0123456789abcdef" for c in txid):
        raise ActionError("txid must be 64 hex characters.", field="txid")
    try:
        status = configured.backend().get_tx_status(txid)
    except configured.ChainNotConfigured as exc:
        raise ChainUnavailable(str(exc)) from exc
    except TxNotFound as exc:
        raise NotFound("That transaction is neither in the mempool nor in the chain.") from exc
    except ChainError as exc:
        raise ChainUnavailable(f"The node did not answer: {exc}") from exc
    return ok({"txid": status.txid, "inMempool": status.in_mempool,
               "blockHash": status.block_hash, "blockHeight": status.block_height,
               "confirmations": status.confirmations})


class MonitorOut(CamelSchema):
    network: str
    backend: str
    tip_height: int | None
    processed_height: int | None
    lag_blocks: int | None
    last_block_time: datetime | None
    last_poll_at: datetime | None
    seconds_since_poll: int | None
    last_error: str | None
    watched_invoices: int


@blockchain_router.get("/monitor", response=envelope(MonitorOut), by_alias=True)
def monitor(request: HttpRequest) -> dict[str, Any]:
    """The chain watcher's status: the node's tip, how far the watcher has processed, the
    last block's time, when it last polled."""
    state = WatcherState.objects.filter(name="chain").first()
    node_tip = None
    error = state.last_error if state and state.last_error else None
    try:
        node_tip = configured.backend().get_tip().height
    except configured.ChainNotConfigured as exc:
        error = str(exc)
    except ChainError as exc:
        error = f"node unavailable: {exc}"
    processed = state.cursor_height if state else None
    now = timezone.now()
    return ok({
        "network": configured.network(), "backend": _backend_name(),
        "tipHeight": node_tip, "processedHeight": processed,
        "lagBlocks": None if node_tip is None or processed is None else node_tip - processed,
        "lastBlockTime": state.tip_time if state else None,
        "lastPollAt": state.last_poll_at if state else None,
        "secondsSincePoll": int((now - state.last_poll_at).total_seconds())
        if state and state.last_poll_at else None,
        "lastError": error,
        "watchedInvoices": Invoice.objects.filter(watch_until__gt=now).count(),
    })


def _backend_name() -> str:
    return str(settings.CHAIN_BACKEND)


class MempoolOut(CamelSchema):
    count: int
    vsize: int


class FeesOut(CamelSchema):
    source: str = Field(description="estimatesmartfee (the node's estimator), mempool "
                        "(tiers of the node's mempool: btcd has no estimator) or esplora")
    next_block_sat_vb: int
    half_hour_sat_vb: int = Field(description="~3 blocks")
    hour_sat_vb: int = Field(description="~6 blocks")
    economy_sat_vb: int = Field(description="~144 blocks (a day)")
    percentiles_sat_vb: dict[str, int | None] | None = Field(description=(
        "mempool source only: vsize-weighted percentiles p10…p90 of the mempool's fee "
        "rates (null values: empty mempool)"))


class NetworkStatsOut(CamelSchema):
    network: str
    height: int
    tip_hash: str
    difficulty: str = Field(description="decimal string, as the node reports it")
    hashrate_hs: int = Field(description="estimate: difficulty × 2^32 / 600, hashes/s")
    mempool: MempoolOut
    fees: FeesOut
    max_age_seconds: int = Field(description="the figures are reused this long")


def stats_out(stats: NetworkStats) -> dict[str, Any]:
    tiers = stats.fees.tiers_sat_vb
    pct = stats.fees.percentiles_sat_vb
    return {
        "network": configured.network(), "height": stats.height, "tipHash": stats.tip_hash,
        "difficulty": str(stats.difficulty), "hashrateHs": stats.hashrate_hs,
        "mempool": {"count": stats.mempool_count, "vsize": stats.mempool_vsize},
        "fees": {"source": stats.fees.source, "nextBlockSatVb": tiers["nextBlock"],
                 "halfHourSatVb": tiers["halfHour"], "hourSatVb": tiers["hour"],
                 "economySatVb": tiers["economy"],
                 "percentilesSatVb": {f"p{p}": v for p, v in pct.items()} if pct else None},
        "maxAgeSeconds": settings.NETWORK_STATS_CACHE_SECONDS,
    }


@blockchain_router.get("/stats", response={200: envelope(NetworkStatsOut), **errors(503)},
                       by_alias=True)
def network_stats(request: HttpRequest) -> dict[str, Any]:
    """Our node's view of the network: height, difficulty, a hash-rate estimate, mempool
    size and fee-rate estimates with their source. Cached (`maxAgeSeconds`); 503
    `chain_unavailable` when the node can't answer."""
    try:
        return ok(stats_out(netstats.network_stats()))
    except netstats.StatsUnavailable as exc:
        raise ChainUnavailable(str(exc)) from exc
