"""Refunding a direct order in a real browser on a real regtest chain: the buyer pays a
Highland Roasters coffee (a direct-mode store), the seller cancels and refunds it and sees
the BIP21 QR for their own wallet (JavaScript off, 375 px), the seller's wallet (the
harness wallet here) pays it, and both order pages end up saying refunded (the seller's
page with JavaScript on updates live)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.e2e.conftest import ROOT
from tests.e2e.steps import checkout_as_new_buyer, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 800}
REFUND_TO = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def _seller_token(app_server: Any, order_id: str) -> str:
    """A fresh token for the seller of the order (the demo prints only one seller's),
    made with the accounts action in the server's own environment."""
    code = ("from cryptoshop.accounts.actions import do_rotate_token\n"
            "from cryptoshop.orders.models import Order\n"
            f"print(do_rotate_token(Order.objects.get(public_id='{order_id}').store.owner))")
    env = {**os.environ, "CRYPTOSHOP_VAR_DIR": str(app_server.var_dir)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _login(context: Any, app_server: str, token: str) -> Any:
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Log in").click()
    return page


def test_seller_refunds_a_paid_direct_order(browser: Any, app_server: Any,
                                            screenshot_dir: Path | None) -> None:
    buyer = browser.new_context(viewport=PHONE)
    page = buyer.new_page()
    order_url = checkout_as_new_buyer(
        page, app_server, "/search/?q=coffee&sortBy=price&kind=physical",
        "article:not(:has-text('in BTC at checkout')):not(:has-text('Sold out')) h3 a")
    order_id = order_url.rstrip("/").rsplit("/", 1)[-1]
    page.get_by_role("link", name="Pay with Bitcoin").click()
    page.get_by_label("Refund address (recommended)").fill(REFUND_TO)
    page.get_by_role("button", name="Show the payment address").click()
    amount_sat = int(Decimal(page.locator("#pay-amount").input_value()) * 100_000_000)
    node = RegtestNode.attach(app_server.var_dir / "regtest")
    node.fund(page.locator("#pay-address").input_value(), amount_sat)
    node.mine(1)
    page.get_by_text("Paid. Thank you!").wait_for(timeout=30_000)

    token = _seller_token(app_server, order_id)
    seller = browser.new_context(viewport=PHONE, java_script_enabled=False)
    desk = _login(seller, app_server, token)
    desk.goto(f"{app_server}/sell/orders/{order_id}/")
    card = desk.locator("#refund-card")
    assert REFUND_TO in card.inner_text()
    card.get_by_role("button", name="Cancel order and refund").click()
    assert f"Refund of {amount_sat:,} sats ready" in desk.content()
    qr_link = card.locator("a.qr")
    assert qr_link.locator("svg").count() == 1
    assert re.match(rf"bitcoin:{REFUND_TO}\?amount=", qr_link.get_attribute("href") or "")
    assert desk.locator("#refund-to").input_value() == REFUND_TO
    shot(desk, screenshot_dir, "refund-seller-375")
    dark = browser.new_context(viewport=PHONE, java_script_enabled=False, color_scheme="dark")
    dark_page = _login(dark, app_server, token)
    dark_page.goto(f"{app_server}/sell/orders/{order_id}/")
    shot(dark_page, screenshot_dir, "refund-seller-375-dark")

    live = browser.new_context(viewport=PHONE)  # the seller's page again, JS on
    live_page = _login(live, app_server, token)
    live_page.goto(f"{app_server}/sell/orders/{order_id}/")
    live_page.wait_for_timeout(1_000)  # joined the order's room
    refund_sat = int(Decimal(desk.locator("#refund-amount").input_value()) * 100_000_000)
    assert refund_sat == amount_sat
    node.fund(REFUND_TO, refund_sat)  # the seller's own wallet pays the QR
    node.mine(1)
    live_page.locator("#refund-card").get_by_text("Refunded").first.wait_for(timeout=30_000)
    page.goto(order_url)  # the buyer's page (JS on), after the refund confirmed
    page.get_by_text(f"{amount_sat:,} sats refunded").wait_for(timeout=10_000)
    assert "Refunded" in page.locator("h1 + .badge, h1 ~ span.badge").first.inner_text()
    shot(page, screenshot_dir, "refund-buyer-375")
    for context in (buyer, seller, dark, live):
        context.close()
