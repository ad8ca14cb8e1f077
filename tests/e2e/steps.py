"""Steps several browser tests take: as a new buyer, and taking a screenshot that also
checks the page fits its window."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptoshop.accounts import totp

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}


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


def new_staff(browser: Any, app_server: Any, **options: Any) -> tuple[Any, Any]:
    """A fresh operator (manage.py create_operator) logged in, with 2FA turned on. Returns
    the browser context (close it when done) and its page."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["CRYPTOSHOP_VAR_DIR"] = str(app_server.var_dir)
    made = subprocess.run([sys.executable, "manage.py", "create_operator"], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    token = made.stdout.strip().splitlines()[-1]
    context = browser.new_context(**{"viewport": DESKTOP, **options})
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.goto(app_server + "/accounts/2fa/")
    page.get_by_role("button", name="Set up two-factor").click()
    secret = page.locator("#totp-secret").input_value().strip()
    page.get_by_label("Authentication code").fill(totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="Turn on two-factor").click()
    page.get_by_text("recovery code", exact=False).first.wait_for()
    return context, page


def demo_seller(browser: Any, app_server: Any, **options: Any) -> tuple[Any, Any]:
    """The demo seller of Cold Storage Co. (its token is in first_run's output), logged in.
    Returns the browser context (close it when done) and its page."""
    token = re.search(r"log in with (\S+)", app_server.first_run_output)
    assert token, app_server.first_run_output
    context = browser.new_context(**{"viewport": DESKTOP, **options})
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token.group(1))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    return context, page
