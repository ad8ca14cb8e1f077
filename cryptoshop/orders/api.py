"""/api/orders: place orders, list and read yours (as buyer or seller), change status."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.cart.actions import account_cart
from cryptoshop.core.api import (
    CamelSchema,
    In,
    Limit,
    Page,
    envelope,
    errors,
    ok,
    paged,
    paged_envelope,
)
from cryptoshop.core.errors import ActionError, Conflict, ValidationFailed
from cryptoshop.core.pagination import paginate
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.orders import actions
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.orders.registry import ORDER_PAYMENT
from cryptoshop.stores.key_auth import KeyNotAllowed, api_key_of, key_or_account
from cryptoshop.stores.models import Store

router = Router(tags=["orders"])


class OrderItemOut(CamelSchema):
    product_id: str | None
    title: str
    kind: str
    quantity: int
    unit_price_sat: int | None
    unit_price_fiat: str | None
    fiat_currency: str | None


class OrderEventOut(CamelSchema):
    status: str
    actor: str
    note: str
    at: datetime


class OrderOut(CamelSchema):
    id: str
    status: str
    role: str
    store: dict[str, str]
    items: list[OrderItemOut]
    items_sat: int
    fiat_total: str | None
    fiat_currency: str | None
    shipping_name: str | None
    shipping_sat: int
    total_sat: int | None
    shipping_address: str | None
    note: str | None
    ship_note: str | None
    reserved_until: datetime
    payment: dict[str, Any] | None
    events: list[OrderEventOut]
    created_at: datetime
    updated_at: datetime


def order_out(order: Order, role: str, *, detail: bool = True) -> dict[str, Any]:
    return {
        "id": order.public_id, "status": order.status, "role": role,
        "store": {"id": order.store.public_id, "slug": order.store.slug,
                  "name": order.store.name},
        "items": [{"productId": i.listing.public_id if i.listing else None, "title": i.title,
                   "kind": i.kind, "quantity": i.quantity, "unitPriceSat": i.unit_price_sat,
                   "unitPriceFiat": str(i.unit_price_fiat) if i.unit_price_fiat is not None
                   else None, "fiatCurrency": i.fiat_currency or None}
                  for i in order.items.all()],
        "itemsSat": order.items_sat,
        "fiatTotal": str(order.fiat_total) if order.fiat_currency else None,
        "fiatCurrency": order.fiat_currency or None,
        "shippingName": order.shipping_name or None, "shippingSat": order.shipping_sat,
        "totalSat": order.total_sat,
        # Only the two parties ever reach this function (order_for_party / lists).
        "shippingAddress": (order.shipping_address or None) if detail else None,
        "note": (order.buyer_note or None) if detail else None,
        "shipNote": order.ship_note or None, "reservedUntil": order.reserved_until,
        "payment": ORDER_PAYMENT.get().api_out(order) if detail else None,
        "events": [{"status": e.to_status, "actor": e.actor_role, "note": e.note,
                    "at": e.created_at} for e in order.events.all()] if detail else [],
        "createdAt": order.created_at, "updatedAt": order.updated_at,
    }



OrderListOut = paged_envelope(OrderOut, "OrderListOut")
# Order.Status.values ("" = any); tests/app/test_openapi.py holds the two together.
OrderStatus = Literal["", "pending_payment", "paid", "shipped", "completed", "cancelled",
                      "expired", "refunded"]


@router.get("", auth=key_or_account("orders:read"), response=OrderListOut, by_alias=True)
def list_orders(request: HttpRequest, role: Literal["buyer", "seller"] = "buyer",
                status: OrderStatus = "", page: Page = 1,
                limit: Limit = 20) -> dict[str, Any]:
    """Your orders as a buyer (default) or your store's orders (`role=seller`; a store API
    key with `orders:read` may ask for these only)."""
    me = api_caller(request)
    if role != "seller" and api_key_of(request) is not None:
        raise KeyNotAllowed("A store API key reads the store's orders: add role=seller.")
    qs = actions.orders_of_buyer(me) if role == "buyer" else actions.orders_of_seller(me)
    if status:
        qs = qs.filter(status=status)
    qs = qs.prefetch_related("items__listing").order_by("-created_at")
    items, pagination = paginate(qs, page, limit)
    return paged([order_out(o, role, detail=False) for o in items], pagination)


class ItemIn(In):
    product_id: str = Field(max_length=40)
    quantity: int = Field(ge=1, le=100)


class ShippingChoiceIn(In):
    store_id: str = Field(max_length=40)
    shipping_option_id: int


class OrderIn(In):
    items: list[ItemIn] = Field(default_factory=list, max_length=50, description=(
        "what to buy; or leave it out and send fromCart: true"))
    from_cart: bool = Field(default=False, description=(
        "check out your cart (/api/cart) instead of `items`: the bought lines leave it"))
    shipping: list[ShippingChoiceIn] = Field(default_factory=list, max_length=50)
    shipping_address: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=1000)


class OrdersCreatedOut(CamelSchema):
    orders: list[OrderOut]


@router.post("", auth=api_auth, response={201: envelope(OrdersCreatedOut), **errors(429)},
             by_alias=True)
def create_orders(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    """Place orders for these items, or for your cart (`fromCart: true`): one order per
    store, stock reserved until `reservedUntil`. Give a shipping option per store selling
    physical goods."""
    me = api_caller(request)
    if payload.from_cart == bool(payload.items):
        raise ValidationFailed({"items": ["Give the items to buy, or fromCart: true (not "
                                          "both)."]})
    stores = {s.public_id: s.pk for s in Store.objects.filter(
        public_id__in=[c.store_id for c in payload.shipping])}
    data = actions.CheckoutInput(
        shipping={stores[c.store_id]: c.shipping_option_id for c in payload.shipping
                  if c.store_id in stores},
        address=payload.shipping_address, note=payload.note)
    if payload.from_cart:
        cart = account_cart(me)
        if cart is None:
            raise ActionError("Your cart is empty.", code="empty_cart")
        orders = actions.do_checkout(me, cart, data, client_ip=client_ip(request))
    else:
        orders = actions.do_checkout_items(
            me, [(i.product_id, i.quantity) for i in payload.items], data,
            client_ip=client_ip(request))
    return Status(201, ok({"orders": [order_out(o, OrderEvent.Actor.BUYER) for o in orders]}))


@router.get("/{order_id}", auth=key_or_account("orders:read"), response=envelope(OrderOut),
            by_alias=True)
def get_order(request: HttpRequest, order_id: str) -> dict[str, Any]:
    """Your order (as buyer or as the store's seller); anyone else's is 404. A store API
    key (`orders:read`) reads its store's orders only."""
    if api_key_of(request) is not None:
        order = actions.order_for_seller(api_caller(request), order_id)
        return ok(order_out(order, OrderEvent.Actor.SELLER))
    order, role = actions.order_for_party(api_caller(request), order_id)
    return ok(order_out(order, role))


class OrderUpdateIn(In):
    status: Literal["shipped", "cancelled", "completed"]
    note: str = Field(default="", max_length=500)


@router.put("/{order_id}", auth=api_auth, response=envelope(OrderOut), by_alias=True)
def update_order(request: HttpRequest, order_id: str, payload: OrderUpdateIn) -> dict[str, Any]:
    """Seller: `shipped` (paid orders) or `cancelled` (unpaid). Buyer: `completed`
    (received a shipped order) or `cancelled` (unpaid)."""
    me = api_caller(request)
    order, role = actions.order_for_party(me, order_id)
    if payload.status == "cancelled":
        actions.do_cancel(order, me, role=role, reason=payload.note)
    elif payload.status == "shipped" and role == OrderEvent.Actor.SELLER:
        actions.do_mark_shipped(order, me, payload.note)
    elif payload.status == "completed" and role == OrderEvent.Actor.BUYER:
        actions.do_confirm_received(order, me)
    else:
        raise ActionError(f"As the {role} you can't set this order to {payload.status}.",
                          code="transition_not_allowed")
    order.refresh_from_db()
    return ok(order_out(order, role))


class CancelIn(In):
    reason: str = Field(default="", max_length=300)


@router.post("/{order_id}/cancel", auth=api_auth, response={200: envelope(OrderOut),
                                                            **errors(409)}, by_alias=True)
def cancel_order(request: HttpRequest, order_id: str,
                 payload: CancelIn | None = None) -> dict[str, Any]:
    """Cancel: an unpaid order (buyer or seller; the stock goes back), or a paid direct-mode
    order that isn't shipped (seller only; then send the refund: `POST
    /api/orders/{id}/refund`). Escrow orders are refunded through their escrow
    (`escrow_mode`)."""
    me = api_caller(request)
    order, role = actions.order_for_party(me, order_id)
    reason = payload.reason if payload else ""
    if order.status == Order.Status.PAID:
        if role != OrderEvent.Actor.SELLER:
            raise Conflict("A paid order can only be cancelled by the seller, who refunds "
                           "it; ask them.", code="not_seller")
        actions.do_cancel_paid(order, me, reason)
    else:
        actions.do_cancel(order, me, role=role, reason=reason)
    order.refresh_from_db()
    return ok(order_out(order, role))
