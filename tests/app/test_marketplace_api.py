"""/api/products, /api/sellers, /api/orders: envelope, pagination, validation, flows."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from tests.factories import Account, category, listing, make_account, png_bytes, seller

pytestmark = pytest.mark.django_db


def _auth(acct: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {acct.token}"}


def _json(client: Client, method: str, url: str, acct: Account, body: object) -> object:
    return getattr(client, method)(url, data=body, content_type="application/json",
                                   headers=_auth(acct))


def test_list_products_envelope_filters_pagination(client: Client) -> None:
    _, store = seller()
    for i in range(5):
        listing(store, f"Hat {i}", price_sat=1000 * (i + 1))
    body = client.get("/api/products?limit=2&page=2&sortBy=price&sortOrder=asc").json()
    assert body["success"] is True
    assert body["pagination"] == {"page": 2, "limit": 2, "total": 5, "pages": 3,
                                  "totalExact": True, "hasNext": True}
    assert [p["priceSat"] for p in body["data"]] == [3000, 4000]
    first = body["data"][0]
    assert first["store"]["slug"] == store.slug and first["url"].startswith("/l/")
    assert client.get("/api/products?q=hat&minPrice=2000&maxPrice=3000").json()[
        "pagination"]["total"] == 2
    bad = client.get("/api/products?minPrice=-5&limit=0&sortBy=cheap")
    assert bad.status_code == 400
    assert {"minPrice", "limit", "sortBy"} <= set(bad.json()["details"])


def test_seller_flow_through_the_api() -> None:
    acct = make_account()
    client = Client()
    category()
    no_store = _json(client, "post", "/api/products", acct, {"title": "Hat", "category": "clothing",
                                                              "priceSat": 100})
    assert no_store.status_code == 403 and no_store.json()["error"] == "no_store"
    opened = _json(client, "post", "/api/sellers", acct, {"name": "API Store"})
    assert opened.status_code == 201
    store_id = opened.json()["data"]["id"]
    assert opened.json()["data"]["slug"] == "api-store"
    shipping = _json(client, "post", f"/api/sellers/{store_id}/shipping-options", acct,
                     {"name": "Post", "regions": "EU", "costSat": 3000})
    assert shipping.status_code == 201 and shipping.json()["data"]["costSat"] == 3000
    bad = _json(client, "post", "/api/products", acct, {"title": "", "category": "nope",
                                                         "priceSat": -1})
    assert bad.status_code == 400 and {"title", "category", "priceSat"} <= set(bad.json()["details"])
    created = _json(client, "post", "/api/products", acct, {
        "title": "API hat", "category": "clothing", "priceSat": 12345, "stock": 3,
        "tags": ["wool"], "specifications": [{"key": "Size", "value": "M"}]})
    assert created.status_code == 201
    product = created.json()["data"]
    assert product["status"] == "draft" and product["specifications"] == [
        {"key": "Size", "value": "M"}]
    pid = product["id"]
    assert Client().get(f"/api/products/{pid}").status_code == 404  # draft: owner only
    published = _json(client, "put", f"/api/products/{pid}", acct, {"status": "active"})
    assert published.status_code == 200 and published.json()["data"]["priceSat"] == 12345
    assert Client().get(f"/api/products/{pid}").status_code == 200
    upload = client.post(f"/api/products/{pid}/images", data={"file": _file()},
                         headers=_auth(acct))
    assert upload.status_code == 201 and upload.json()["data"]["url"].endswith(".webp")
    not_image = client.post(f"/api/products/{pid}/images", data={"file": _file(b"nope")},
                            headers=_auth(acct))
    assert not_image.status_code == 400 and "images" in not_image.json()["details"]
    unlimited = _json(client, "put", f"/api/products/{pid}", acct, {"stock": None})
    assert unlimited.json()["data"]["stock"] is None
    deleted = client.delete(f"/api/products/{pid}", headers=_auth(acct))
    assert deleted.json()["data"]["outcome"] == "deleted"
    sellers = Client().get("/api/sellers").json()
    assert sellers["data"][0]["name"] == "API Store" and sellers["pagination"]["total"] == 1
    renamed = _json(client, "put", f"/api/sellers/{store_id}", acct, {"name": "API Store Two"})
    assert renamed.json()["data"]["name"] == "API Store Two"
    assert Client().get("/api/sellers/api-store").json()["data"]["id"] == store_id


def _file(data: bytes | None = None):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", data if data is not None else png_bytes(),
                              content_type="image/jpeg")


def test_order_flow_through_the_api() -> None:
    owner, store = seller()
    hat = listing(store, "Hat", stock=2)
    ebook = listing(store, "Ebook", kind="digital", digital_text="secret")
    buyer = make_account()
    client = Client()
    missing = _json(client, "post", "/api/orders", buyer, {"items": [
        {"productId": hat.public_id, "quantity": 1}]})
    assert missing.status_code == 400 and "shippingAddress" in missing.json()["details"]
    too_many = _json(client, "post", "/api/orders", buyer, {"items": [
        {"productId": hat.public_id, "quantity": 5}]})
    assert too_many.status_code == 400 and "items" in too_many.json()["details"]
    placed = _json(client, "post", "/api/orders", buyer, {
        "items": [{"productId": hat.public_id, "quantity": 2},
                  {"productId": ebook.public_id, "quantity": 1}],
        "shipping": [{"storeId": store.public_id,
                      "shippingOptionId": store.shipping_options.first().pk}],
        "shippingAddress": "1 Main Street, Springfield"})
    assert placed.status_code == 201
    order = placed.json()["data"]["orders"][0]
    assert order["status"] == "pending_payment" and order["totalSat"] == 3 * 25_000 + 5_000
    assert order["shippingAddress"] == "1 Main Street, Springfield"
    listed = client.get("/api/orders", headers=_auth(buyer)).json()
    assert listed["pagination"]["total"] == 1 and listed["data"][0]["id"] == order["id"]
    seller_view = client.get("/api/orders?role=seller", headers=_auth(owner)).json()
    assert seller_view["data"][0]["id"] == order["id"]
    cant_ship = _json(client, "put", f"/api/orders/{order['id']}", owner, {"status": "shipped"})
    assert cant_ship.status_code == 409  # not paid yet
    order_actions.do_mark_paid(Order.objects.get(public_id=order["id"]))
    buyer_ship = _json(client, "put", f"/api/orders/{order['id']}", buyer, {"status": "shipped"})
    assert buyer_ship.status_code == 400
    shipped = _json(client, "put", f"/api/orders/{order['id']}", owner,
                    {"status": "shipped", "note": "via post"})
    assert shipped.json()["data"]["status"] == "shipped"
    done = _json(client, "put", f"/api/orders/{order['id']}", buyer, {"status": "completed"})
    assert done.json()["data"]["status"] == "completed"
    assert [e["status"] for e in done.json()["data"]["events"]] == [
        "pending_payment", "paid", "shipped", "completed"]
    bad_status = _json(client, "put", f"/api/orders/{order['id']}", buyer, {"status": "paid"})
    assert bad_status.status_code == 400
