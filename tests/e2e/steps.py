"""Steps several browser tests take: as a new buyer, and taking a screenshot that also
checks the page fits its window."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def shot(page: Any, directory: Path | None, name: str) -> None:
    """Save a full-page screenshot when `make screenshots` asks for them, and always check
    that the page is no wider than its window (nothing scrolls sideways on a phone)."""
    if directory is not None:
        page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{name}: page is {width}px wide in a {viewport}px window"


def checkout_as_new_buyer(page: Any, app_server: str, search: str, pick: str) -> str:
    """Find a listing (`search` path, first link matching `pick`), add it to the cart,
    register inside checkout, ship to a test address and place the order; returns the
    order page's URL (the page is on it)."""
    page.goto(app_server + search)
    page.locator(pick).first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_role("button", name="Create account and continue").click()
    page.get_by_role("link", name="I have saved it — continue").click()
    page.get_by_label("Shipping address").fill("Jane Doe\n1 Main Street\nSpringfield")
    page.locator("input[type=radio][name^=shipping_]").first.check()
    page.get_by_role("button", name=re.compile("^Place order")).click()
    url: str = page.url
    return url
