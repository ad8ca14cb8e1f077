"""The live staff dashboard in a real browser. With JavaScript: the figures are swapped in
on each `metrics:update` without reloading the page (a marker set on the page survives),
and the Live badge says so. Without JavaScript, on a phone in the dark theme: the page
reloads itself (meta refresh) and fits the screen. Screenshots of both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import new_staff, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def test_the_dashboard_updates_live_with_javascript(browser: Any, app_server: Any,
                                                    screenshot_dir: Path | None) -> None:
    context, page = new_staff(browser, app_server)
    page.goto(app_server + "/staff/live/")
    page.locator('#live-dash[data-live-state="live"]').wait_for(timeout=15_000)
    first = page.locator("#live-dash time").first.get_attribute("datetime")
    page.evaluate("window.__stillTheSamePage = true")
    page.wait_for_function(
        "was => document.querySelector('#live-dash time').getAttribute('datetime') !== was",
        arg=first, timeout=15_000)
    assert page.evaluate("window.__stillTheSamePage") is True  # swapped in, not reloaded
    assert page.get_by_test_id("component-database").inner_text().split()[:2] == [
        "database", "up"]
    assert page.get_by_test_id("component-chain").is_visible()
    shot(page, screenshot_dir, "live-dashboard-desktop")
    context.close()


def test_without_javascript_the_page_refreshes_itself_on_a_phone(
        browser: Any, app_server: Any, screenshot_dir: Path | None) -> None:
    context, page = new_staff(browser, app_server, viewport=PHONE, java_script_enabled=False,
                              color_scheme="dark")
    page.goto(app_server + "/staff/live/")
    refresh = page.locator('noscript').first.inner_html()
    assert 'http-equiv="refresh"' in refresh
    first = page.locator("#live-dash time").first.get_attribute("datetime")
    page.wait_for_timeout(6_000)  # past a refresh (max(5, 2) s)
    assert page.locator("#live-dash time").first.get_attribute("datetime") != first
    assert page.get_by_test_id("open-invoices").is_visible()
    shot(page, screenshot_dir, "live-dashboard-phone-dark")
    context.close()
