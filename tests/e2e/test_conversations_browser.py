"""Conversations in a real browser. With JavaScript: a new buyer asks Cold Storage Co. a
question from a listing page, the demo seller answers from /messages/, and the buyer's open
page shows the answer live. Without JavaScript, on a phone: a visitor is sent to log in
and back to the question form, asks, and sees the answer after a reload. Screenshots of
the thread, the inbox and the listing link, light and dark."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import demo_seller, shot

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def _register(page: Any, app_server: str) -> str:
    page.goto(app_server + "/accounts/register/")
    page.get_by_role("button", name="Create account").click()
    token: str = page.locator("#access-token").input_value()
    page.get_by_role("link", name="I have saved it").click()
    return token


def _open_listing(page: Any, app_server: str, query: str) -> None:
    page.goto(f"{app_server}/search/?q={query}")
    page.locator("article h3 a").first.click()


def _seller_answers(page: Any, app_server: str, subject: str, answer: str) -> None:
    page.goto(app_server + "/messages/")
    page.get_by_role("link", name=re.compile(re.escape(subject[:20]))).first.click()
    page.get_by_role("textbox", name="Message").fill(answer)
    page.get_by_role("button", name="Send").click()
    page.get_by_text(answer).wait_for()


def test_a_question_answered_live_with_javascript(browser: Any, app_server: Any,
                                                 screenshot_dir: Path | None) -> None:
    buyer_context = browser.new_context(viewport=DESKTOP)
    buyer = buyer_context.new_page()
    _register(buyer, app_server)
    _open_listing(buyer, app_server, "faraday")
    subject = buyer.locator("h1").first.inner_text()
    buyer.get_by_test_id("ask-seller").click()
    buyer.get_by_label("Your question").fill("Does it block GPS as well as cellular?")
    buyer.get_by_role("button", name="Send question").click()
    buyer.get_by_text("Question sent.").wait_for()
    thread_url = buyer.url
    assert re.search(r"/messages/t_[0-9a-f]{16}/$", thread_url)
    # Wait until the page follows its room live, then the seller answers.
    buyer.locator("[data-live-indicator][data-live-state=live]").wait_for(timeout=15_000)
    seller_context, seller = demo_seller(browser, app_server)
    assert seller.get_by_test_id("nav-messages").locator(".badge").inner_text() != ""
    _seller_answers(seller, app_server, subject, "Yes: GPS, Wi-Fi, Bluetooth and cellular.")
    buyer.get_by_text("Yes: GPS, Wi-Fi, Bluetooth and cellular.").wait_for(timeout=10_000)
    assert buyer.url == thread_url  # no reload, no navigation
    shot(buyer, screenshot_dir, "conversation-thread-desktop")
    shot(seller, screenshot_dir, "conversation-thread-seller-desktop")
    seller.goto(app_server + "/messages/")
    shot(seller, screenshot_dir, "conversation-inbox-desktop")
    seller_context.close()
    buyer_context.close()


def test_the_same_flow_without_javascript_on_a_phone(browser: Any, app_server: Any,
                                                     screenshot_dir: Path | None) -> None:
    setup = browser.new_context(viewport=PHONE, java_script_enabled=False)
    token = _register(setup.new_page(), app_server)
    setup.close()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, color_scheme="dark")
    buyer = context.new_page()
    _open_listing(buyer, app_server, "data+blocker")
    subject = buyer.locator("h1").first.inner_text()
    shot(buyer, screenshot_dir, "conversation-listing-link-phone-dark")
    buyer.get_by_test_id("ask-seller").click()
    assert "/accounts/login/" in buyer.url and "next=" in buyer.url
    buyer.get_by_label("Access token").fill(token)
    buyer.get_by_role("button", name="Log in").click()
    buyer.get_by_role("heading", name="Ask the seller").wait_for()
    shot(buyer, screenshot_dir, "conversation-ask-phone-dark")
    buyer.get_by_label("Your question").fill("Does it work with USB-C phones?")
    buyer.get_by_role("button", name="Send question").click()
    buyer.get_by_text("Question sent.").wait_for()
    seller_context, seller = demo_seller(browser, app_server, java_script_enabled=False)
    _seller_answers(seller, app_server, subject, "Both plugs are USB-C; it works.")
    seller_context.close()
    buyer.reload()
    buyer.get_by_text("Both plugs are USB-C; it works.").wait_for()
    shot(buyer, screenshot_dir, "conversation-thread-phone-dark")
    buyer.get_by_role("textbox", name="Message").fill("Thanks, ordering now.")
    buyer.get_by_role("button", name="Send").click()
    buyer.get_by_text("Thanks, ordering now.").wait_for()
    buyer.goto(app_server + "/messages/")
    assert buyer.get_by_test_id("threads").locator("li").count() == 1
    shot(buyer, screenshot_dir, "conversation-inbox-phone-dark")
    context.close()
