"""Paying in a real browser on a real regtest chain: with JavaScript the page updates
from the Socket.IO event within 2 s of the broadcast; without it, the page refreshes
itself until it says "Paid"."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.e2e.steps import checkout_as_new_buyer

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


def _order_and_pay_page(page: Any, app_server: str) -> None:
    checkout_as_new_buyer(
        page, app_server, "/search/?q=coffee&sortBy=price&kind=physical",
        "article:not(:has-text('in BTC at checkout')):not(:has-text('Sold out')) h3 a")
    page.get_by_role("link", name="Pay with Bitcoin").click()
    page.get_by_label("Refund address (recommended)").fill(
        "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
    page.get_by_role("button", name="Show the payment address").click()


def test_live_update_without_reload(browser: Any, app_server: Any,
                                   screenshot_dir: Path | None) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _order_and_pay_page(page, app_server)
    status = page.locator("#invoice-status")
    assert "Waiting for your payment" in status.inner_text()
    page.locator("[data-live-indicator]").get_by_text("Live").wait_for(timeout=10_000)
    page.wait_for_timeout(500)  # the fragment is re-fetched once after joining
    # Enhancements survive the live swap of the fragment: copy buttons, ticking countdown.
    assert page.get_by_role("button", name="Copy").first.is_visible()
    assert re.fullmatch(r"\d+:\d\d", page.locator("[data-countdown]").inner_text())
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "pay-1280.png"), full_page=True)
    address = page.locator("#pay-address").input_value()
    amount_btc = page.locator("#pay-amount").input_value()
    amount_sat = int(Decimal(amount_btc) * 100_000_000)  # exact: no float near money
    assert f"{amount_sat:,} sats" in status.inner_text()
    node = RegtestNode.attach(app_server.var_dir / "regtest")
    # A mark on this document: a reload (the no-JavaScript fallback) would lose it, so the
    # change below can only have come from the live update. How fast it comes is measured
    # by bench/bench_payments.py, not asserted here (tests never assert wall-clock time).
    page.evaluate("window.__sameDocument = true")
    node.fund(address, amount_sat)  # a real transaction from outside the page
    page.get_by_text("Payment received — confirming").wait_for(timeout=8_000)
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"
    node.mine(1)
    # Settling waits for the watcher to see the block; the live page must then show it
    # without a reload. Generous, as a slow CI machine once needed more than 10 s.
    page.get_by_text("Paid. Thank you!").wait_for(timeout=30_000)
    context.close()


def test_without_javascript_the_page_refreshes_to_paid(browser: Any, app_server: Any) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    _order_and_pay_page(page, app_server)
    assert page.locator("noscript").count() >= 1  # the meta refresh lives in <noscript>
    page.get_by_role("button", name="Pay with the demo wallet").click()
    page.get_by_role("button", name="Mine a block").click()
    # No clicks from here: the page reloads itself every 10 s until it shows "Paid".
    page.get_by_text("Paid. Thank you!").wait_for(timeout=25_000)
    page.get_by_role("link", name="Back to the order").click()
    assert page.get_by_text("Paid", exact=True).first.is_visible()
    context.close()
