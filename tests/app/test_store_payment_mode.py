"""Listing, cart and checkout say how each store is paid — into 2-of-3 escrow, directly to
the seller's wallet, or not yet (no wallet) — with a link to the help page that explains
both, so a buyer knows before paying whether there is an escrow to release or dispute."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import (
    add_to_cart,
    escrow_store,
    listing,
    make_account,
    payout,
    seller,
    seller_tpub,
)

pytestmark = pytest.mark.django_db


def _modes(html: str) -> list[str]:
    return re.findall(r'data-testid="payment-mode" data-mode="(\w+)"', html)


def test_listing_cart_and_checkout_say_how_each_store_is_paid(client: Client) -> None:
    _, escrow_shop = seller("Escrow Hats")
    escrow_store(escrow_shop)
    _, direct_shop = seller("Direct Hats")
    payout(direct_shop, seller_tpub(77))
    _, new_shop = seller("New Hats")
    items = [listing(escrow_shop, title="Escrow hat"), listing(direct_shop, title="Direct hat"),
             listing(new_shop, title="Walletless hat")]
    for item, mode in zip(items, ["escrow", "direct", "none"], strict=True):
        page = client.get(f"/l/{item.public_id}/", follow=True).content.decode()
        assert _modes(page) == [mode], item.title
        assert 'href="/help/"' in page
    buyer = make_account()
    add_to_cart(buyer.user, *items)
    client.force_login(buyer.user)
    assert sorted(_modes(client.get("/cart/").content.decode())) == ["direct", "escrow", "none"]
    checkout_page = client.get("/checkout/").content.decode()
    assert sorted(_modes(checkout_page)) == ["direct", "escrow", "none"]


def test_the_help_page_explains_escrow_and_direct_payments(client: Client) -> None:
    # The old address redirects to /help/, which took its text over.
    page = client.get("/help/payments/", follow=True)
    assert page.redirect_chain == [("/help/", 301)]
    text = page.content.decode()
    assert page.status_code == 200
    assert "2-of-3 escrow" in text and "Direct to the seller" in text
