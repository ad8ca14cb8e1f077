"""Refunds of direct-mode orders without a node: who may see and start them, amounts,
the refusals by name (escrow, no refund address, nothing paid, twice), the seller's page
with the BIP21 QR (JavaScript off), the buyer's refund address per order, and the default
refund address in the account (encrypted at rest, prefilled when paying)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cryptoshop.accounts.deletion import plan_for
from cryptoshop.orders.actions import expire_reservations
from cryptoshop.payments.models import Invoice, Refund
from tests import factories
from tests.app.escrow_api_client import auth, get, post
from tests.app.refund_setup import chain_seen, paid_direct_order
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _configured_but_unreachable_node(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


def _url(order_id: str) -> str:
    return f"/api/orders/{order_id}/refund"


def test_strangers_get_404_and_the_buyer_cannot_start_a_refund(client: Client) -> None:
    paid = paid_direct_order()
    url = _url(paid.order.public_id)
    assert get(client, url, paid.stranger).status_code == 404
    assert post(client, url, paid.stranger).status_code == 404
    assert post(client, f"/api/orders/{paid.order.public_id}/cancel", paid.stranger
                ).status_code == 404
    refused = post(client, url, paid.buyer)
    assert refused.status_code == 403 and refused.json()["error"] == "not_seller"
    assert not Refund.objects.exists()
    for acct in (paid.buyer, paid.seller):
        seen = get(client, url, acct).json()["data"]
        assert seen["receivedSat"] == 150_000 and seen["cancelAndRefundSat"] == 150_000
    # The pages: a stranger's fragment and forms are 404 too; the buyer can't post the
    # seller's form, nor the seller the buyer's.
    client.post("/accounts/login/", {"token": paid.stranger.token})
    oid = paid.order.public_id
    assert client.get(f"/orders/{oid}/refund/status/").status_code == 404
    assert client.post(f"/sell/orders/{oid}/refund/").status_code == 404
    assert client.post(f"/orders/{oid}/refund-address/",
                       {"refund_address": factories.refund_address(5)}).status_code == 404
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"token": paid.buyer.token})
    assert client.post(f"/sell/orders/{oid}/refund/").status_code == 404
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"token": paid.seller.token})
    assert client.post(f"/orders/{oid}/refund-address/",
                       {"refund_address": factories.refund_address(5)}).status_code == 404


def test_amounts_are_validated_and_a_partial_refund_cancels_the_order(client: Client) -> None:
    paid = paid_direct_order()
    url = _url(paid.order.public_id)
    for bad in (0, -5, "12abc", 1.5, True):
        answer = post(client, url, paid.seller, {"amountSat": bad})
        assert answer.status_code == 400, bad
    too_much = post(client, url, paid.seller, {"amountSat": 150_001})
    assert too_much.status_code == 400
    assert too_much.json()["error"] == "amount_too_large"
    # A P2WPKH output under 294 sats is dust: no node would relay the seller's payment.
    tiny = post(client, url, paid.seller, {"amountSat": 293})
    assert tiny.status_code == 400 and tiny.json()["error"] == "amount_below_dust"
    assert "294 sats" in str(tiny.json())
    assert not Refund.objects.exists()
    started = post(client, url, paid.seller, {"amountSat": 40_000})
    assert started.status_code == 201, started.json()
    data = started.json()["data"]
    assert data["orderStatus"] == "cancelled" and data["refund"]["amountSat"] == 40_000
    assert data["refund"]["status"] == "waiting" and data["qrSvg"].startswith("<svg")
    assert data["refund"]["bip21"].startswith(f"bitcoin:{paid.invoice.refund_address}?amount=0.0004")
    again = post(client, url, paid.seller, {"amountSat": 1_000})
    assert again.status_code == 409 and again.json()["error"] == "already_refunding"
    seen = get(client, url, paid.buyer).json()["data"]
    assert seen["owedSat"] == 110_000 and [r["status"] for r in seen["refunds"]] == ["waiting"]


def test_escrow_orders_refund_through_their_escrow(client: Client) -> None:
    buyer, (seller, store) = factories.make_account(), factories.seller(shipping_sat=0)
    order = factories.make_order(buyer.user, store)
    factories.open_escrow(order)
    answer = post(client, _url(order.public_id), seller)
    assert answer.status_code == 409 and answer.json()["error"] == "escrow_mode"
    assert "escrow" in answer.json()["message"]


def test_nothing_to_refund_before_a_payment(client: Client) -> None:
    buyer, (seller, store) = factories.make_account(), factories.seller(shipping_sat=0)
    factories.payout(store, factories.seller_tpub(650), mode="direct")
    order = factories.make_order(buyer.user, store)
    factories.invoice(order, buyer.user, refund_address=factories.refund_address(9))
    answer = post(client, _url(order.public_id), seller)
    assert answer.status_code == 409 and answer.json()["error"] == "not_paid"


def test_no_refund_address_until_the_buyer_adds_one(client: Client) -> None:
    paid = paid_direct_order(refund="")
    oid = paid.order.public_id
    answer = post(client, _url(oid), paid.seller)
    assert answer.status_code == 409 and answer.json()["error"] == "no_refund_address"
    client.post("/accounts/login/", {"token": paid.seller.token})
    page = client.get(f"/sell/orders/{oid}/").content.decode()
    assert "none given" in page and "Cancel order and refund" not in page
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"token": paid.buyer.token})
    page = client.get(f"/orders/{oid}/").content.decode()
    assert "Save refund address" in page
    bad = client.post(f"/orders/{oid}/refund-address/", {"refund_address": "bc1notanaddress"},
                      follow=True)
    assert "Not a valid regtest address" in bad.content.decode()
    address = factories.refund_address(77)
    client.post(f"/orders/{oid}/refund-address/", {"refund_address": f"  {address} "})
    assert Invoice.objects.get(pk=paid.invoice.pk).refund_address == address
    assert post(client, _url(oid), paid.seller).status_code == 201


def test_seller_page_shows_the_refund_qr_without_javascript(client: Client) -> None:
    paid = paid_direct_order()
    oid = paid.order.public_id
    client.post("/accounts/login/", {"token": paid.seller.token})
    page = client.get(f"/sell/orders/{oid}/").content.decode()
    assert paid.invoice.refund_address in page and "Cancel order and refund" in page
    bad = client.post(f"/sell/orders/{oid}/refund/", {"amount_sat": "lots"}, follow=True)
    assert "whole number of sats" in bad.content.decode()
    done = client.post(f"/sell/orders/{oid}/refund/", {"amount_sat": ""}, follow=True)
    page = done.content.decode()
    assert "Refund of 150,000 sats ready" in page
    assert re.search(r'href="bitcoin:bcrt1[^"?]+\?amount=0\.0015', page)
    assert "Refund QR code" in page and 'http-equiv="refresh"' in page  # JS off: refreshes
    assert client.get(f"/orders/{oid}/refund/status/").status_code == 200
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"token": paid.buyer.token})
    page = client.get(f"/orders/{oid}/").content.decode()
    assert "The seller is refunding 150,000 sats" in page and "Refund QR code" not in page


def test_overpayment_and_an_unfinished_payment_are_owed_back(client: Client) -> None:
    paid = paid_direct_order(pay_sat=170_000)
    url = _url(paid.order.public_id)
    assert get(client, url, paid.seller).json()["data"]["owedSat"] == 20_000
    too_much = post(client, url, paid.seller, {"leftover": True, "amountSat": 20_001})
    assert too_much.json()["error"] == "amount_too_large"
    started = post(client, url, paid.seller, {"leftover": True}).json()["data"]
    assert started["refund"]["kind"] == "overpayment" and started["refund"]["amountSat"] == 20_000
    assert started["orderStatus"] == "paid"
    # An invoice that expired with part of it paid: the order expired, everything is owed.
    buyer, (seller, store) = factories.make_account(), factories.seller(shipping_sat=0)
    factories.payout(store, factories.seller_tpub(651), mode="direct")
    order = factories.make_order(buyer.user, store)
    invoice = factories.invoice(order, buyer.user, refund_address=factories.refund_address(8))
    Invoice.objects.filter(pk=invoice.pk).update(expires_at=invoice.created_at)
    invoice.refresh_from_db()
    chain_seen(invoice, 60_000)
    assert invoice.status == "expired" and invoice.paid_partial
    order.refresh_from_db()
    expire_reservations(now=order.reserved_until.replace(year=order.reserved_until.year + 1))
    left = post(client, _url(order.public_id), seller).json()["data"]
    assert left["refund"]["kind"] == "leftover" and left["refund"]["amountSat"] == 60_000
    assert left["orderStatus"] == "expired"


def test_cancel_endpoint_for_paid_direct_orders(client: Client) -> None:
    paid = paid_direct_order()
    url = f"/api/orders/{paid.order.public_id}/cancel"
    refused = post(client, url, paid.buyer)
    assert refused.status_code == 409 and refused.json()["error"] == "not_seller"
    done = post(client, url, paid.seller, {"reason": "out of stock"})
    assert done.status_code == 200 and done.json()["data"]["status"] == "cancelled"
    owed = get(client, _url(paid.order.public_id), paid.buyer).json()["data"]
    assert owed["owedSat"] == 150_000 and owed["cancelAndRefundSat"] == 0


def test_default_refund_address_is_encrypted_and_prefills_the_pay_page(client: Client) -> None:
    buyer, (_seller, store) = factories.make_account(), factories.seller(shipping_sat=0)
    factories.payout(store, factories.seller_tpub(652), mode="direct")
    client.post("/accounts/login/", {"token": buyer.token})
    bad = client.post("/accounts/refund-address/", {"default_refund_address": "nope"})
    assert bad.status_code == 400 and "Not a valid regtest address" in bad.content.decode()
    address = factories.refund_address(99)
    client.post("/accounts/refund-address/", {"default_refund_address": address})
    with connection.cursor() as cursor:
        cursor.execute("SELECT default_refund_address FROM accounts_user WHERE id = %s",
                       [buyer.user.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and address not in raw
    assert address in client.get("/accounts/").content.decode()
    order = factories.make_order(buyer.user, store)
    pay_page = client.get(f"/orders/{order.public_id}/pay/").content.decode()
    assert f'value="{address}"' in pay_page  # prefilled; the buyer may still change it
    me = client.get("/api/auth/me", headers=auth(buyer)).json()["data"]
    assert me["defaultRefundAddress"] == address
    assert "your default refund address" in plan_for(factories.user_of(buyer)).removed
    cleared = client.put("/api/auth/me/refund-address", data={"defaultRefundAddress": ""},
                         content_type="application/json", headers=auth(buyer))
    assert cleared.status_code == 200 and cleared.json()["data"]["defaultRefundAddress"] is None


def test_refund_panel_queries_do_not_grow_with_refunds(client: Client) -> None:
    paid = paid_direct_order(pay_sat=200_000)
    client.post("/accounts/login/", {"token": paid.seller.token})
    url = f"/orders/{paid.order.public_id}/refund/status/"

    def confirmed_refund(amount: int) -> None:
        refund = post(client, _url(paid.order.public_id), paid.seller,
                      {"leftover": True, "amountSat": amount}).json()["data"]["refund"]
        Refund.objects.filter(public_id=refund["id"]).update(status="confirmed",
                                                             txids=["ab" * 32])

    confirmed_refund(1_000)
    client.get(url)
    one = _count(client, url)
    for amount in (2_000, 3_000, 4_000):
        confirmed_refund(amount)
    with assert_database_query_count(one):
        page = client.get(url)
    assert page.content.decode().count("ab" * 32) == 4


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries.captured_queries)
