"""live.js in a real Chromium: the vendored client connects under the site's CSP with the
session cookie, subscribes, shows the "Live" badge, and swaps the fragment on an event."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.realtime.conftest import SESSION_COOKIE, Server, session_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = next((p for p in (os.environ.get("CRYPTOSHOP_CHROMIUM"), "/usr/bin/chromium",
                             shutil.which("chromium")) if p and Path(p).exists()), None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("live.js test: Chromium not found — required on CI")
        pytest.skip("live.js test: Chromium not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update"])
        yield browser
        browser.close()


def test_live_js_refreshes_the_fragment_in_place(server: Server, chromium: Any) -> None:
    room = f"order-{server.world['order']}"
    context = chromium.new_context()
    context.add_cookies([{"name": SESSION_COOKIE, "value": session_for(server, "buyer"),
                          "url": server.base}])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{server.base}/__test__/live-page?rooms={room}")

    page.wait_for_selector("#indicator .live-badge", timeout=5000)
    assert page.locator("#indicator").get_attribute("data-live-state") == "live"
    # After joining, the page catches up once (events between render and subscribe).
    expect(page.locator("#status")).not_to_have_text("as rendered", timeout=5000)

    # A mark on this document: only a live refresh (not a reload) keeps it. Latency is
    # bench/bench_payments.py's to measure; tests never assert wall-clock time.
    page.evaluate("window.__sameDocument = true")
    server.publish(room, "transaction-event", {"type": "payment_confirmed"}, "thread")
    expect(page.locator("#status")).to_have_text("payment_confirmed", timeout=8000)
    assert page.evaluate("window.__sameDocument === true")
    assert problems == []
    context.close()


def test_live_js_for_a_stranger_stays_as_rendered(server: Server, chromium: Any) -> None:
    room = f"order-{server.world['order']}"
    context = chromium.new_context()
    context.add_cookies([{"name": SESSION_COOKIE, "value": session_for(server, "stranger"),
                          "url": server.base}])
    page = context.new_page()
    page.goto(f"{server.base}/__test__/live-page?rooms={room}")
    # Connected, but refused the room: no badge, and no updates.
    page.wait_for_selector('#indicator[data-live-state="connected"]', state="attached",
                           timeout=5000)
    page.wait_for_timeout(300)
    assert page.locator("#indicator .live-badge").count() == 0
    server.publish(room, "transaction-event", {"type": "payment_detected"}, "thread")
    page.wait_for_timeout(700)
    assert page.locator("#status").text_content() == "as rendered"
    context.close()


def test_live_js_falls_back_silently_without_a_socket(server: Server, chromium: Any) -> None:
    """The client library blocked, or the WebSocket refused: no errors, no badge, the page
    stays as rendered (and a real page's no-JS refresh keeps working)."""
    room = f"order-{server.world['order']}"
    for blocked in ("**/vendor/socket.io.min.js", "**/socket.io/**"):
        context = chromium.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.route(blocked, lambda route: route.abort())
        if blocked.endswith("/**"):
            page.route_web_socket(blocked, lambda ws: ws.close())
        page.goto(f"{server.base}/__test__/live-page?rooms={room}")
        page.wait_for_timeout(1000)
        assert page.locator("#indicator .live-badge").count() == 0
        assert page.locator("#indicator").get_attribute("data-live-state") in {None, "offline"}
        assert page.locator("#status").text_content() == "as rendered"
        assert errors == []
        context.close()
