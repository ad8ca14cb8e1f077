"""A completed order reviewed in Chromium and the review shown on the listing, JavaScript
off and on, 375 px wide, light and dark. The order is taken to "completed" through the
order actions in a `manage.py shell` (paid as the payments layer records it, shipped by the
seller, received by the buyer): the browser tier drives the buyer's side."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import checkout_as_new_buyer, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
ROOT = Path(__file__).resolve().parents[2]


def _complete(app_server: Any, order_id: str) -> None:
    env = {**os.environ, "CRYPTOSHOP_VAR_DIR": str(app_server.var_dir)}
    env.pop("DATABASE_URL", None)
    code = ("from cryptoshop.orders.models import Order\n"
            "from tests.app.reviews_steps import complete\n"
            f"complete(Order.objects.get(public_id={order_id!r}))\n")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                   check=True, capture_output=True, text=True)


@pytest.mark.parametrize(("js", "scheme"), [(False, "light"), (True, "dark")],
                         ids=["no-js-light", "js-dark"])
def test_a_completed_order_is_reviewed_and_shown_on_the_listing(
        browser: Any, app_server: Any, screenshot_dir: Path | None, js: bool,
        scheme: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=js, color_scheme=scheme)
    page = context.new_page()
    order_url = checkout_as_new_buyer(page, app_server, "/search/?q=coffee", "article h3 a")
    order_id = order_url.rstrip("/").rsplit("/", 1)[-1]
    _complete(app_server, order_id)
    page.goto(order_url)
    section = page.locator("#reviews")
    section.get_by_label("4 stars: good").check()
    words = f"Rich and fresh ({scheme})."
    section.get_by_label("Your review (optional)").fill(words)
    shot(page, screenshot_dir, f"review-form-{scheme}")
    section.get_by_role("button", name="Publish review").click()
    page.get_by_text("your review is published").wait_for()  # the redirected page
    assert page.locator("#reviews").get_by_role("link", name="Edit review").is_visible()
    page.locator("#items a, section.card ul a").first.click()
    reviews = page.locator("#reviews")
    review = reviews.locator("article", has_text=words)
    assert review.is_visible()
    assert re.search(r"Verified buyer · \w+ \d{4}", review.inner_text())
    assert order_id not in page.content()
    review.scroll_into_view_if_needed()
    shot(page, screenshot_dir, f"review-listing-{scheme}")
    context.close()
