"""Escrow in a real browser on a real regtest chain.

With JavaScript: the buyer makes their escrow key in the browser (12 words, password), pays
into the 2-of-3 address, the seller ships, and the buyer signs the release in the browser;
the seller's payout address receives the coins. Without JavaScript: the server makes the
key and shows the words once; the buyer releases by typing them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.chain.regtest import RegtestNode
from tests.e2e.steps import checkout_as_new_buyer

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "correct horse battery"


def _node(app_server: Any) -> RegtestNode:
    return RegtestNode.attach(Path(app_server.var_dir) / "regtest")


def _refund_address(app_server: Any) -> str:
    return _node(app_server).miner_address


def _buy_from_escrow_store(page: Any, app_server: str) -> str:
    """Register inside checkout, order from Cold Storage Co. (an escrow store); returns
    the order page URL."""
    order_url = checkout_as_new_buyer(page, app_server, "/search/?q=tamper-evident+bags",
                                      "article h3 a")
    page.get_by_role("link", name="Pay with Bitcoin").click()
    page.get_by_text("This store uses 2-of-3 escrow").wait_for()
    page.get_by_role("link", name="Set up my escrow key").click()
    return order_url


def _server_made_words(page: Any) -> list[str]:
    """Without JavaScript: the server makes the key and shows its 12 words once."""
    page.get_by_role("button", name="Make my key on the server").click()
    words: list[str] = page.locator("[data-testid=escrow-words] li").all_inner_texts()
    return words


def _pay_and_confirm(page: Any, app_server: Any) -> None:
    page.get_by_label(re.compile("^Refund address")).fill(_refund_address(app_server))
    page.get_by_role("button", name="Show the payment address").click()
    page.get_by_text("Verify the escrow address").wait_for()
    descriptor = page.locator("#escrow-descriptor").input_value()
    assert descriptor.startswith("wsh(sortedmulti(2,") and "#" in descriptor
    page.get_by_role("button", name="Pay with the demo wallet").click()
    page.get_by_role("button", name="Mine a block").click()
    page.get_by_text("Paid. Thank you!").wait_for(timeout=30_000)


def _log_in(browser: Any, app_server: Any, token_pattern: str) -> tuple[Any, Any]:
    """A new browser logged in with a token that first_run printed."""
    token = re.search(token_pattern, app_server.first_run_output)
    assert token, app_server.first_run_output
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(app_server + "/accounts/login/")
    page.get_by_label("Access token").fill(token.group(1))
    page.get_by_role("button", name="Log in").click()
    return context, page


def _seller_ships(browser: Any, app_server: Any, order_url: str) -> None:
    context, page = _log_in(browser, app_server, r"log in with (\S+)")
    order_id = order_url.rstrip("/").split("/")[-1]
    page.goto(f"{app_server}/sell/orders/{order_id}/")
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_text("Shipped").first.wait_for()
    context.close()


def _payout_of(app_server: Any, txid: str) -> dict[str, int]:
    node = _node(app_server)
    assert node.rpc.get_tx_status(txid).block_height is not None
    paid: dict[str, int] = {}
    for out in node.rpc.get_transaction(txid).outputs:
        address = script_pubkey_to_address(bytes.fromhex(out.script_pubkey), "regtest")
        paid[address] = out.value_sat
    return paid


def _mined_until(page: Any, heading: str) -> str:
    """Mine a block from the escrow page and wait for the payout to confirm; its txid."""
    page.get_by_role("button", name="Mine a block").click()
    page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
    # The same confirmation completes the order (shown in the live part of the page too).
    assert page.get_by_test_id("order-status").inner_text() == "completed"
    text = page.locator("#escrow-status").inner_text()
    txid = re.search(r"Transaction ([0-9a-f]{64})", text)
    assert txid, text
    return txid.group(1)


def test_browser_key_and_release_with_javascript(browser: Any, app_server: Any,
                                                 screenshot_dir: Path | None) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    order_url = _buy_from_escrow_store(page, app_server)
    # The key is made in this browser: only the public key and an encrypted blob leave it.
    page.get_by_label("Escrow password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Make my 12 words").click()
    words = page.locator("[data-phrase] li").all_inner_texts()
    assert len(words) == 12
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "escrow-key-browser.png"), full_page=True)
    save = page.get_by_role("button", name="Save my escrow key")
    assert save.is_disabled()
    page.locator("[data-confirm-saved]").check()
    save.click()
    page.get_by_text("Escrow key saved").wait_for()
    assert "/pay/" in page.url  # back where the buyer was
    _pay_and_confirm(page, app_server)
    _seller_ships(browser, app_server, order_url)
    page.goto(order_url)
    page.get_by_role("link", name="Release or dispute").click()
    page.get_by_role("button", name="Release to the seller").click()
    page.get_by_text("The release is ready: check it").wait_for()
    summary = page.locator("[data-summary]")
    summary.get_by_text("sat").first.wait_for()
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "escrow-sign-browser.png"), full_page=True)
    page.get_by_label("Escrow password").fill("not my password")
    page.get_by_role("button", name="Sign and send").click()
    page.get_by_text("Wrong escrow password.").wait_for()
    page.get_by_label("Escrow password").fill(PASSWORD)
    page.get_by_role("button", name="Sign and send").click()
    page.get_by_text("Signed and sent").wait_for(timeout=20_000)
    txid = _mined_until(page, "Released to the seller")
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "escrow-released.png"), full_page=True)
    paid = _payout_of(app_server, txid)
    payout = page.locator("dt:has-text('Pays out to') + dd").inner_text().strip()
    assert payout in paid and paid[payout] > 0
    assert len(paid) == 2  # the seller's payout and the marketplace fee
    assert errors == []
    context.close()


def test_server_key_and_release_without_javascript(browser: Any, app_server: Any,
                                                   screenshot_dir: Path | None) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    _buy_from_escrow_store(page, app_server)
    words = _server_made_words(page)
    assert len(words) == 12
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "escrow-key-nojs.png"), full_page=True)
    page.get_by_role("link", name=re.compile("I wrote them down")).click()
    assert "/pay/" in page.url
    _pay_and_confirm(page, app_server)
    page.get_by_role("link", name="Escrow page").click()
    page.get_by_role("button", name="Release to the seller").click()
    page.get_by_label(re.compile("Your 12-word escrow phrase")).fill(" ".join(words))
    page.get_by_role("button", name="Sign with my words").click()
    page.get_by_text("Signed and sent").wait_for()
    txid = _mined_until(page, "Released to the seller")
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "escrow-released-nojs.png"), full_page=True)
    assert len(_payout_of(app_server, txid)) == 2
    context.close()


def _staff_with_2fa(browser: Any, app_server: Any) -> Any:
    """The operator from first_run logs in and turns on two-factor, as staff must."""
    from cryptoshop.accounts import totp

    context, page = _log_in(browser, app_server, r"Access token: (\S+)")
    page.goto(app_server + "/accounts/2fa/")
    page.get_by_role("button", name="Set up two-factor").click()
    secret = page.locator("#totp-secret").input_value().strip()
    page.get_by_label("Authentication code").fill(totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="Turn on two-factor").click()
    page.get_by_text("recovery code", exact=False).first.wait_for()
    return context, page


def test_dispute_decided_by_staff_pays_out_the_split(browser: Any, app_server: Any,
                                                    screenshot_dir: Path | None) -> None:
    buyer_context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    buyer = buyer_context.new_page()
    _buy_from_escrow_store(buyer, app_server)
    words = _server_made_words(buyer)
    buyer.get_by_role("link", name=re.compile("I wrote them down")).click()
    _pay_and_confirm(buyer, app_server)
    refund = _refund_address(app_server)
    buyer.get_by_role("link", name="Escrow page").click()
    escrow_url = buyer.url
    buyer.get_by_label("What went wrong?").fill("The bags arrived torn; half are unusable.")
    buyer.get_by_role("button", name="Open a dispute").click()
    buyer.get_by_text("Dispute opened. The arbiter").wait_for()
    buyer.get_by_label("Message").fill("Photos would show the tears; 40 of 50 are torn.")
    buyer.get_by_role("button", name="Add message").click()

    staff_context, staff = _staff_with_2fa(browser, app_server)
    staff.goto(app_server + "/escrow/disputes/")
    staff.get_by_role("link", name=escrow_url.rstrip("/").split("/")[-1]).click()
    staff.get_by_text("40 of 50 are torn").wait_for()
    staff.get_by_label("To the buyer (%)").fill("70")
    staff.get_by_label("Decision, for both parties").fill("Most bags were unusable.")
    staff.get_by_role("button", name="Decide and prepare the payout").click()
    staff.get_by_text("Decision recorded").wait_for()
    if screenshot_dir:
        staff.screenshot(path=str(screenshot_dir / "escrow-dispute-staff.png"), full_page=True)
    staff_context.close()

    # The decision favours the buyer, so the buyer signs; the marketplace co-signs.
    buyer.goto(escrow_url)
    decision = buyer.get_by_test_id("decision").inner_text()
    assert "70% to the buyer, 30% to the seller — Most bags were unusable." in decision
    outputs = buyer.locator("[data-testid=spend-outputs]").inner_text()
    assert refund in outputs and "marketplace fee" in outputs
    buyer.get_by_label(re.compile("Your 12-word escrow phrase")).fill(" ".join(words))
    buyer.get_by_role("button", name="Sign with my words").click()
    buyer.get_by_text("Signed and sent").wait_for()
    paid = _payout_of(app_server, _mined_until(buyer, "Split by the arbiter"))
    assert len(paid) == 3 and refund in paid
    payout = buyer.locator("dt:has-text('Pays out to') + dd").inner_text().strip()
    # 70 % of what is left after the network fee to the buyer; the seller's 30 % less the fee.
    assert paid[refund] > paid[payout] > 0
    buyer_context.close()
