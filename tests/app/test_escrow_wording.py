"""Item 7: escrow wording on the order, escrow and key pages — amounts through the money
filter, "held" only while held, the seller's text following the escrow, the history saying
"Shipped", the signer addressed as "you", the ways to sign as options, the server-key offer
not under a "the server never sees" claim, the photo hint matching what is accepted, and
counts pluralised."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.core.templatetags.money import sats
from cryptoshop.escrow.forms import MessageForm
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders import actions as order_actions
from tests.factories import FUNDED_SAT, release_spend
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db


def _page(client: Client, user: Any, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(response.content.decode().split())  # as a reader sees the spacing


def test_order_page_escrow_card(client: Client, trio: tuple[Any, ...]) -> None:
    _buyer, owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    url = f"/sell/orders/{order.public_id}/"
    seller_view = _page(client, owner.user, url)
    assert f"Funded · {sats(FUNDED_SAT)} held" in seller_view and f"{FUNDED_SAT} sats" not in seller_view
    assert "You are paid when the buyer releases" in seller_view
    Escrow.objects.filter(pk=escrow.pk).update(status=Escrow.Status.RELEASED)
    released = _page(client, owner.user, url)
    assert "held" not in released.split('id="escrow-card"')[1].split("</section>")[0]
    assert "You are paid when the buyer releases" not in released


def test_history_says_shipped_with_the_note(client: Client, trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    escrow_row(order, Escrow.Status.FUNDED)
    order.status = "paid"
    order.save(update_fields=["status"])
    order_actions.do_mark_shipped(order, owner.user, "DHL 123456")
    html = _page(client, buyer.user, f"/orders/{order.public_id}/")
    history = html.split("<h2>History</h2>")[1].split("</ol>")[0]
    assert "Shipped" in history and "DHL 123456" in history


def test_the_signer_is_you_and_the_ways_to_sign_are_options(
        client: Client, trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    release_spend(escrow)
    mine = _page(client, buyer.user, f"/escrow/{escrow.public_id}/")
    assert "waiting for the <strong>buyer</strong>" not in mine
    assert "waiting for <strong>your</strong> signature" in mine
    theirs = _page(client, owner.user, f"/escrow/{escrow.public_id}/")
    assert "waiting for the <strong>buyer</strong> to sign" in theirs
    assert "…or type your 12-word escrow phrase" not in mine
    assert "Sign in any one of these ways" in mine and "in your own wallet" in mine


def test_key_page_claims_only_what_each_option_does(client: Client,
                                                    trio: tuple[Any, ...]) -> None:
    buyer, *_ = trio
    html = _page(client, buyer.user, "/escrow/key/")
    nojs = html.split("data-escrow-nojs")[1].split("data-escrow-js")[0]
    header = html.split("Make a key in this browser")[1].split("data-escrow-nojs")[0]
    assert "never sees" not in header
    assert "never sees" not in nojs and "once" in nojs


def test_photo_hint_matches_what_is_accepted() -> None:
    hint = str(MessageForm().fields["evidence"].help_text)
    assert "GIF" in hint


def test_deletion_plan_pluralises(trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    order.status = "completed"
    order.save(update_fields=["status"])
    kept = " ".join(order_actions.deletion_plan(buyer.user).kept)
    assert "(s)" not in kept and "1 finished order stays" in kept
