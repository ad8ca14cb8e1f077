"""How many database queries the busy paths make, pinned exactly so an N+1 (a query per
row of a list, per item of a cart) shows up as a failing count with the queries listed.
Each list holds several rows, so a per-row query would change the count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.escrow import signing
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders.actions import CheckoutInput, do_checkout
from tests.factories import (
    BUYER_SEED,
    add_to_cart,
    invoice,
    listing,
    make_account,
    make_order,
    open_escrow,
    payout,
    release_spend,
    seller,
    seller_tpub,
    signed_by,
    with_image,
)
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves() -> None:
    """Two stores with three listings each (with a photo), all in one category."""
    for name in ("Wool & Co", "Hat House"):
        _, store = seller(name)
        for n in range(3):
            with_image(listing(store, f"Wool hat {n}"))


@pytest.fixture
def node_configured(settings: Any) -> None:
    # Invoices need a chain backend configured (nothing listens here).
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


def test_checkout_of_a_cart_from_two_stores() -> None:
    buyer = make_account().user
    items, shipping = [], {}
    for name in ("Wool & Co", "Hat House"):
        _, store = seller(name)
        items += [listing(store, f"Hat {n}") for n in range(2)]
        shipping[store.pk] = store.shipping_options.get().pk
    cart = add_to_cart(buyer, *items)
    data = CheckoutInput(shipping=shipping, address="1 Main Street x")
    # 23: per order, the seller's "new order" notice (their account, the notice row) and
    # the store's enabled webhook endpoints (order.created is queued in the checkout's
    # transaction, so the lookup can't wait until after it).
    with assert_database_query_count(23):
        orders = do_checkout(buyer, cart, data, client_ip="127.0.0.1")
    assert len(orders) == 2


def test_invoice_creation(node_configured: None) -> None:
    buyer = make_account().user
    _, store = seller()
    payout(store, seller_tpub(3))
    order = make_order(buyer, store)
    # 12 (the savepoint pair is the test's own transaction): the order's open invoice,
    # the wallet, the buyer's open invoices, the watcher's cursor; a free recycled
    # address, else the next index claimed in one UPDATE … RETURNING (no savepoint of its
    # own), the address, the invoice, the order's reservation set to the address's expiry
    # (one deadline) and the invoice's first event.
    with assert_database_query_count(12):
        made = invoice(order, buyer)
    assert made.amount_sat == order.total_sat


def test_escrow_signing() -> None:
    buyer = make_account()
    _, store = seller(shipping_sat=0)
    escrow = open_escrow(make_order(buyer.user, store), Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    signed = signed_by(BUYER_SEED, escrow, spend)
    escrow = Escrow.objects.select_related("order", "order__store").get(pk=escrow.pk)
    with assert_database_query_count(15):
        done = signing.do_sign(signing.check_sign(escrow, buyer.user, psbt_text=signed))
    assert done.txid


@pytest.mark.parametrize(("url", "queries"), [("/", 4), ("/search/?q=wool", 4),
                                              ("/c/clothing/", 7)])
def test_listing_pages(client: Client, shelves: None, url: str, queries: int) -> None:
    client.get(url)  # warm per-process caches (categories, rates)
    with assert_database_query_count(queries):
        page = client.get(url)
    assert page.status_code == 200 and page.content.count(b"Wool hat") >= 6


def test_seller_order_list(client: Client) -> None:
    owner, store = seller()
    for _ in range(3):
        make_order(make_account().user, store)
    client.force_login(owner.user)
    client.get("/sell/orders/")
    # 9: the header's unread-notification badge and unread-messages count are two.
    with assert_database_query_count(9):
        page = client.get("/sell/orders/")
    assert page.status_code == 200


def test_escrow_list(client: Client) -> None:
    buyer = make_account()
    _, store = seller(shipping_sat=0)
    for _ in range(3):
        open_escrow(make_order(buyer.user, store))
    client.force_login(buyer.user)
    client.get("/escrow/")
    # 9: the header's unread-notification badge and unread-messages count are two.
    with assert_database_query_count(9):
        page = client.get("/escrow/")
    assert page.status_code == 200 and page.content.count(b"/escrow/e_") >= 3
