"""A new visitor, in a real browser, with JavaScript on and off: register, keep the token,
log out, log back in, turn on 2FA with a real code, log in with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cryptoshop.accounts import totp
from tests.e2e.steps import shot

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}




@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_register_login_and_2fa(browser: Any, app_server: str, screenshot_dir: Path | None,
                                javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript, viewport=DESKTOP)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    tag = "js" if javascript else "nojs"

    page.goto(app_server + "/")
    page.get_by_role("link", name="Create account", exact=True).click()
    page.get_by_label("Display name (optional)").fill(f"tester_{tag}")
    shot(page, screenshot_dir if javascript else None, "register-desktop")
    page.get_by_role("button", name="Create account").click()

    token = page.locator("#access-token").input_value()
    assert re.fullmatch(r"cs1_[a-z2-7]{52}", token)
    assert page.get_by_text("cannot be recovered").is_visible()
    copy = page.get_by_role("button", name="Copy")
    assert copy.is_visible() is javascript  # the copy button is a JS enhancement
    download = page.get_by_role("link", name="Download as a file")
    assert download.get_attribute("download") == "cryptoshop-access-token.txt"
    shot(page, screenshot_dir if javascript else None, "token-desktop")

    page.get_by_role("link", name="I have saved it").click()
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in", exact=True).is_visible()

    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Access token").fill(token)
    shot(page, screenshot_dir if javascript else None, "login-desktop")
    page.get_by_role("button", name="Log in", exact=True).click()
    assert page.get_by_role("heading", name="Account", exact=True).is_visible()

    # Two-factor on, with a code computed from the key shown on the page.
    page.get_by_role("link", name="Set up", exact=True).click()
    page.get_by_role("button", name="Set up two-factor").click()
    secret = page.locator("#totp-secret").input_value()
    assert page.locator(".qr svg").count() == 1
    shot(page, screenshot_dir if javascript else None, "2fa-setup-desktop")
    page.get_by_label("Authentication code").fill(totp.code_at(secret, totp.current_step() - 1))
    page.get_by_role("button", name="Turn on two-factor").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, screenshot_dir if javascript else None, "recovery-codes-desktop")
    page.get_by_role("link", name="I have saved them").click()
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Log in", exact=True).click()
    assert page.get_by_role("heading", name="Two-factor authentication", exact=True).is_visible()
    shot(page, screenshot_dir if javascript else None, "login-code-desktop")
    page.get_by_label("Authentication code").fill(totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="Verify and log in").click()
    assert page.get_by_role("heading", name="Account", exact=True).is_visible()
    assert page.get_by_text(f"tester_{tag}").first.is_visible()

    # Nothing but our own origin was ever requested.
    assert requests and all(url.startswith(app_server) or url.startswith("data:")
                            for url in requests), requests
    context.close()


def test_narrow_screen_and_dark_mode(browser: Any, app_server: str,
                                     screenshot_dir: Path | None) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    page = context.new_page()
    for path, name in [("/", "home"), ("/accounts/register/", "register"),
                       ("/accounts/login/", "login")]:
        page.goto(app_server + path)
        # Nothing wider than the screen: no horizontal scrolling on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide"
        shot(page, screenshot_dir, f"{name}-375-dark")
    # The system preference applies without JavaScript or a cookie.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}
    # The JS toggle cycles system -> dark -> light and remembers it in a cookie.
    page.locator("[data-theme-toggle]").click()
    assert page.evaluate("document.documentElement.className") == "dark"
    page.locator("[data-theme-toggle]").click()
    assert page.evaluate("document.documentElement.className") == "light"
    page.reload()
    assert page.evaluate("document.documentElement.className") == "light"
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light_bg != background
    context.close()

    phone = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = phone.new_page()
    page.goto(app_server + "/accounts/register/")
    page.get_by_role("button", name="Create account").click()
    assert page.locator("#access-token").input_value().startswith("cs1_")
    shot(page, screenshot_dir, "token-375")
    page.goto(app_server + "/accounts/2fa/")
    page.get_by_role("button", name="Set up two-factor").click()
    assert page.locator(".qr svg").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"2FA setup is {width}px wide"
    shot(page, screenshot_dir, "2fa-setup-375")
    phone.close()
