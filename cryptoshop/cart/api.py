"""/api/cart: the account's cart — the same cart as the /cart/ pages, over the same
actions — so an API client fills it and checks out with `POST /api/orders
{"fromCart": true}`. Each account sees and changes only its own cart."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import ConfigDict, Field

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.cart import actions
from cryptoshop.cart.models import Cart
from cryptoshop.core.api import CamelSchema, In, envelope, ok
from cryptoshop.core.errors import NotFound

router = Router(tags=["cart"])


class CartItemOut(CamelSchema):
    id: int
    product_id: str
    title: str
    kind: str
    quantity: int
    price_mode: str
    unit_price_sat: int | None
    line_sat: int | None = Field(description="sat-priced lines; fiat-priced lines are "
                                 "converted at checkout")
    unit_price_fiat: str | None
    fiat_currency: str | None
    problem: str | None = Field(description="why this line can't be bought now")


class ShippingOptionOut(CamelSchema):
    id: int
    name: str
    regions: str
    cost_sat: int


class CartStoreOut(CamelSchema):
    store: dict[str, str]
    items: list[CartItemOut]
    items_sat: int
    needs_shipping: bool
    shipping_options: list[ShippingOptionOut]


class CartOut(CamelSchema):
    stores: list[CartStoreOut]
    count: int = Field(description="items in the cart (quantities added up)")


def cart_out(cart: Cart | None) -> dict[str, Any]:
    groups = actions.cart_groups(cart)
    return {"stores": [{
        "store": {"id": g.store.public_id, "slug": g.store.slug, "name": g.store.name},
        "items": [{
            "id": line.item.pk, "productId": line.listing.public_id,
            "title": line.listing.title, "kind": line.listing.kind,
            "quantity": line.item.quantity, "priceMode": line.listing.price_mode,
            "unitPriceSat": line.listing.price_sat if line.line_sat is not None else None,
            "lineSat": line.line_sat,
            "unitPriceFiat": str(line.listing.price_fiat) if line.line_fiat is not None
            else None,
            "fiatCurrency": line.listing.fiat_currency if line.line_fiat is not None else None,
            "problem": line.problem or None} for line in g.lines],
        "itemsSat": g.items_sat, "needsShipping": g.needs_shipping,
        "shippingOptions": [{"id": o.pk, "name": o.name, "regions": o.regions,
                             "costSat": o.cost_sat} for o in g.shipping_options],
    } for g in groups], "count": actions.cart_count(cart)}


@router.get("", auth=api_auth, response=envelope(CartOut), by_alias=True)
def get_cart(request: HttpRequest) -> dict[str, Any]:
    """Your cart, by store, each line checked against the listing as it is now."""
    return ok(cart_out(actions.account_cart(api_caller(request))))


class CartAddIn(In):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(max_length=40)
    quantity: int = Field(default=1, ge=1, le=actions.MAX_QUANTITY)


@router.post("", auth=api_auth, response={201: envelope(CartOut)}, by_alias=True)
def add_to_cart(request: HttpRequest, payload: CartAddIn) -> Status[dict[str, Any]]:
    """Add a listing (quantities add up, within its stock)."""
    me = api_caller(request)
    cart = actions.account_cart(me, create=True)
    assert cart is not None
    item = actions.do_add_to_cart(cart, payload.product_id, payload.quantity, user=me)
    return Status(201, ok(cart_out(cart), f"Added “{item.listing.title}”."))


class QuantityIn(In):
    quantity: int = Field(ge=1, le=actions.MAX_QUANTITY)


@router.put("/{item_id}", auth=api_auth, response=envelope(CartOut), by_alias=True)
def set_quantity(request: HttpRequest, item_id: int, payload: QuantityIn) -> dict[str, Any]:
    """Change a line's quantity."""
    cart = _own_cart(request)
    actions.do_set_quantity(cart, item_id, payload.quantity)
    return ok(cart_out(cart))


@router.delete("/{item_id}", auth=api_auth, response=envelope(CartOut), by_alias=True)
def remove_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """Remove a line."""
    cart = _own_cart(request)
    actions.do_remove(cart, item_id)
    return ok(cart_out(cart), "Removed.")


@router.delete("", auth=api_auth, response=envelope(CartOut), by_alias=True)
def clear_cart(request: HttpRequest) -> dict[str, Any]:
    """Empty your cart."""
    cart = actions.account_cart(api_caller(request))
    if cart is not None:
        actions.do_clear(cart)
    return ok(cart_out(cart), "Cart emptied.")


def _own_cart(request: HttpRequest) -> Cart:
    cart = actions.account_cart(api_caller(request))
    if cart is None:
        raise NotFound("That item is not in your cart.")
    return cart
