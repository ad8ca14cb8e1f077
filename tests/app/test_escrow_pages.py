"""Escrow pages without a chain: setting up a key three ways (only public keys stored, the
server-made phrase shown once), who may open an escrow's page, PSBT, descriptor and
evidence (404 for anyone else), the pay page asking for a key in escrow mode, a dispute
with a photo, and the seller's escrow settings."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from cryptoshop.btc.escrow import escrow_account_path
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.conversations.actions import purge_old_messages
from cryptoshop.conversations.models import Message
from cryptoshop.escrow.models import Escrow, EscrowKey
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import PaymentSettings
from tests.app.conftest import csrf_from
from tests.escrow_keys import party
from tests.factories import Account, make_account, release_spend, seller_tpub
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db

def logged_in(client: Client, acct: Account) -> Client:
    client.force_login(acct.user)
    return client


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    page = client.get("/escrow/key/")
    return client.post(url, {"csrfmiddlewaretoken": csrf_from(page.content.decode()), **data})


def test_server_made_key_is_shown_once_and_only_the_xpub_is_kept() -> None:
    cache.clear()
    acct = make_account()
    client = logged_in(Client(enforce_csrf_checks=True), acct)
    page = post(client, "/escrow/key/", {"kind": "server", "next": "/orders/"})
    assert page.status_code == 200
    html = page.content.decode()
    words = re.findall(r"<li>([a-z]+)</li>", html)
    assert len(words) == 12
    assert 'href="/orders/"' in html  # back to where the buyer was going
    key = EscrowKey.objects.get(user=acct.user)
    root = root_from_mnemonic(" ".join(words), REGTEST)
    path = escrow_account_path(REGTEST)
    assert key.expression == key_origin(root, path) + account_xpub(root, path, REGTEST)
    assert key.kind == "server" and key.backup == ""
    # The words are gone: the key page shows only the public key from now on.
    again = client.get("/escrow/key/").content.decode()
    assert key.expression in again and words[0] + "</li>" not in again


def test_pasted_and_browser_keys_are_checked() -> None:
    cache.clear()
    acct = make_account()
    client = logged_in(Client(enforce_csrf_checks=True), acct)
    bad = post(client, "/escrow/key/", {"kind": "external", "key": "xpub-not-really"})
    assert bad.status_code == 400 and not EscrowKey.objects.filter(user=acct.user).exists()
    mainnet = post(client, "/escrow/key/", {
        "kind": "external",
        "key": "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8"
               "YtGqsefD265TMg7usUDFdp6W1EGMcet8"})
    assert mainnet.status_code == 400
    assert "network" in mainnet.content.decode().lower()
    _, expression = party(9)
    good = post(client, "/escrow/key/", {"kind": "external", "key": expression})
    assert good.status_code == 302
    assert EscrowKey.objects.get(user=acct.user).expression == expression
    # The browser sends the public key and its own password-encrypted blob (opaque to us).
    _, other = party(10)
    blob = '{"v":1,"kdf":"scrypt","ct":"AAAA","expression":"x"}'
    assert post(client, "/escrow/key/", {"kind": "browser", "key": other,
                                         "backup": blob}).status_code == 302
    key = EscrowKey.objects.get(user=acct.user)
    assert (key.kind, key.expression, key.backup) == ("browser", other, blob)
    post(client, "/escrow/key/", {"kind": "browser", "key": other, "backup": "x" * 5000})
    assert EscrowKey.objects.get(user=acct.user).backup == blob  # too large: refused


def test_only_the_parties_see_an_escrow(trio: tuple[Any, ...]) -> None:
    buyer, owner, stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    urls = [f"/escrow/{escrow.public_id}/", f"/escrow/{escrow.public_id}/status/",
            f"/escrow/{escrow.public_id}/psbt/{spend.pk}.psbt",
            f"/escrow/{escrow.public_id}/descriptor.txt"]
    for url in urls:
        assert logged_in(Client(), stranger).get(url).status_code == 404, url
        assert logged_in(Client(), buyer).get(url).status_code == 200, url
        assert logged_in(Client(), owner).get(url).status_code == 200, url
    assert Client().get(urls[0]).status_code == 302  # to the login page
    raw = logged_in(Client(), buyer).get(urls[2]).content
    assert raw.startswith(b"psbt\xff")
    text = logged_in(Client(), owner).get(urls[3]).content.decode()
    assert escrow.descriptor in text
    page = logged_in(Client(), buyer).get(urls[0]).content.decode()
    assert "Sign: release to the seller" in page and spend.psbt in page
    # The seller sees the release waiting for the buyer, with nothing to sign.
    seller_page = logged_in(Client(), owner).get(urls[0]).content.decode()
    assert "waiting for the <strong>buyer</strong>" in seller_page
    assert "Sign with my words" not in seller_page


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def test_dispute_with_a_photo_only_the_parties_see(trio: tuple[Any, ...]) -> None:
    cache.clear()
    buyer, owner, stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    client = logged_in(Client(enforce_csrf_checks=True), buyer)
    short = post(client, f"/escrow/{escrow.public_id}/dispute/", {"reason": "bad"})
    assert short.status_code == 400
    assert "at least 10 characters" in short.content.decode().lower()
    opened = post(client, f"/escrow/{escrow.public_id}/dispute/",
                  {"reason": "The hat arrived with a hole in it."})
    assert opened.status_code == 302
    page = client.get(f"/escrow/{escrow.public_id}/")
    token = csrf_from(page.content.decode())
    photo = io.BytesIO(_png())
    photo.name = "hole.png"
    said = client.post(f"/escrow/{escrow.public_id}/message/",
                       {"csrfmiddlewaretoken": token, "text": "See the photo.",
                        "evidence": photo})
    assert said.status_code == 302
    # The message is in the order's conversation, which the escrow page shows.
    message = Message.objects.get(thread__order=order)
    assert message.author_role == "buyer" and message.body == "See the photo."
    url = f"/escrow/{escrow.public_id}/evidence/{message.public_id}/"
    assert logged_in(Client(), owner).get(url).status_code == 200
    assert logged_in(Client(), stranger).get(url).status_code == 404
    assert Client().get("/media/" + message.attachment).status_code == 404  # never public
    # Weeks after the order finished, text and photo are erased; while the dispute is open
    # nothing is, however old the order.
    stored = Path(settings.MEDIA_ROOT) / message.attachment
    assert stored.is_file()
    later = timezone.now() + timedelta(days=settings.ORDER_PURGE_DAYS + 1)
    Order.objects.filter(pk=order.pk).update(status="completed", updated_at=timezone.now())
    assert purge_old_messages(later) == 0  # the open dispute holds it
    Escrow.objects.filter(pk=escrow.pk).update(status="released", closed_at=timezone.now())
    escrow.dispute.status = "closed"
    escrow.dispute.save(update_fields=["status"])
    assert purge_old_messages() == 0  # not yet
    assert purge_old_messages(later) == 1
    message.refresh_from_db()
    assert message.attachment == "" and message.body == "" and message.purged
    assert not stored.exists()
    assert logged_in(Client(), owner).get(url).status_code == 404
    Escrow.objects.filter(pk=escrow.pk).update(status="funded", closed_at=None)
    escrow.dispute.status = "open"
    escrow.dispute.save(update_fields=["status"])
    junk = io.BytesIO(b"not an image")
    junk.name = "x.png"
    bad = client.post(f"/escrow/{escrow.public_id}/message/",
                      {"csrfmiddlewaretoken": token, "text": "junk", "evidence": junk})
    assert bad.status_code == 400


def test_pay_page_asks_for_an_escrow_key_and_the_seller_needs_one_for_escrow(
        trio: tuple[Any, ...]) -> None:
    cache.clear()
    buyer, owner, _stranger, order = trio
    seller_client = logged_in(Client(enforce_csrf_checks=True), owner)
    form = {"descriptor": seller_tpub(77), "mode": "escrow", "auto_release_days": "14",
            "required_confirmations": "1", "invoice_minutes": "15", "watch_hours": "24",
            "tolerance_percent": "0"}
    page = seller_client.get("/sell/payments/").content.decode()
    refused = seller_client.post("/sell/payments/",
                                 {"csrfmiddlewaretoken": csrf_from(page), **form})
    assert refused.status_code == 400 and "escrow key first" in refused.content.decode()
    post(seller_client, "/escrow/key/", {"kind": "external", "key": party(2)[1]})
    for days, status in (("2", 400), ("14", 302)):
        answer = seller_client.post("/sell/payments/", {
            "csrfmiddlewaretoken": csrf_from(seller_client.get("/sell/payments/")
                                             .content.decode()),
            **form, "auto_release_days": days})
        assert answer.status_code == status, days
    ps = PaymentSettings.objects.get(store=order.store)
    assert (ps.mode, ps.auto_release_days) == ("escrow", 14)
    pay_page = logged_in(Client(), buyer).get(f"/orders/{order.public_id}/pay/")
    assert "This store uses 2-of-3 escrow" in pay_page.content.decode()
    assert "/escrow/key/?next=/orders/" in pay_page.content.decode()
