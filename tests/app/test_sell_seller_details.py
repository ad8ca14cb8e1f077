"""Seller details: one wallet per store whatever form it is typed in; listings deleted
with a confirmation step; the orders list names items and shows the buyer's total."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ValidationFailed
from tests.factories import (
    add_to_cart,
    checkout,
    listing,
    make_account,
    make_order,
    payout,
    seller,
    seller_tpub,
)

pytestmark = pytest.mark.django_db


def _forms_of(tpub: str) -> list[str]:
    bare = tpub.split("]", 1)[1]
    return [bare, f"wpkh({bare}/0/*)", f"wpkh({tpub}/<0;1>/*)", f"wpkh({bare}/<0;1>/*)",
            f"tr({bare}/0/*)", f"pkh({tpub}/0/*)"]


@pytest.mark.parametrize("form_index", range(6))
def test_the_same_wallet_in_another_form_is_refused_for_a_second_store(form_index: int) -> None:
    _, first = seller("First")
    _, second = seller("Second")
    tpub = seller_tpub(0)
    payout(first, tpub)
    with pytest.raises(ValidationFailed) as caught:
        payout(second, _forms_of(tpub)[form_index])
    assert "already used by another store" in caught.value.details["descriptor"][0]


def test_a_store_may_resave_its_own_wallet_in_another_form() -> None:
    _, store = seller()
    tpub = seller_tpub(0)
    payout(store, tpub)
    payout(store, _forms_of(tpub)[0])
    _, other = seller("Other")
    payout(other, seller_tpub(1))  # another account is fine


def test_the_payout_page_refuses_a_shared_wallet(client: Client) -> None:
    _, first = seller("First")
    acct, _ = seller("Second")
    tpub = seller_tpub(0)
    payout(first, tpub)
    client.force_login(acct.user)
    response = client.post("/sell/payments/", {
        "descriptor": tpub.split("]", 1)[1], "required_confirmations": "1",
        "invoice_minutes": "15", "watch_hours": "24", "tolerance_percent": "0",
        "mode": "direct", "auto_release_days": "14"})
    assert response.status_code == 400
    assert "already used by another store" in response.content.decode()


def test_seller_orders_show_item_names_and_the_buyers_whole_total(client: Client) -> None:
    acct, store = seller()
    buyer = make_account()
    make_order(buyer.user, store, title="Red mittens", kind="physical", digital_text="",
               price_mode="fiat", price_sat=None, price_fiat="20.00", fiat_currency="EUR")
    client.force_login(acct.user)
    orders = client.get("/sell/orders/").content.decode()
    assert "Red mittens × 1" in orders
    assert "20.00" in orders and "5,000 sats" in orders  # the shipping is part of the total
    dashboard = client.get("/sell/").content.decode()
    assert "Red mittens" in dashboard and "5,000 sats" in dashboard


def test_deleting_a_listing_asks_first_then_deletes_or_archives(client: Client) -> None:
    acct, store = seller()
    item = listing(store, title="Spare hat")
    client.force_login(acct.user)
    listings_page = client.get("/sell/listings/").content.decode()
    assert f"/sell/listings/{item.public_id}/delete/" in listings_page
    confirm = client.get(f"/sell/listings/{item.public_id}/delete/")
    assert confirm.status_code == 200 and "Delete “Spare hat”?" in confirm.content.decode()
    assert Listing.objects.filter(pk=item.pk).exists()  # asking deletes nothing
    assert client.post(f"/sell/listings/{item.public_id}/delete/").status_code == 302
    assert not Listing.objects.filter(pk=item.pk).exists()
    ordered = make_order(make_account().user, store, title="Ordered hat")
    [line] = ordered.items.all()
    page = client.get(f"/sell/listings/{line.listing.public_id}/delete/").content.decode()
    assert "archived" in page
    client.post(f"/sell/listings/{line.listing.public_id}/delete/")
    line.listing.refresh_from_db()
    assert line.listing.status == "hidden"


def test_the_buyers_order_list_shows_the_same_whole_total(client: Client) -> None:
    """An order mixing a sats-priced and a fiat-priced item: its total isn't fixed in sats
    until it is paid, and the buyer's list left out the sats part; it shares the seller's
    total line now."""
    _acct, store = seller()
    buyer = make_account()
    sats_item = listing(store, title="Wool socks", price_sat=7_000)
    fiat_item = listing(store, title="Blue mittens", price_mode="fiat", price_sat=None,
                        price_fiat="20.00", fiat_currency="EUR")
    checkout(buyer.user, add_to_cart(buyer.user, sats_item, fiat_item), address="1 Main St x")
    client.force_login(buyer.user)
    orders = client.get("/orders/").content.decode()
    assert "7,000 sats" in orders and "20.00" in orders and "5,000 sats" in orders
