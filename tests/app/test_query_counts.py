"""How many database queries the busy paths make, pinned exactly so an N+1 (a query per
row of a list, per item of a cart) shows up as a failing count with the queries listed.
Each list holds several rows, so a per-row query would change the count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Listing
from cryptoshop.escrow import signing
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders.actions import CheckoutInput, do_checkout
from tests.factories import (
    BUYER_SEED,
    add_to_cart,
    category,
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
LISTING_PAGE = 9


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


# Catalogue pages (ADR 15). Cold: the first view after a listing write (which retires the
# cached pages but not the category tree): the page's ids off an index, the listings, their
# photos (+ tags for the API), and a capped count only when there is more than one page —
# an exact COUNT(*) or a per-card query would change these numbers. Warm: a repeat view
# reads everything from the cache and makes no query at all.
@pytest.mark.parametrize(("url", "cold"), [
    ("/", 4),  # two shelves' ids (featured, newest), one set of cards
    ("/search/", 3), ("/search/?q=wool", 3), ("/search/?q=wool&sortBy=price", 3),
    ("/search/?q=wool&sortBy=newest", 3), ("/c/clothing/", 3),
    ("/api/products", 4), ("/api/products?q=wool&category=clothing", 4),
    ("/search/?limit=2", 4), ("/search/?q=wool&limit=2&page=2", 4),
    ("/api/products?limit=2&page=2", 5), ("/api/products?q=wool&limit=2&page=3", 5),
])
def test_listing_pages(client: Client, shelves: None, url: str, cold: int) -> None:
    client.get(url)  # the category tree is cached from here on
    bump_generation()  # as a listing write does
    with assert_database_query_count(cold) as queries:
        page = client.get(url)
    assert page.status_code == 200 and page.content.count(b"Wool hat") >= (
        2 if "limit=2" in url else 6)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    # Never an exact count over every visible listing: only one capped by a LIMIT.
    assert all("LIMIT 10001" in sql for sql in counts), counts
    with assert_database_query_count(0):
        again = client.get(url)
    assert _unmasked(again.content) == _unmasked(page.content)  # the same cards


def _unmasked(html: bytes) -> bytes:
    # CSRF tokens are masked afresh on every response; the rest must be identical.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_listing_pages_after_a_category_edit(client: Client, shelves: None) -> None:
    client.get("/search/")
    category("clothing").save()  # the operator edits it in the admin
    # The tree again, and the category's visibility refresh retired the page.
    with assert_database_query_count(4):
        client.get("/search/")


def test_listing_page(client: Client, shelves: None) -> None:
    item = Listing.objects.filter(title="Wool hat 1").order_by("id").first()
    assert item is not None
    url = f"/l/{item.public_id}/{item.slug}/"
    client.get(url)
    bump_generation()  # as a listing write does
    # LISTING_PAGE: the listing with its store and category, photos, specifications, tags,
    # shipping options, the reviews (count, page, histogram) and the store's payment mode.
    with assert_database_query_count(LISTING_PAGE):
        page = client.get(url)
    assert page.status_code == 200 and b"Wool hat 1" in page.content
    # Again, for a visitor without a session: the whole page from the cache.
    with assert_database_query_count(0):
        again = client.get(url)
    assert _unmasked(again.content) == _unmasked(page.content)


def test_signed_in_pages_are_not_shared(client: Client, shelves: None) -> None:
    client.get("/search/")  # cached for visitors without a session
    buyer = make_account("ada")
    client.force_login(buyer.user)
    # The signed-in header (their name, cart, notices) needs their own queries and page.
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/search/")
    assert queries.captured_queries and b">ada<" in page.content


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
