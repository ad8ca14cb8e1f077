"""Support tickets in a real browser. With JavaScript: a new account opens a ticket, a staff
account (2FA on) answers from the staff queue, and the user's open page shows the answer
live. Without JavaScript, on a phone in the dark theme: the same, the answer seen after a
reload. Screenshots of the user's and the staff's pages, light and dark."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import new_staff, shot

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _register(page: Any, app_server: str) -> str:
    page.goto(app_server + "/accounts/register/")
    page.get_by_role("button", name="Create account").click()
    token: str = page.locator("#access-token").input_value()
    page.get_by_role("link", name="I have saved it").click()
    return token


def _open_ticket(page: Any, app_server: str, subject: str, text: str) -> str:
    page.goto(app_server + "/support/")
    page.get_by_test_id("new-ticket").click()
    page.get_by_label("Category").select_option(label="Payment")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send ticket").click()
    page.get_by_text("Ticket sent.").wait_for()
    assert re.search(r"/support/tk_[0-9a-f]{16}/$", page.url), page.url
    return str(page.url)


def _staff_answers(page: Any, app_server: str, subject: str, answer: str) -> None:
    page.goto(app_server + "/support/staff/")
    page.get_by_role("link", name=re.compile(re.escape(subject))).first.click()
    page.get_by_role("textbox", name="Reply").fill(answer)
    page.get_by_role("button", name="Send").click()
    page.get_by_text(answer).wait_for()


def test_a_ticket_answered_live_with_javascript(browser: Any, app_server: Any,
                                               screenshot_dir: Path | None) -> None:
    user_context = browser.new_context(viewport=DESKTOP)
    user = user_context.new_page()
    _register(user, app_server)
    url = _open_ticket(user, app_server, "Paid twice by mistake",
                       "My wallet sent the payment twice. Can the second one come back?")
    user.locator("[data-live-indicator][data-live-state=live]").wait_for(timeout=15_000)
    staff_context, staff = new_staff(browser, app_server)
    _staff_answers(staff, app_server, "Paid twice by mistake",
                   "Yes: the store refunds the extra payment to your refund address.")
    user.get_by_text("Yes: the store refunds the extra payment").wait_for(timeout=10_000)
    assert user.url == url  # no reload, no navigation
    user.locator("[data-ticket-status] [data-status=waiting]").wait_for()  # "Answered", live
    shot(user, screenshot_dir, "support-ticket-desktop")
    staff.get_by_label("Priority").select_option("high")
    staff.get_by_label("Internal note (never shown to the user)").check()
    staff.get_by_role("textbox", name="Reply").fill("Checked the chain: two payments.")
    staff.get_by_role("button", name="Send").click()
    staff.get_by_text("Checked the chain").wait_for()
    shot(staff, screenshot_dir, "support-staff-ticket-desktop")
    staff.goto(app_server + "/support/staff/?status=")
    shot(staff, screenshot_dir, "support-staff-queue-desktop")
    user.reload()
    assert user.get_by_text("Checked the chain").count() == 0  # internal
    user.goto(app_server + "/support/")
    shot(user, screenshot_dir, "support-list-desktop")
    staff_context.close()
    user_context.close()


def test_the_same_flow_without_javascript_on_a_phone(browser: Any, app_server: Any,
                                                     screenshot_dir: Path | None) -> None:
    visitor = browser.new_context(viewport=PHONE, java_script_enabled=False, color_scheme="dark")
    page = visitor.new_page()
    page.goto(app_server + "/")
    page.get_by_role("link", name="Contact").click()
    page.get_by_test_id("support-visitor").wait_for()
    shot(page, screenshot_dir, "support-visitor-phone-dark")
    visitor.close()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, color_scheme="dark")
    user = context.new_page()
    _register(user, app_server)
    user.goto(app_server + "/support/new/")
    shot(user, screenshot_dir, "support-new-phone-dark")
    url = _open_ticket(user, app_server, "Where is my download link?",
                       "The order says paid but I can't find the file.")
    staff_context, staff = new_staff(browser, app_server, java_script_enabled=False)
    _staff_answers(staff, app_server, "Where is my download link?",
                   "It is on the order page under Downloads.")
    staff_context.close()
    user.reload()
    user.get_by_text("It is on the order page under Downloads.").wait_for()
    assert user.url == url
    shot(user, screenshot_dir, "support-ticket-phone-dark")
    user.get_by_role("textbox", name="Reply").fill("Found it, thanks.")
    user.get_by_role("button", name="Send").click()
    user.get_by_text("Found it, thanks.").wait_for()
    user.get_by_test_id("close-ticket").click()
    user.get_by_text("Marked as resolved.").wait_for()
    user.goto(app_server + "/support/")
    assert user.get_by_test_id("tickets").locator("li").count() == 1
    shot(user, screenshot_dir, "support-list-phone-dark")
    context.close()
