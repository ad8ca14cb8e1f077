"""The shop in a real browser: a buyer with JavaScript off finds an item, registers inside
checkout and places an order; a seller opens a store and lists an item with a photo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import shot
from tests.factories import png_bytes

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}




@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_buyer_without_javascript(browser: Any, app_server: str, screenshot_dir: Path | None,
                                  viewport: dict[str, int]) -> None:
    size = viewport["width"]
    context = browser.new_context(java_script_enabled=False, viewport=viewport)
    page = context.new_page()
    page.goto(app_server + "/")
    assert page.locator("article").count() >= 12  # the demo shop is full
    shot(page, screenshot_dir, f"home-{size}")

    page.goto(app_server + "/search/?q=coffee")
    results = page.locator("article h3 a")
    assert results.count() >= 2
    shot(page, screenshot_dir, f"search-{size}")
    page.goto(app_server + "/search/?q=coffee&sortBy=price&kind=physical")
    # Pick a sat-priced, in-stock physical item so the order total is known in sats.
    link = page.locator("article[data-price-mode=sat]:not(:has-text('Sold out')) h3 a").first
    title = link.inner_text()
    link.click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    shot(page, screenshot_dir, f"listing-{size}")

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    assert page.get_by_text(f"Added “{title}” to your cart.").is_visible()
    shot(page, screenshot_dir, f"cart-{size}")
    page.get_by_role("link", name="Check out").click()

    # Checkout needs an account: one step, right here.
    page.get_by_role("button", name="Create account and continue").click()
    token = page.locator("#access-token").input_value()
    assert re.fullmatch(r"cs1_[a-z2-7]{52}", token)
    page.get_by_role("link", name="I have saved it — continue").click()
    page.get_by_label("Shipping address").fill("Jane Doe\n1 Main Street\nSpringfield")
    radios = page.locator("input[type=radio][name^=shipping_]")
    radios.first.check()
    shot(page, screenshot_dir, f"checkout-{size}")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    assert page.get_by_text("Waiting for payment.").is_visible()
    assert page.get_by_text(title).first.is_visible()
    assert page.get_by_text("Pending payment").first.is_visible()
    shot(page, screenshot_dir, f"order-{size}")
    context.close()


def test_seller_lists_an_item_with_a_photo(browser: Any, app_server: str, tmp_path: Path,
                                           screenshot_dir: Path | None) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(app_server + "/accounts/register/")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("link", name="I have saved it").click()
    page.get_by_role("link", name="Open a store").first.click()
    page.get_by_label("Store name").fill("Browser Test Bakery")
    page.get_by_role("button", name="Open store").click()
    assert page.get_by_text("is open").is_visible()
    page.locator("input[name=name]").last.fill("Courier")
    page.locator("input[name=regions]").last.fill("Springfield")
    page.locator("input[name=cost_sat]").last.fill("2500")
    page.get_by_role("button", name="Add shipping option").click()
    assert page.get_by_text("Shipping option added.").is_visible()

    photo = tmp_path / "bread.png"
    photo.write_bytes(png_bytes(400, 300, "sienna"))
    # The wallet form's three number inputs line up even when a label wraps.
    page.goto(app_server + "/sell/payments/")
    tops = [page.locator(f"input[name={name}]").bounding_box()["y"]
            for name in ("invoice_minutes", "watch_hours", "tolerance_percent")]
    assert max(tops) - min(tops) < 1, tops
    page.goto(app_server + "/sell/")
    page.get_by_role("link", name="New listing").click()
    # The digital-goods fields show only for digital goods.
    digital = page.get_by_test_id("digital-fields")
    page.locator("input[name=kind][value=physical]").check()
    assert not digital.is_visible()
    page.locator("input[name=kind][value=digital]").check()
    assert digital.is_visible()
    page.locator("input[name=kind][value=physical]").check()
    page.get_by_label("Title").fill("Sourdough loaf")
    page.get_by_label("Category").select_option(index=2)
    page.get_by_label("Description").fill("Baked **this morning**.")
    page.get_by_label("Price (sats)").fill("9000")
    page.get_by_label("Stock").fill("4")
    page.locator("input[name=images]").set_input_files(str(photo))
    page.locator("select[name=status]").select_option("active")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Listing published.").is_visible()
    assert page.locator("img[alt='Photo 1']").count() == 1
    page.get_by_role("link", name="View", exact=True).click()
    assert page.get_by_role("heading", name="Sourdough loaf").is_visible()
    assert page.locator("strong", has_text="this morning").is_visible()
    page.goto(app_server + "/sell/")
    assert page.get_by_text("Active listings").is_visible()
    shot(page, screenshot_dir, "seller-dashboard-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    shot(page, screenshot_dir, "seller-dashboard-375")
    context.close()
