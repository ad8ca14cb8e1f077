"""Live rooms and sessions: a recycled payment address's room is only for the invoice
holding the address now; ending a session re-checks that user's sockets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cryptoshop.payments import actions as pay
from cryptoshop.payments.addresses import recycle_unpaid_addresses
from cryptoshop.payments.models import Invoice
from cryptoshop.realtime import bus
from cryptoshop.realtime.rooms import may_join
from tests.factories import add_to_cart, checkout, listing, make_account, seller, seller_tpub

pytestmark = pytest.mark.django_db

@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """Every live event and control message handed to the transport, in order."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    monkeypatch.setattr(bus, "_send", lambda room, event, payload: out.append(
        (room, event, payload)))
    return out


# --- 1. a recycled address's room ----------------------------------------------------------

def _order(store, buyer):  # type: ignore[no-untyped-def]
    [order] = checkout(buyer.user, add_to_cart(buyer.user, listing(store)),
                       address="1 Main Street x")
    return order


def _expire(invoice: Invoice) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(
        status="expired", expires_at=timezone.now() - timedelta(days=2),
        watch_until=timezone.now() - timedelta(hours=1))


def test_address_room_is_only_for_the_invoice_holding_the_address_now(
        settings, sent, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    owner, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(12), mode="direct"))
    x, y = make_account(), make_account()
    first = pay.do_create_invoice(_order(store, x), x.user, client_ip="x")
    room = f"address-{first.address}"
    assert may_join(x.user, room) and may_join(owner.user, room)
    _expire(first)
    with django_capture_on_commit_callbacks(execute=True):
        assert recycle_unpaid_addresses() == 1
    # The watch window is over: X's old invoice no longer holds the address.
    assert not may_join(x.user, room)
    assert (room, bus.CONTROL_EVENT, {"action": "leave", "room": room}) in sent
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = pay.do_create_invoice(_order(store, y), y.user, client_ip="x")
    assert second.address == first.address
    assert may_join(y.user, room) and may_join(owner.user, room)
    assert not may_join(x.user, room)
    # Sockets still in the room leave before the new holder's first event goes out.
    to_room = [(event, data.get("action") or data.get("type")) for r, event, data in sent
               if r == room]
    assert to_room[:2] == [(bus.CONTROL_EVENT, "leave"), ("transaction-event", "address_generated")]


# --- 4. sessions and sockets; staff without 2FA -------------------------------------------

def test_ending_a_session_tells_its_sockets(client: Client, sent,  # type: ignore[no-untyped-def]
                                            django_capture_on_commit_callbacks) -> None:
    acct = make_account()
    room = f"user-{acct.user.public_id}"
    recheck = (room, bus.CONTROL_EVENT, {"action": "recheck", "room": room})

    def ends_sessions(method: str, path: str, **kwargs: Any) -> None:
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(path, **kwargs)
        assert response.status_code in (200, 302), response.content
        assert recheck in sent, path

    session = client.post("/api/auth/login", data={"token": acct.token},
                          content_type="application/json")
    token = session.json()["data"]["sessionToken"]
    ends_sessions("post", "/api/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/accounts/login/", {"token": acct.token})
    ends_sessions("post", "/accounts/logout/")
    client.post("/accounts/login/", {"token": acct.token})
    ends_sessions("post", "/accounts/token/rotate/")
