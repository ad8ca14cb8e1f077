"""The sales pages in a real browser, on the demo shop of `first_run` (eight months of
history, rollups rebuilt by the seed): the demo escrow seller's overview and the
operator's analytics, with JavaScript and without, on a desktop in the light theme and
on a 375 px phone in the dark one — charts drawn, the period switcher working as plain
links, nothing wider than the window. Screenshots of each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import demo_seller, new_staff, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def _chart_has_bars(page: Any, slug: str) -> int:
    chart = page.get_by_test_id(f"chart-{slug}")
    assert chart.locator("svg").is_visible()
    return int(chart.locator("rect[height]:not([height='0.0'])").count())


@pytest.mark.parametrize("javascript", [True, False])
def test_the_seller_overview_on_a_desktop(browser: Any, app_server: Any, javascript: bool,
                                          screenshot_dir: Path | None) -> None:
    context, page = demo_seller(browser, app_server, java_script_enabled=javascript)
    page.goto(app_server + "/sell/")
    page.locator("nav[aria-label=Seller] a").first.click()  # "Sales", first in the nav
    assert page.url.endswith("/sell/overview/")
    assert _chart_has_bars(page, "received") > 1  # months of history: a curve
    page.get_by_test_id("period-week").click()  # a plain link: works without JavaScript
    assert page.url.endswith("?period=week")
    assert page.get_by_test_id("period-week").get_attribute("aria-current") == "page"
    assert _chart_has_bars(page, "received") >= 1
    assert page.get_by_test_id("csv-sales").get_attribute("href") == (
        "?period=week&format=csv&table=sales")
    if javascript:
        page.goto(app_server + "/sell/overview/?period=month")
        shot(page, screenshot_dir, "sell-overview-desktop")
    context.close()


def test_the_seller_overview_on_a_dark_phone(browser: Any, app_server: Any,
                                             screenshot_dir: Path | None) -> None:
    context, page = demo_seller(browser, app_server, viewport=PHONE, color_scheme="dark",
                                 java_script_enabled=False)
    page.goto(app_server + "/sell/overview/")
    assert _chart_has_bars(page, "received") > 1
    shot(page, screenshot_dir, "sell-overview-phone-dark")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_operator_analytics(browser: Any, app_server: Any, javascript: bool,
                                screenshot_dir: Path | None) -> None:
    context, page = new_staff(browser, app_server, java_script_enabled=javascript)
    page.goto(app_server + "/staff/analytics/")
    assert _chart_has_bars(page, "revenue") > 1
    for chart in ("top-revenue", "categories", "buyers-new"):
        assert page.get_by_test_id(f"chart-{chart}").locator("svg").is_visible()
    assert page.get_by_test_id("cohorts").locator("tbody tr").count() == 12
    page.get_by_test_id("period-year").click()
    assert page.url.endswith("?period=year")
    if javascript:
        page.goto(app_server + "/staff/analytics/")
        shot(page, screenshot_dir, "staff-analytics-desktop")
    context.close()


def test_the_operator_analytics_on_a_dark_phone(browser: Any, app_server: Any,
                                                screenshot_dir: Path | None) -> None:
    context, page = new_staff(browser, app_server, viewport=PHONE, color_scheme="dark")
    page.goto(app_server + "/staff/analytics/")
    assert _chart_has_bars(page, "revenue") > 1
    # Dark theme: the bars take the text colour (currentColor), light on dark.
    fill = page.evaluate("getComputedStyle(document.querySelector("
                         "'[data-testid=chart-revenue] svg')).color")
    assert fill != "rgb(0, 0, 0)"
    shot(page, screenshot_dir, "staff-analytics-phone-dark")
    context.close()
