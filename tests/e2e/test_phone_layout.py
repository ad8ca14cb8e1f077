"""At 375 px nothing runs off the side: the staff header keeps Log out and the theme
button on screen, and the order tables become stacked rows with Status and Total visible."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import checkout_as_new_buyer

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
ROOT = Path(__file__).resolve().parents[2]


def _fits(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{what}: page is {width}px wide in a 375px window"


def _on_screen(locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375


@pytest.mark.parametrize("js", [False, True], ids=["no-js", "js"])
def test_staff_header_fits_a_phone(browser: Any, app_server: Any, js: bool) -> None:
    env = {**os.environ, "CRYPTOSHOP_VAR_DIR": str(app_server.var_dir)}
    made = subprocess.run([sys.executable, "manage.py", "create_operator"], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    token = re.search(r"cs1_[a-z2-7]{52}", made.stdout)
    assert token, made.stdout
    context = browser.new_context(viewport=PHONE, java_script_enabled=js, color_scheme="dark")
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token.group(0))
    page.get_by_role("button", name="Log in").click()
    page.goto(app_server + "/")
    _fits(page, "home as staff")
    header = page.locator("header")
    assert _on_screen(header.get_by_role("button", name="Log out"))
    assert _on_screen(header.locator("[data-theme-toggle]"))
    # The staff links hidden from the phone header are in the footer.
    assert page.locator("footer").get_by_role("link", name="Operator").is_visible()
    context.close()


def test_staff_header_fits_every_width_and_its_menu_opens_without_javascript(
        browser: Any, app_server: Any) -> None:
    """The logged-in header holds cart, bell, messages, account and theme at every width;
    the staff pages sit in a <details> menu from 1024 px (and in the footer below)."""
    env = {**os.environ, "CRYPTOSHOP_VAR_DIR": str(app_server.var_dir)}
    made = subprocess.run([sys.executable, "manage.py", "create_operator"], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    token = re.search(r"cs1_[a-z2-7]{52}", made.stdout)
    assert token, made.stdout
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token.group(0))
    page.get_by_role("button", name="Log in").click()
    for width in (375, 640, 768, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(app_server + "/")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"staff home is {scroll_width}px wide at {width}px"
    header = page.locator("header")
    header.locator("summary", has_text="Staff").click()
    menu_link = header.get_by_role("link", name="Support queue")
    assert menu_link.is_visible()
    menu_link.click()
    assert page.url.endswith("/support/staff/") or "/accounts/" in page.url
    context.close()


def test_order_list_stacks_on_a_phone(browser: Any, app_server: Any) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    checkout_as_new_buyer(page, app_server, "/search/?q=coffee", "article h3 a")
    page.goto(app_server + "/orders/")
    _fits(page, "my orders")
    row = page.locator("tbody tr").first
    status, total = row.locator("td[data-label=Status]"), row.locator("td[data-label=Total]")
    assert status.is_visible() and _on_screen(status.locator(".badge"))
    assert _on_screen(total) and re.search(r"sats|€|\$", total.inner_text())
    context.close()
