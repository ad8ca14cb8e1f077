"""The authorization matrix: owner / other account / anonymous / staff, for every object
page and endpoint. Others' private objects are 404, never 403 (no existence oracle)."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.accounts import actions as account_actions
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from tests.factories import (
    Account,
    enable_2fa,
    fresh_code,
    listing,
    make_account,
    operator,
    seller,
)

pytestmark = pytest.mark.django_db
ADDRESS = "Jane Doe, 1 Secret Lane, Springfield"


def _client(acct: Account | None) -> Client:
    client = Client()
    if acct is not None:
        client.post("/accounts/login/", {"token": acct.token})
        if acct.user.totp_enabled:
            client.post("/accounts/login/code/", {"code": fresh_code(acct.user)})
    return client


@pytest.fixture
def world() -> dict[str, object]:
    owner, store = seller("Owner Store", "owner-store")
    draft = listing(store, "Secret draft", status="draft")
    public = listing(store, "Public hat")
    buyer = make_account()
    stranger = make_account()
    reg = account_actions.do_create_operator(display_name="the_staff")
    staff = Account(reg.user, reg.token)
    enable_2fa(staff)
    cart_client = _client(buyer)
    cart_client.post("/cart/add/", {"listing": public.public_id, "quantity": "1"})
    cart_client.post("/checkout/", {"shipping_address": ADDRESS,
                                    f"shipping_{store.pk}": store.shipping_options.first().pk})
    order = Order.objects.get()
    return {"owner": owner, "store": store, "draft": draft, "public": public, "buyer": buyer,
            "stranger": stranger, "staff": staff, "order": order}




@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), ("stranger", 404), (None, 404), ("staff", 200)],
)
def test_draft_listing_page(world: dict, who: str | None, expected: int) -> None:
    draft = world["draft"]
    client = _client(world[who] if who else None)
    assert client.get(f"/l/{draft.public_id}/{draft.slug}/").status_code == expected
    assert client.get(f"/api/products/{draft.public_id}").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 200), ("stranger", 404), ("buyer", 404), ("staff", 404)],
)
def test_seller_edit_pages(world: dict, who: str, expected: int) -> None:
    draft = world["draft"]
    client = _client(world[who])
    # Not a seller at all: 403 "open a store first"; a seller, but not this listing: 404.
    assert client.get(f"/sell/listings/{draft.public_id}/").status_code in (
        {expected} if expected == 200 else {403, 404})
    put = client.put(f"/api/products/{draft.public_id}", data={"title": "Hijacked"},
                     content_type="application/json",
                     headers={"X-CSRFToken": client.cookies["cs_csrftoken"].value}
                     if "cs_csrftoken" in client.cookies else {})
    assert put.status_code == expected
    draft.refresh_from_db()
    assert draft.title == "Secret draft" or who == "owner"


def test_anonymous_seller_pages_redirect_to_login(world: dict) -> None:
    draft = world["draft"]
    for url in ["/sell/", f"/sell/listings/{draft.public_id}/", "/sell/orders/", "/orders/"]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().get(f"/api/products/{draft.public_id}").status_code == 404
    assert Client().delete(f"/api/products/{draft.public_id}").status_code == 401


@pytest.mark.parametrize(
    ("who", "buyer_page", "seller_page", "api"),
    [
        ("buyer", 200, 404, 200),
        ("owner", 404, 200, 200),
        ("stranger", 404, 404, 404),
        ("staff", 404, 404, 404),
    ],
)
def test_order_pages_and_api(world: dict, who: str, buyer_page: int, seller_page: int,
                             api: int) -> None:
    order = world["order"]
    client = _client(world[who])
    b = client.get(f"/orders/{order.public_id}/")
    s = client.get(f"/sell/orders/{order.public_id}/")
    a = client.get(f"/api/orders/{order.public_id}")
    assert (b.status_code, s.status_code, a.status_code) == (buyer_page, seller_page, api)
    for response in (b, s, a):
        shows_address = "Secret Lane" in response.content.decode()
        assert shows_address == (response.status_code == 200)


def test_order_api_anonymous_is_401(world: dict) -> None:
    order = world["order"]
    assert Client().get(f"/api/orders/{order.public_id}").status_code == 401
    assert Client().get("/api/orders").status_code == 401


def test_stranger_cannot_act_on_the_order(world: dict) -> None:
    order = world["order"]
    stranger = _client(world["stranger"])
    assert stranger.post(f"/orders/{order.public_id}/cancel/").status_code == 404
    assert stranger.post(f"/sell/orders/{order.public_id}/ship/", {"note": "x"}).status_code == 404
    order_actions.do_mark_paid(order)
    buyer = _client(world["buyer"])
    # A buyer can't mark their own order shipped through the seller's endpoint.
    assert buyer.post(f"/sell/orders/{order.public_id}/ship/", {"note": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.status == "paid"


def test_store_api_owner_only(world: dict) -> None:
    store = world["store"]
    for who in ("stranger", "buyer"):
        client = _client(world[who])
        response = client.put(f"/api/sellers/{store.public_id}", data={"name": "Mine now"},
                              content_type="application/json",
                              headers={"X-CSRFToken": client.cookies["cs_csrftoken"].value})
        assert response.status_code == 404
    store.refresh_from_db()
    assert store.name == "Owner Store"


def test_others_lists_never_include_my_orders(world: dict) -> None:
    stranger = _client(world["stranger"])
    assert stranger.get("/api/orders").json()["data"] == []
    assert stranger.get("/api/orders?role=seller").json()["data"] == []
    assert b"No orders yet" in stranger.get("/orders/").content


def test_staff_without_2fa_see_no_hidden_listings(client: Client) -> None:
    _, store = seller()
    draft = listing(store, "Secret draft", status="draft")
    lazy = operator(two_factor=False)
    client.post("/accounts/login/", {"token": lazy.token})
    assert client.get(f"/l/{draft.public_id}/").status_code == 404
    api = client.get(f"/api/products/{draft.public_id}", HTTP_AUTHORIZATION=f"Bearer {lazy.token}")
    assert api.status_code == 404
