"""The notification bell in a real browser, on a phone-sized window (375 px): a buyer pays
a direct order on the regtest chain; when the seller marks it shipped, the buyer's open
order page shows "Shipped" and the bell counts up without a reload, with a toast; marking
all read clears it. Without JavaScript the notification centre works with plain forms."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.steps import checkout_as_new_buyer, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 800}


def _seller_token(app_server: Any, order_id: str) -> str:
    """A fresh access token for the order's seller, made with the accounts action in the
    server's own database (the demo prints only the escrow seller's token)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"CRYPTOSHOP_VAR_DIR": str(app_server.var_dir), "CRYPTOSHOP_LOG_LEVEL": "WARNING",
                "CRYPTOSHOP_FIXED_RATES": "USD:65000,EUR:60000"})
    code = ("import django; django.setup(); "
            "from cryptoshop.accounts.actions import do_rotate_token; "
            "from cryptoshop.orders.models import Order; "
            f"print(do_rotate_token(Order.objects.get(public_id={order_id!r}).store.owner))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip().splitlines()[-1]


def _paid_order(page: Any, app_server: str) -> str:
    """As a new buyer: order coffee from a direct store and pay it with the demo wallet."""
    checkout_as_new_buyer(
        page, app_server, "/search/?q=coffee&sortBy=price&kind=physical",
        "article:not(:has-text('in BTC at checkout')):not(:has-text('Sold out')) h3 a")
    order_url: str = page.url
    page.get_by_role("link", name="Pay with Bitcoin").click()
    page.get_by_role("button", name="Show the payment address").click()
    page.get_by_role("button", name="Pay with the demo wallet").click()
    page.get_by_role("button", name="Mine a block").click()
    page.get_by_text("Paid. Thank you!").wait_for(timeout=30_000)
    return order_url


def _until(page: Any, expression: str, seconds: float = 10.0) -> None:
    """Poll an expression from outside the page (wait_for_function evaluates a string in
    the page, which our CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def _unread(page: Any) -> int:
    return int(page.locator("[data-notify-badge]").get_attribute("data-unread"))


def test_the_bell_counts_up_live_and_clears(browser: Any, app_server: Any,
                                             screenshot_dir: Path | None) -> None:
    buyer_ctx = browser.new_context(viewport=PHONE)
    page = buyer_ctx.new_page()
    order_url = _paid_order(page, app_server)
    order_id = order_url.rstrip("/").split("/")[-1]
    page.goto(order_url)
    _until(page, "!!(window.CryptoShopLive && window.CryptoShopLive.socket "
                 "&& window.CryptoShopLive.socket.connected)")
    page.wait_for_timeout(500)  # the order room is joined after connecting
    before = _unread(page)
    assert before >= 1  # "payment confirmed" at least

    seller_ctx = browser.new_context(viewport=PHONE)
    seller = seller_ctx.new_page()
    seller.goto(app_server + "/accounts/login/")
    seller.get_by_label("Access token").fill(_seller_token(app_server, order_id))
    seller.get_by_role("button", name="Log in").click()
    seller.goto(f"{app_server}/sell/orders/{order_id}/")
    seller.get_by_role("button", name="Mark as shipped").click()

    # The buyer's page, untouched: the bell counts up, a toast says so, the status moves.
    page.locator(f"[data-notify-badge][data-unread='{before + 1}']").wait_for(timeout=10_000)
    assert page.locator("[data-notify-count]").inner_text() == str(before + 1)
    page.locator("#notify-toast").get_by_text("Order shipped").wait_for(timeout=5_000)
    page.locator("#order-live [data-status=shipped]").first.wait_for(timeout=10_000)
    shot(page, screenshot_dir, "notify-order-live-375")
    seller_ctx.close()

    page.locator("[data-notify-badge]").click()
    page.get_by_text("Order shipped").first.wait_for()
    assert _unread(page) == before + 1  # looking marks nothing read
    shot(page, screenshot_dir, "notify-centre-375-light")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(600)  # let the colour transitions finish before the picture
    shot(page, screenshot_dir, "notify-centre-375-dark")
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert _unread(page) == 0 and page.locator("[data-notify-count]").is_hidden()
    buyer_ctx.close()


def test_without_javascript_the_centre_works_with_forms(browser: Any, app_server: Any,
                                                         screenshot_dir: Path | None) -> None:
    setup = browser.new_context(viewport=PHONE)
    page = setup.new_page()
    _paid_order(page, app_server)
    state = setup.storage_state()
    setup.close()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False,
                                  storage_state=state)
    page = context.new_page()
    page.goto(app_server + "/notifications/")
    unread = _unread(page)
    assert unread >= 1 and page.locator("[data-notify-count]").inner_text() == str(unread)
    shot(page, screenshot_dir, "notify-centre-375-nojs")
    page.get_by_role("button", name="Mark read").first.click()
    assert _unread(page) == unread - 1
    page.get_by_role("button", name="Open").first.click()  # marks it read, goes to its page
    assert "/orders/" in page.url
    page.goto(app_server + "/help/")
    assert page.get_by_role("heading", name="Help").is_visible()
    shot(page, screenshot_dir, "pages-help-375-nojs")
    context.close()
