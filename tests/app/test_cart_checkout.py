"""Cart without an account or JavaScript, checkout with registration inside it, orders
with reserved stock, status history, expiry, digital delivery."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cryptoshop.catalog.models import Listing
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from tests.factories import add_to_cart, listing, make_account, seller

pytestmark = pytest.mark.django_db
ADDRESS = "Jane Doe\n1 Main Street\n12345 Springfield"


def _login(client: Client, token: str) -> None:
    assert client.post("/accounts/login/", {"token": token}).status_code == 302


def _checkout(client: Client, *stores) -> object:  # type: ignore[no-untyped-def]
    data = {"shipping_address": ADDRESS, "note": "Ring twice"}
    for store in stores:
        data[f"shipping_{store.pk}"] = str(store.shipping_options.first().pk)
    return client.post("/checkout/", data)


def test_anonymous_cart_then_register_inside_checkout(client: Client) -> None:
    _, store = seller()
    item = listing(store, stock=5)
    assert client.post("/cart/add/", {"listing": item.public_id, "quantity": "2"}).status_code == 302
    page = client.get("/cart/").content.decode()
    assert item.title in page and 'value="2"' in page
    assert client.get("/checkout/").status_code == 200
    assert b"Create account and continue" in client.get("/checkout/").content
    token_page = client.post("/accounts/register/", {"display_name": "", "next": "/checkout/"})
    html = token_page.content.decode()
    assert re.search(r"cs1_[a-z2-7]{52}", html) and 'href="/checkout/"' in html
    # The cart came along with the new account.
    assert item.title in client.get("/checkout/").content.decode()
    response = _checkout(client, store)
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.public_id}/"
    assert order.status == "pending_payment" and order.items.get().quantity == 2
    assert order.total_sat == 2 * 25_000 + 5_000
    assert Listing.objects.get(pk=item.pk).stock == 3  # reserved
    assert client.get("/cart/").content.count(b"Your cart is empty") == 1
    detail = client.get(f"/orders/{order.public_id}/").content.decode()
    assert "Waiting for payment" in detail and "1 Main Street" in detail and "Order placed" in detail


def test_login_merges_the_anonymous_cart(client: Client) -> None:
    _, store = seller()
    hat, scarf = listing(store, "Hat"), listing(store, "Scarf")
    buyer = make_account()
    other = Client()
    _login(other, buyer.token)
    other.post("/cart/add/", {"listing": hat.public_id, "quantity": "1"})
    other.post("/accounts/logout/")
    client.post("/cart/add/", {"listing": hat.public_id, "quantity": "2"})
    client.post("/cart/add/", {"listing": scarf.public_id, "quantity": "1"})
    _login(client, buyer.token)
    page = client.get("/cart/").content.decode()
    assert "Hat" in page and "Scarf" in page and 'value="3"' in page


def test_cart_quantity_stock_and_own_listing_checks(client: Client) -> None:
    acct, store = seller()
    item = listing(store, stock=2)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "5"})
    assert b"Only 2 left" in client.get("/cart/").content
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "2"})
    line = client.get("/cart/").content.decode()
    item_id = re.search(r'name="item" value="(\d+)"', line).group(1)
    client.post("/cart/update/", {"item": item_id, "quantity": "abc"})
    client.post("/cart/update/", {"item": item_id, "quantity": "1"})
    assert 'value="1"' in client.get("/cart/").content.decode()
    client.post("/cart/update/", {"item": item_id, "remove": "1"})
    assert b"Your cart is empty" in client.get("/cart/").content
    seller_client = Client()
    _login(seller_client, acct.token)
    seller_client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    assert b"Your cart is empty" in seller_client.get("/cart/").content
    assert client.post("/cart/add/", {"listing": "l_nope", "quantity": "1"}).status_code == 302


def test_one_order_per_store_and_encrypted_address(client: Client) -> None:
    _, store_a = seller("Store A", "store-a")
    _, store_b = seller("Store B", "store-b", shipping_sat=1_000)
    buyer = make_account()
    _login(client, buyer.token)
    client.post("/cart/add/", {"listing": listing(store_a, "Hat").public_id, "quantity": "1"})
    client.post("/cart/add/", {"listing": listing(store_b, "Mug").public_id, "quantity": "3"})
    assert _checkout(client, store_a, store_b)["Location"] == "/orders/"
    orders = {o.store.slug: o for o in Order.objects.all()}
    assert set(orders) == {"store-a", "store-b"}
    assert orders["store-b"].total_sat == 3 * 25_000 + 1_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT shipping_address, buyer_note FROM orders_order")
        for address, note in cursor.fetchall():
            assert address.startswith("v1:") and "Main Street" not in address
            assert note.startswith("v1:") and "Ring" not in note


def test_checkout_validation_errors_keep_the_cart(client: Client) -> None:
    _, store = seller()
    item = listing(store)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    response = client.post("/checkout/", {"shipping_address": "short"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in html  # no shipping option chosen
    assert Order.objects.count() == 0 and item.title in client.get("/cart/").content.decode()


def test_sold_out_between_cart_and_checkout(client: Client) -> None:
    _, store = seller()
    item = listing(store, stock=1)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    Listing.objects.filter(pk=item.pk).update(stock=0)
    response = _checkout(client, store)
    assert response.status_code == 409 and b"Sold out" in response.content
    assert Order.objects.count() == 0


def test_cancel_and_expiry_release_stock(client: Client) -> None:
    _, store = seller()
    item = listing(store, stock=4)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "3"})
    _checkout(client, store)
    order = Order.objects.get()
    assert Listing.objects.get(pk=item.pk).stock == 1
    client.post(f"/orders/{order.public_id}/cancel/", {"reason": "changed my mind"})
    order.refresh_from_db()
    assert order.status == "cancelled" and Listing.objects.get(pk=item.pk).stock == 4
    assert [e.to_status for e in order.events.all()] == ["pending_payment", "cancelled"]
    # Again, this time left unpaid past the reservation.
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "2"})
    _checkout(client, store)
    second = Order.objects.exclude(pk=order.pk).get()
    assert order_actions.expire_reservations() == 0  # not due yet
    assert order_actions.expire_reservations(timezone.now() + timedelta(hours=1)) == 1
    second.refresh_from_db()
    assert second.status == "expired" and Listing.objects.get(pk=item.pk).stock == 4
    assert order_actions.expire_reservations(timezone.now() + timedelta(hours=1)) == 0


def test_paid_shipped_completed_with_history(client: Client) -> None:
    acct, store = seller()
    item = listing(store, stock=3)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    _checkout(client, store)
    order = Order.objects.get()
    seller_client = Client()
    _login(seller_client, acct.token)
    assert b"Mark as shipped" not in seller_client.get(f"/sell/orders/{order.public_id}/").content
    assert order_actions.do_mark_paid(order) is True
    assert order_actions.do_mark_paid(order) is False  # idempotent
    assert Listing.objects.get(pk=item.pk).sold_count == 1
    page = seller_client.get(f"/sell/orders/{order.public_id}/").content.decode()
    assert "Mark as shipped" in page and "1 Main Street" in page
    seller_client.post(f"/sell/orders/{order.public_id}/ship/", {"note": "Tracking XY123"})
    order.refresh_from_db()
    assert order.status == "shipped" and order.ship_note == "Tracking XY123"
    assert "Tracking XY123" in client.get(f"/orders/{order.public_id}/").content.decode()
    client.post(f"/orders/{order.public_id}/received/")
    order.refresh_from_db()
    assert order.status == "completed"
    assert [(e.to_status, e.actor_role) for e in order.events.all()] == [
        ("pending_payment", "buyer"), ("paid", "system"), ("shipped", "seller"),
        ("completed", "buyer")]
    # Shipping twice, or cancelling a completed order, is refused.
    seller_client.post(f"/sell/orders/{order.public_id}/ship/", {"note": "again"})
    client.post(f"/orders/{order.public_id}/cancel/")
    order.refresh_from_db()
    assert order.status == "completed"


def test_digital_goods_delivered_only_after_payment(client: Client) -> None:
    from cryptoshop.catalog.actions import do_set_digital_file

    _, store = seller()
    item = listing(store, "Field guide PDF", kind="digital", digital_text="Licence: ABCD-1234")
    do_set_digital_file(item, "guide.pdf", b"%PDF-1.4 the guide")
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    response = client.post("/checkout/", {"note": ""})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.shipping_name == "" and order.total_sat == 25_000
    url = f"/orders/{order.public_id}/"
    assert b"ABCD-1234" not in client.get(url).content
    assert client.get(f"{url}download/{item.public_id}/").status_code == 404
    order_actions.do_mark_paid(order)
    assert b"ABCD-1234" in client.get(url).content
    download = client.get(f"{url}download/{item.public_id}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 the guide"
    assert 'filename="guide.pdf"' in download["Content-Disposition"]
    assert Client().get(f"{url}download/{item.public_id}/").status_code == 302
    other = Client()
    _login(other, make_account().token)
    assert other.get(f"{url}download/{item.public_id}/").status_code == 404


def test_too_many_unpaid_orders(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAX_PENDING_ORDERS = 1
    _, store = seller()
    item = listing(store)
    _login(client, make_account().token)
    for expected in (302, 400):
        client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
        response = _checkout(client, store)
        assert response.status_code == expected
    assert b"too many unpaid orders" in response.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_checkout_race_for_the_last_item() -> None:
    """Two buyers, one item left, checkouts at the same moment: exactly one order."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("race test needs real concurrent transactions: runs in the PostgreSQL tier")
    _, store = seller()
    item = listing(store, stock=1)
    buyers = [make_account() for _ in range(2)]
    carts = []
    for buyer in buyers:
        carts.append(add_to_cart(buyer.user, item))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def buy(index: int) -> None:
        try:
            barrier.wait()
            data = order_actions.CheckoutInput(
                shipping={store.pk: store.shipping_options.first().pk}, address=ADDRESS)
            order_actions.do_checkout(buyers[index].user, carts[index], data, client_ip="x")
            results.append("ok")
        except Exception as exc:  # the loser gets a Conflict
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["Conflict", "ok"], results
    assert Order.objects.count() == 1
    assert Listing.objects.get(pk=item.pk).stock == 0


def test_payment_after_expiry_retakes_stock_or_says_it_is_gone(client: Client) -> None:
    _, store = seller()
    item = listing(store, stock=1)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    _checkout(client, store)
    order = Order.objects.get()
    order_actions.expire_reservations(timezone.now() + timedelta(hours=1))
    assert Listing.objects.get(pk=item.pk).stock == 1
    Listing.objects.filter(pk=item.pk).update(stock=0)  # sold to someone else meanwhile
    assert order_actions.do_mark_paid(order) is True
    order.refresh_from_db()
    assert order.status == "paid" and Listing.objects.get(pk=item.pk).stock == 0
    assert "no longer in stock" in order.events.last().note


def test_order_lists_have_no_n_plus_one() -> None:
    from django.test.utils import CaptureQueriesContext

    owner, store = seller()
    buyer = make_account()
    client, seller_client = Client(), Client()
    _login(client, buyer.token)
    _login(seller_client, owner.token)

    def place(n: int) -> None:
        for i in range(n):
            client.post("/cart/add/", {"listing": listing(store, f"Item {i}-{n}").public_id,
                                       "quantity": "1"})
            _checkout(client, store)

    def counts() -> list[int]:
        result = []
        for c, url in [(client, "/orders/"), (seller_client, "/sell/orders/"),
                       (seller_client, "/sell/listings/"), (client, "/api/orders"),
                       (seller_client, "/api/orders?role=seller"), (seller_client, "/sell/")]:
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    place(2)
    few = counts()
    place(6)
    assert counts() == few


def test_finished_orders_lose_their_address_after_the_purge_delay(client: Client) -> None:
    _, store = seller()
    item = listing(store)
    _login(client, make_account().token)
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    _checkout(client, store)
    order = Order.objects.get()
    assert order_actions.purge_finished_details(timezone.now() + timedelta(days=60)) == 0
    order_actions.do_cancel(order, order.buyer, role="buyer")
    assert order_actions.purge_finished_details() == 0  # not old enough yet
    assert order_actions.purge_finished_details(timezone.now() + timedelta(days=31)) == 1
    order.refresh_from_db()
    assert order.shipping_address == "" and order.buyer_note == ""
    assert order_actions.purge_finished_details(timezone.now() + timedelta(days=31)) == 0
