"""What a fuzzer sends, answered as the schema says: NUL characters, non-object bodies,
booleans for numbers, out-of-range pages and limits, oversized strings — all 400 with the
error envelope and per-field details, never a 2xx and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import Account, category, listing, make_account, seller

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: Any, acct: Account | None = None) -> Any:
    headers = {"Authorization": f"Bearer {acct.token}"} if acct else {}
    return client.post(url, data=body, content_type="application/json", headers=headers)


def _refused(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False and body["error"] == "validation_error"
    assert field in body["details"], body
    return body


def test_nul_in_a_json_string_is_refused(client: Client) -> None:
    body = _refused(_post(client, "/api/auth/register", {"displayName": "a\x00b"}),
                    "displayName")
    assert body["details"]["displayName"] == ["NUL characters are not allowed."]
    acct = make_account()
    _refused(_post(client, "/api/sellers", {"name": "Shop\x00"}, acct), "name")
    _refused(_post(client, "/api/orders", {"items": [{"productId": "l_\x00", "quantity": 1}]},
                   acct), "items.0.productId")


def test_nul_in_a_query_parameter_is_refused(client: Client) -> None:
    _refused(client.get("/api/products?q=hat%00"), "q")
    _refused(client.get("/api/sellers?q=%00"), "q")


@pytest.mark.parametrize("body", [[None, None], [], ["a"], 7, "\"text\""])
def test_a_body_that_is_not_an_object_is_refused(client: Client, body: Any) -> None:
    _refused(_post(client, "/api/auth/register", body), "body")
    acct = make_account()
    _refused(_post(client, "/api/auth/2fa/setup", body, acct), "body")


def test_no_body_is_still_fine_where_every_field_is_optional(client: Client) -> None:
    empty = client.post("/api/auth/register", data="", content_type="application/json")
    assert empty.status_code == 201
    assert _post(client, "/api/auth/register", {}).status_code == 201


def test_a_boolean_is_not_a_number(client: Client) -> None:
    acct = make_account()
    _, store = seller()
    item = listing(store, "Hat", price_sat=1000)
    order = {"items": [{"productId": item.public_id, "quantity": True}]}
    _refused(_post(client, "/api/orders", order, acct), "items.0.quantity")
    order["items"][0]["quantity"] = "1"
    _refused(_post(client, "/api/orders", order, acct), "items.0.quantity")


@pytest.mark.parametrize("query", ["page=0", "page=10001", "limit=0", "limit=101", "page=x",
                                   "limit=-1", "page=true"])
@pytest.mark.parametrize("url", ["/api/products", "/api/sellers", "/api/orders", "/api/escrow"])
def test_page_and_limit_have_one_range_on_every_list(client: Client, url: str,
                                                     query: str) -> None:
    acct = make_account()
    answer = client.get(f"{url}?{query}", headers={"Authorization": f"Bearer {acct.token}"})
    _refused(answer, query.split("=")[0])


def test_page_and_limit_at_their_bounds_are_accepted(client: Client) -> None:
    acct = make_account()
    for url in ("/api/products", "/api/sellers", "/api/orders", "/api/escrow"):
        answer = client.get(f"{url}?page=10000&limit=100",
                            headers={"Authorization": f"Bearer {acct.token}"})
        assert answer.status_code == 200
        assert answer.json()["pagination"]["limit"] == 100


def test_oversized_strings_are_refused(client: Client) -> None:
    _refused(_post(client, "/api/auth/register", {"displayName": "x" * 65}), "displayName")
    _refused(client.get("/api/products?q=" + "x" * 201), "q")
    category()
    acct = make_account()
    _refused(_post(client, "/api/sellers", {"name": "n" * 201}, acct), "name")


def test_enums_are_enforced(client: Client) -> None:
    acct = make_account()
    auth = {"Authorization": f"Bearer {acct.token}"}
    _refused(client.get("/api/orders?status=lost", headers=auth), "status")
    _refused(client.get("/api/orders?role=admin", headers=auth), "role")
    _refused(client.get("/api/escrow?status=lost", headers=auth), "status")
    _refused(client.get("/api/products?kind=vinyl"), "kind")
    _refused(client.get("/api/products?sortOrder=ASC"), "sortOrder")
    _refused(client.get("/api/bitcoin/price?currency=XYZ"), "currency")


def test_a_bad_bearer_is_not_authenticated(client: Client) -> None:
    answer = client.get("/api/auth/me", headers={"Authorization": "Bearer css_nope"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "not_authenticated"
    assert client.get("/api/auth/me").json()["error"] == "not_authenticated"
