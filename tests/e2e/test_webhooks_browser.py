"""The demo webhook in a real browser, as a new operator finds it after `make run`: the
demo seller opens /sell/webhooks/, sees Cold Storage Co.'s endpoint at the demo receiver,
and its delivery log shows the ping that the delivery job sent once the server started,
answered 204 (the receiver checked the HMAC signature). A test ping from the page is
logged the same way. Without JavaScript on a phone in the dark theme, too."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import demo_seller, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def _open_endpoint(page: Any, app_server: Any) -> None:
    page.goto(app_server + "/sell/webhooks/")
    page.get_by_text("/demo/webhook-receiver/").first.click()
    page.get_by_role("heading", name="Deliveries").wait_for()


def _wait_for_http_204(page: Any, count: int) -> None:
    """Reload until the log shows `count` deliveries answered 204 (the job polls each
    second in this tier)."""
    deadline = time.time() + 30
    while page.get_by_text("HTTP 204").count() < count:
        assert time.time() < deadline, page.content()
        time.sleep(0.5)
        page.reload()


def test_the_demo_endpoint_logs_the_ping_and_a_test_ping(
        browser: Any, app_server: Any, screenshot_dir: Path | None) -> None:
    context, page = demo_seller(browser, app_server)
    _open_endpoint(page, app_server)
    _wait_for_http_204(page, 1)
    assert page.get_by_text("ping").first.is_visible()
    page.get_by_role("button", name="Send test ping").click()
    _wait_for_http_204(page, 2)  # sent at once, no job needed
    shot(page, screenshot_dir, "webhooks-delivery-log-desktop")
    context.close()


def test_the_delivery_log_without_javascript_on_a_dark_phone(
        browser: Any, app_server: Any, screenshot_dir: Path | None) -> None:
    context, page = demo_seller(browser, app_server, viewport=PHONE,
                                java_script_enabled=False, color_scheme="dark")
    _open_endpoint(page, app_server)
    _wait_for_http_204(page, 1)
    shot(page, screenshot_dir, "webhooks-delivery-log-phone-dark")
    context.close()
