"""With JavaScript, checkout's summary shows the store's whole total as soon as a shipping
option is picked (without it, the total shows after submitting)."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


def test_the_total_follows_the_shipping_choice(browser: Any, app_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(app_server + "/search/?q=coffee&sortBy=price&kind=physical")
    link = page.locator("article[data-price-mode=sat]:not(:has-text('Sold out')) h3 a").first
    link.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_role("button", name="Create account and continue").click()
    page.get_by_role("link", name="I have saved it — continue").click()
    row = page.locator("[data-live-total]").first
    assert "Choose the shipping" in row.inner_text()
    radios = page.locator("input[type=radio][name^=shipping_]")
    radios.nth(1).check()
    label = page.locator(f"label:has(#{radios.nth(1).get_attribute('id')})").inner_text()
    shipping_sat = int(re.search(r"\(([\d,]+) sats\)", label).group(1).replace(",", ""))
    items_sat = int(row.get_attribute("data-items-sat"))
    assert f"{items_sat + shipping_sat:,} sats" in row.inner_text()
    assert f"including {shipping_sat:,} sats shipping" in row.inner_text()
    context.close()
