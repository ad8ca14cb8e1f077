"""Test data for tests/realtime, made through the real actions inside the test server's
environment (same CRYPTOSHOP_VAR_DIR, so the same SQLite file). Run as a subprocess:

    python -c "import django; django.setup(); from tests.realtime.world import main; main()"

Prints one JSON line: the accounts' tokens and public ids, and the order's public id."""

from __future__ import annotations

import json

from cryptoshop.accounts import actions as accounts
from cryptoshop.cart.actions import do_add_to_cart
from cryptoshop.cart.models import Cart
from cryptoshop.catalog.actions import ListingInput, do_create_listing
from cryptoshop.catalog.models import Category
from cryptoshop.orders.actions import CheckoutInput, do_checkout
from cryptoshop.stores.actions import StoreInput, do_open_store


def main() -> None:
    ip = "203.0.113.9"
    seller = accounts.do_register(display_name=None, client_ip=ip)
    buyer = accounts.do_register(display_name=None, client_ip=ip)
    stranger = accounts.do_register(display_name=None, client_ip=ip)
    category, _ = Category.objects.get_or_create(slug="ebooks", defaults={"name": "E-books"})
    store = do_open_store(seller.user, StoreInput(name="Live Test Books"))
    listing = do_create_listing(store, ListingInput(
        title="A live e-book", category=category.slug, price_sat=21_000, status="active",
        kind="digital", digital_text="https://example.invalid/download", description="Words."))
    cart = Cart.objects.create(user=buyer.user)
    do_add_to_cart(cart, listing.public_id, 1, user=buyer.user)
    [order] = do_checkout(buyer.user, cart, CheckoutInput(shipping={}), client_ip=ip)
    print(json.dumps({
        "seller": {"token": seller.token, "id": seller.user.public_id},
        "buyer": {"token": buyer.token, "id": buyer.user.public_id},
        "stranger": {"token": stranger.token, "id": stranger.user.public_id},
        "order": order.public_id,
    }))
