"""What new buyers tripped over: signing up inside checkout, the grand total, one payment
deadline, the demo payment without JavaScript, a second checkout submission."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cryptoshop.accounts.models import User
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice
from tests.factories import listing, make_account, seller, seller_tpub

pytestmark = pytest.mark.django_db
ADDRESS = "Jane Doe\n1 Main Street\n12345 Springfield"


def _cart_with(client: Client, item, quantity: int = 1) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/cart/add/", {"listing": item.public_id,
                                      "quantity": str(quantity)}).status_code == 302


def _place(client: Client, store) -> object:  # type: ignore[no-untyped-def]
    return client.post("/checkout/", {"shipping_address": ADDRESS,
                                      f"shipping_{store.pk}": store.shipping_options.first().pk})


def test_checkout_sign_up_shows_the_rules_and_keeps_its_errors_in_checkout(client: Client) -> None:
    _, store = seller()
    _cart_with(client, listing(store))
    page = client.get("/checkout/").content.decode()
    assert "3–32 characters" in page and "no spaces" in page
    bad = client.post("/checkout/", {"display_name": "Alice Buyer"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "Create account and continue" in html
    assert "letters, digits" in html and 'value="Alice Buyer"' in html
    assert not User.objects.filter(display_name__isnull=False).exists()
    good = client.post("/checkout/", {"display_name": "Alice_Buyer"})
    assert good.status_code == 200 and "no-store" in good["Cache-Control"]
    token_html = good.content.decode()
    assert re.search(r"cs1_[a-z2-7]{52}", token_html) and 'href="/checkout/"' in token_html
    assert User.objects.get(display_name="Alice_Buyer")
    assert "Blue wool hat" in client.get("/checkout/").content.decode()


def test_register_page_keeps_next_after_an_error(client: Client) -> None:
    bad = client.post("/accounts/register/", {"display_name": "Alice Buyer", "next": "/checkout/"})
    assert bad.status_code == 400 and 'name="next" value="/checkout/"' in bad.content.decode()
    good = client.post("/accounts/register/", {"display_name": "", "next": "/checkout/"})
    assert 'href="/checkout/"' in good.content.decode()


def test_checkout_summary_shows_the_grand_total_once_shipping_is_known(client: Client) -> None:
    _, store = seller(shipping_sat=5_000)
    item = listing(store, price_sat=22_000)
    buyer = make_account()
    client.post("/accounts/login/", {"token": buyer.token})
    _cart_with(client, item, 2)
    # The store's one shipping option is chosen already: the summary adds it up.
    html = client.get("/checkout/").content.decode()
    assert "+ shipping" not in html and "49,000 sats" in html
    # Re-shown after an error (no address), the chosen option still counts.
    again = client.post("/checkout/", {f"shipping_{store.pk}": store.shipping_options.first().pk})
    assert again.status_code == 400 and "49,000 sats" in again.content.decode()


def test_second_checkout_submission_shows_the_order_just_placed(client: Client) -> None:
    _, store = seller()
    client.post("/accounts/login/", {"token": make_account().token})
    _cart_with(client, listing(store))
    assert _place(client, store).status_code == 302
    order = Order.objects.get()
    again = _place(client, store)
    assert again.status_code == 302 and again["Location"] == f"/orders/{order.public_id}/"
    page = client.get(again["Location"]).content.decode()
    assert "already placed" in page
    assert Order.objects.count() == 1


@pytest.fixture
def _node(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


@pytest.mark.usefixtures("_node")
def test_order_and_pay_pages_give_one_deadline(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ORDER_RESERVATION_MINUTES = 30
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(14), mode="direct",
                                             invoice_minutes=15))
    client.post("/accounts/login/", {"token": make_account().token})
    _cart_with(client, listing(store))
    _place(client, store)
    order = Order.objects.get()
    assert client.post(f"/orders/{order.public_id}/pay/", {"refund_address": ""}).status_code == 302
    order.refresh_from_db()
    invoice = Invoice.objects.get()
    assert order.reserved_until == invoice.expires_at
    until = invoice.expires_at.strftime("%H:%M")
    detail = client.get(f"/orders/{order.public_id}/").content.decode()
    pay_page = client.get(f"/orders/{order.public_id}/pay/").content.decode()
    assert f"until {until} UTC" in detail and f"until {until}" in pay_page
    assert "reserved for you until then" in pay_page


@pytest.mark.usefixtures("_node")
def test_demo_payment_without_javascript_says_it_was_sent(client: Client, settings,  # type: ignore[no-untyped-def]
                                                          monkeypatch) -> None:
    from cryptoshop.demo import views as demo_views
    settings.DEMO_WALLET, settings.BITCOIN_NETWORK = True, "regtest"

    class FakeNode:
        def fund(self, address: str, amount_sat: int) -> str:
            return "ab" * 32

    monkeypatch.setattr(demo_views, "_demo_node", lambda: FakeNode())
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(15), mode="direct"))
    client.post("/accounts/login/", {"token": make_account().token})
    _cart_with(client, listing(store))
    _place(client, store)
    order = Order.objects.get()
    client.post(f"/orders/{order.public_id}/pay/", {"refund_address": ""})
    before = client.get(f"/orders/{order.public_id}/pay/").content.decode()
    assert "Waiting for your payment" in before
    sent = client.post(f"/orders/{order.public_id}/pay/demo/")
    assert sent.status_code == 302
    after = client.get(sent["Location"]).content.decode()
    assert "Payment sent — waiting to see it" in after and "Waiting for your payment" not in after
    status = client.get(f"/orders/{order.public_id}/pay/status/").content.decode()
    assert "Payment sent — waiting to see it" in status
