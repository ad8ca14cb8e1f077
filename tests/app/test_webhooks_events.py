"""Which changes become which webhook events, through the real actions: an invoice that
expires unpaid (invoice.expired), an escrow dispute (escrow.disputed), order changes; the
payloads carry the object as it is after the change. (invoice.settled from a real payment
is in tests/regtest/test_webhook_invoice_settled.py.)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cryptoshop.escrow.disputes import do_open_dispute
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments import actions as pay
from cryptoshop.webhooks import actions
from cryptoshop.webhooks.events import EVENT_TYPES
from cryptoshop.webhooks.models import Delivery
from tests.factories import FUNDED_SAT, make_account, make_order, open_escrow, seller, seller_tpub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _configured_but_unreachable_node(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


def _all_events(store):  # type: ignore[no-untyped-def]
    return actions.do_create_webhook(store, actions.WebhookInput(
        url="http://127.0.0.1:9/hooks", events=list(EVENT_TYPES)))


def _queued() -> list[tuple[str, dict]]:
    return [(d.event_type, json.loads(d.body)["data"])
            for d in Delivery.objects.order_by("created_at", "id")]


def test_the_events_offered() -> None:
    assert EVENT_TYPES == (
        "order.created", "order.paid", "order.shipped", "order.completed", "order.cancelled",
        "order.refunded", "invoice.processing", "invoice.settled", "invoice.expired",
        "invoice.invalid", "escrow.funded", "escrow.released", "escrow.refunded",
        "escrow.disputed")


def test_an_invoice_expiring_unpaid_is_invoice_expired() -> None:
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(18), mode="direct"))
    buyer = make_account()
    order = make_order(buyer.user, store)
    invoice = pay.do_create_invoice(order, buyer.user, client_ip="x")
    _all_events(store)
    assert pay.apply_state(invoice, 100, now=invoice.expires_at + timedelta(seconds=1))
    [(event, data)] = _queued()
    assert event == "invoice.expired"
    assert data == {"id": invoice.public_id, "orderId": order.public_id, "status": "expired",
                    "previousStatus": "new", "address": invoice.address,
                    "amountSat": FUNDED_SAT, "paidSat": 0, "confirmedSat": 0,
                    "paidPartial": False, "paidOver": False, "paidLate": False}


def test_an_escrow_dispute_is_escrow_disputed() -> None:
    buyer = make_account()
    _, store = seller(shipping_sat=0)
    order = make_order(buyer.user, store)
    escrow = open_escrow(order, Escrow.Status.FUNDED)
    _all_events(store)
    do_open_dispute(escrow, buyer.user, "It never arrived at all.")
    assert _queued() == [("escrow.disputed", {
        "id": escrow.public_id, "orderId": order.public_id, "status": "disputed",
        "fundedSat": FUNDED_SAT})]


def test_order_lifecycle_events_in_order() -> None:
    owner, store = seller()
    buyer = make_account()
    _all_events(store)
    order = make_order(buyer.user, store, kind="physical")
    order_actions.do_mark_paid(order)
    order_actions.do_mark_shipped(order, owner.user, "Tracked, 3 days")
    order_actions.do_confirm_received(order, buyer.user)
    assert [(e, d["status"], d["previousStatus"]) for e, d in _queued()] == [
        ("order.created", "pending_payment", None), ("order.paid", "paid", "pending_payment"),
        ("order.shipped", "shipped", "paid"), ("order.completed", "completed", "shipped")]
    # An expiry isn't an event endpoints can choose: nothing is queued for it.
    late = make_order(buyer.user, store)
    Delivery.objects.all().delete()
    order_actions.expire_reservations(now=late.reserved_until + timedelta(seconds=1))
    assert _queued() == []
