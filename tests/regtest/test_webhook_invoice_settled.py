"""Scenario: a real payment on the btcd node settles an invoice, which fires
`invoice.settled` to the seller's local HTTP receiver. The receiver fails twice (HTTP 500)
and then accepts; the delivery job is driven directly at each due time (instead of waiting
out the 10 s and 20 s backoff), and the log shows exactly three attempts: 500, 500, 200."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.webhooks import actions, delivery
from cryptoshop.webhooks.models import Delivery
from cryptoshop.webhooks.signing import verify_signature
from tests.regtest.node_steps import log, open_shop, rpc_settings
from tests.webhook_receiver import webhook_receiver

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_settled_invoice_is_delivered_after_two_failures(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), webhook_receiver(500, 500) as receiver:
        shop = open_shop(btcd_node, price_sat=61_500, confirmations=1)
        hook = actions.do_create_webhook(shop.order.store, actions.WebhookInput(
            url=receiver.url, events=["invoice.settled"]))
        log.info("Buyer pays 61 500 sat; one block settles it")
        txid = shop.pay(61_500)
        shop.poll()
        assert shop.invoice.status == "processing"
        assert not Delivery.objects.exists()  # invoice.processing wasn't chosen
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled" and shop.order.status == "paid"
        item = Delivery.objects.get(webhook=hook)
        assert item.event_type == "invoice.settled" and item.status == "pending"
        log.info("The receiver answers 500, 500, then 200")
        assert delivery.deliver_due() == 1
        item.refresh_from_db()
        first_at = item.attempt_log.get().at
        assert item.next_attempt_at == first_at + timedelta(seconds=10)
        assert delivery.deliver_due(now=item.next_attempt_at) == 1
        item.refresh_from_db()
        assert item.next_attempt_at == first_at + timedelta(seconds=30)
        assert delivery.deliver_due(now=item.next_attempt_at) == 1
        item.refresh_from_db()
        assert delivery.deliver_due(now=first_at + timedelta(hours=1)) == 0
    assert (item.status, item.attempts, item.last_status_code) == ("delivered", 3, 200)
    assert [(a.number, a.status_code) for a in item.attempt_log.all()] == [
        (1, 500), (2, 500), (3, 200)]
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # the same bytes every time
    last = receiver.received[-1]
    verify_signature(hook.secret, last.headers["CryptoShop-Signature"], last.body)
    body = json.loads(last.body)
    assert body["type"] == "invoice.settled"
    assert body["storeId"] == shop.order.store.public_id
    assert body["data"]["id"] == shop.invoice.public_id
    assert body["data"]["orderId"] == shop.order.public_id
    assert (body["data"]["status"], body["data"]["previousStatus"]) == ("settled", "processing")
    assert body["data"]["amountSat"] == body["data"]["paidSat"] == 61_500
    assert body["data"]["confirmedSat"] == 61_500
    log.info("settled by %s, delivered on the third attempt", txid)
