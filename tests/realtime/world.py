"""Test data for tests/realtime, made through the real actions inside the test server's
environment (same CRYPTOSHOP_VAR_DIR, so the same SQLite file). Run as a subprocess:

    python -c "import django; django.setup(); from tests.realtime.world import main; main()"

Prints one JSON line: the accounts' tokens and public ids, and the order's public id."""

from __future__ import annotations

import json

from cryptoshop.accounts import actions as accounts
from cryptoshop.accounts.models import User
from cryptoshop.btc.escrow import make_escrow
from cryptoshop.cart.actions import do_add_to_cart
from cryptoshop.cart.models import Cart
from cryptoshop.catalog.actions import ListingInput, do_create_listing
from cryptoshop.catalog.models import Category
from cryptoshop.escrow.keys import marketplace_key
from cryptoshop.escrow.models import Escrow
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
    escrow = _funded_escrow(buyer.user, seller.user)
    print(json.dumps({
        "seller": {"token": seller.token, "id": seller.user.public_id},
        "buyer": {"token": buyer.token, "id": buyer.user.public_id},
        "stranger": {"token": stranger.token, "id": stranger.user.public_id},
        "order": order.public_id,
        "escrow": escrow,
    }))


def _funded_escrow(buyer: User, seller: User) -> str:
    """A second order whose escrow is funded (as if the watcher had seen it confirm), for
    the escrow:updated events."""
    from tests.escrow_keys import party

    store = seller.store
    category = Category.objects.get(slug="ebooks")
    listing = do_create_listing(store, ListingInput(
        title="An escrow e-book", category=category.slug, price_sat=50_000, status="active",
        kind="digital", digital_text="words", description="Words."))
    cart, _ = Cart.objects.get_or_create(user=buyer)
    do_add_to_cart(cart, listing.public_id, 1, user=buyer)
    [order] = do_checkout(buyer, cart, CheckoutInput(shipping={}), client_ip="203.0.113.9")
    esc = make_escrow(party(41)[1], party(42)[1], marketplace_key().expression, "regtest")
    escrow = Escrow.objects.create(
        order=order, network="regtest", index=7, buyer_key=party(41)[1],
        seller_key=party(42)[1], marketplace_key=marketplace_key().expression,
        descriptor=esc.descriptor_at(7), address=esc.address(7),
        script_pubkey=esc.script_pubkey(7).hex(), refund_address=esc.address(8),
        fee_bps=100, fee_min_sat=1000, auto_release_days=14, status="funded",
        funded_sat=50_000)
    return escrow.public_id
