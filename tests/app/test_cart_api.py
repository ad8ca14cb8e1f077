"""/api/cart and POST /api/orders {"fromCart": true}: the account's one cart (the same the
/cart/ pages show), filled, changed, emptied and checked out over the cart actions. One
account can't see or touch another's cart."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.cart.models import Cart
from tests.api_calls import bearer_call as call
from tests.factories import add_to_cart, listing, make_account, seller

pytestmark = pytest.mark.django_db


def test_add_list_change_remove_clear() -> None:
    _, store = seller()
    hat = listing(store, price_sat=25_000, stock=5)
    scarf = listing(store, "Red scarf", price_sat=40_000)
    buyer = make_account()
    assert call("get", "/api/cart", buyer.token).json()["data"] == {"stores": [], "count": 0}
    added = call("post", "/api/cart", buyer.token, {"productId": hat.public_id, "quantity": 2})
    assert added.status_code == 201, added.content
    call("post", "/api/cart", buyer.token, {"productId": scarf.public_id})
    data = call("get", "/api/cart", buyer.token).json()["data"]
    assert data["count"] == 3
    [group] = data["stores"]
    assert group["itemsSat"] == 2 * 25_000 + 40_000 and group["needsShipping"] is True
    assert [(i["productId"], i["quantity"], i["lineSat"]) for i in group["items"]] == [
        (hat.public_id, 2, 50_000), (scarf.public_id, 1, 40_000)]
    assert group["shippingOptions"][0]["costSat"] == 5_000
    hat_line = group["items"][0]["id"]
    too_many = call("post", "/api/cart", buyer.token, {"productId": hat.public_id,
                                                      "quantity": 4})
    assert too_many.status_code == 400 and "Only 5 left" in too_many.json()["message"]
    changed = call("put", f"/api/cart/{hat_line}", buyer.token, {"quantity": 1})
    assert changed.json()["data"]["count"] == 2
    removed = call("delete", f"/api/cart/{hat_line}", buyer.token)
    assert [i["productId"] for i in removed.json()["data"]["stores"][0]["items"]] == [
        scarf.public_id]
    cleared = call("delete", "/api/cart", buyer.token)
    assert cleared.json()["data"] == {"stores": [], "count": 0}
    assert call("post", "/api/cart", buyer.token, {"productId": "nope"}).status_code == 404


def test_the_api_cart_is_the_pages_cart() -> None:
    _, store = seller()
    hat = listing(store)
    buyer = make_account()
    add_to_cart(buyer.user, hat)  # through the pages' cart action
    data = call("get", "/api/cart", buyer.token).json()["data"]
    assert data["count"] == 1
    page = Client()
    page.force_login(buyer.user)
    call("post", "/api/cart", buyer.token, {"productId": listing(store, "Mitts").public_id})
    assert "Mitts" in page.get("/cart/").content.decode()


def test_checkout_from_cart() -> None:
    _owner, store = seller()
    hat = listing(store, price_sat=25_000, stock=3)
    buyer = make_account()
    call("post", "/api/cart", buyer.token, {"productId": hat.public_id, "quantity": 2})
    empty = call("post", "/api/orders", buyer.token, {"fromCart": False})
    assert empty.status_code == 400
    both = call("post", "/api/orders", buyer.token, {
        "fromCart": True, "items": [{"productId": hat.public_id, "quantity": 1}]})
    assert both.status_code == 400
    no_shipping = call("post", "/api/orders", buyer.token, {"fromCart": True})
    assert no_shipping.status_code == 400  # physical goods need a shipping choice
    option = store.shipping_options.get()
    made = call("post", "/api/orders", buyer.token, {
        "fromCart": True, "shipping": [{"storeId": store.public_id,
                                        "shippingOptionId": option.pk}],
        "shippingAddress": "1 Main Street, Town"})
    assert made.status_code == 201, made.content
    [order] = made.json()["data"]["orders"]
    assert order["itemsSat"] == 50_000 and order["shippingSat"] == 5_000
    assert order["items"][0]["quantity"] == 2
    assert call("get", "/api/cart", buyer.token).json()["data"]["count"] == 0  # bought lines go
    hat.refresh_from_db()
    assert hat.stock == 1  # reserved
    again = call("post", "/api/orders", buyer.token, {"fromCart": True})
    assert again.status_code == 400 and again.json()["error"] == "empty_cart"
    new_buyer = make_account()
    assert call("post", "/api/orders", new_buyer.token, {"fromCart": True}).json()[
        "error"] == "empty_cart"


def test_one_account_cant_touch_anothers_cart() -> None:
    _, store = seller()
    hat = listing(store)
    alice, bob = make_account(), make_account()
    call("post", "/api/cart", alice.token, {"productId": hat.public_id})
    line = Cart.objects.get(user=alice.user).items.get().pk
    assert call("get", "/api/cart", bob.token).json()["data"]["count"] == 0
    call("post", "/api/cart", bob.token, {"productId": listing(store, "Mitts").public_id})
    assert call("delete", f"/api/cart/{line}", bob.token).status_code == 404
    assert call("put", f"/api/cart/{line}", bob.token, {"quantity": 3}).status_code == 404
    call("delete", "/api/cart", bob.token)
    assert Cart.objects.get(user=alice.user).items.get().quantity == 1
    assert Client().get("/api/cart").status_code == 401
    assert call("post", "/api/orders", bob.token, {"fromCart": True}).json()["error"] == (
        "empty_cart")
    assert Cart.objects.get(user=alice.user).items.count() == 1


def test_own_listing_refused() -> None:
    owner, store = seller()
    hat = listing(store)
    answer = call("post", "/api/cart", owner.token, {"productId": hat.public_id})
    assert answer.status_code == 400 and "your own" in answer.json()["message"]
