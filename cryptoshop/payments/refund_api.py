"""/api/orders/{id}/refund: see and start the refund of a direct-mode order (the seller
pays it from their own wallet; the watcher sees it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.btc.qr import qr_svg
from cryptoshop.core.api import CamelSchema, In, envelope, errors, ok
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments import refunds

router = Router(tags=["payments"])
MAX_SAT = 21_000_000 * 100_000_000


class RefundOut(CamelSchema):
    id: str
    kind: str
    status: str
    address: str
    amount_sat: int
    received_sat: int
    confirmed_sat: int
    due_sat: int
    txids: list[str]
    bip21: str
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None


class RefundOverviewOut(CamelSchema):
    order_id: str
    order_status: str
    mode: str
    refund_address: str | None
    received_sat: int
    refunded_sat: int
    owed_sat: int
    cancel_and_refund_sat: int
    refunds: list[RefundOut]


class RefundStartedOut(RefundOverviewOut):
    refund: RefundOut
    qr_svg: str


class RefundIn(In):
    amount_sat: int | None = Field(default=None, ge=1, le=MAX_SAT, description=(
        "Sats to send back; omitted: everything owed. Less makes a partial refund."))
    leftover: bool = Field(default=False, description=(
        "Return only what is owed (an overpayment, an unfinished payment) without "
        "cancelling a paid order. Without it, a paid order is cancelled and refunded."))


def _overview(order: Any) -> dict[str, Any]:
    return {"orderId": order.public_id, "orderStatus": order.status,
            **refunds.refund_overview(order)}


@router.get("/{order_id}/refund", auth=api_auth, response=envelope(RefundOverviewOut),
            by_alias=True)
def get_refund(request: HttpRequest, order_id: str) -> dict[str, Any]:
    """The order's refunds (buyer or seller): the refund address, sats received, refunded
    and still owed back, and each refund's state (`waiting`, `seen`, `confirmed`)."""
    order, _role = order_actions.order_for_party(api_caller(request), order_id)
    return ok(_overview(order))


@router.post("/{order_id}/refund", auth=api_auth,
             response={201: envelope(RefundStartedOut), **errors(403, 409)}, by_alias=True)
def start_refund(request: HttpRequest, order_id: str,
                 payload: RefundIn | None = None) -> Status[dict[str, Any]]:
    """Seller: cancel a paid direct-mode order and refund it, or (`leftover`) return an
    overpayment or an unfinished payment. Answers the request to pay from your own wallet
    (`refund.bip21`, `qrSvg`). Errors: `not_seller` 403, `escrow_mode`, `not_paid`,
    `no_refund_address`, `already_refunding`, `address_busy`, `nothing_owed` 409,
    `amount_too_large` 400."""
    me = api_caller(request)
    order, _role = order_actions.order_for_party(me, order_id)
    body = payload or RefundIn()
    refund = refunds.do_start_refund(order, me, amount_sat=body.amount_sat,
                                     leftover=body.leftover)
    order.refresh_from_db()
    return Status(201, ok({**_overview(order), "refund": refunds.refund_out(refund),
                           "qrSvg": qr_svg(refunds.refund_uri(refund, qr=True))}))
