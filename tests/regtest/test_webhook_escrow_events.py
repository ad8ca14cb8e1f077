"""Scenario: an escrow order on the btcd node, followed by a webhook that chose every event:
the payment settles and funds the escrow, the seller ships, the buyer releases, the payout
confirms — and the receiver gets each step once, signed, in the order it happened."""

from __future__ import annotations

import json

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow import signing, spends
from cryptoshop.orders import actions as order_actions
from cryptoshop.webhooks import actions, delivery
from cryptoshop.webhooks.events import EVENT_TYPES
from cryptoshop.webhooks.models import Delivery
from cryptoshop.webhooks.signing import verify_signature
from tests.regtest.node_steps import escrow_settings, log, open_escrow_shop, rpc_settings
from tests.webhook_receiver import webhook_receiver

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_escrow_steps_reach_the_receiver_in_order(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings(), webhook_receiver() as receiver:
        shop = open_escrow_shop(btcd_node, price_sat=180_000, fund=False)
        hook = actions.do_create_webhook(shop.order.store, actions.WebhookInput(
            url=receiver.url, events=list(EVENT_TYPES)))
        log.info("Buyer pays into escrow; one block confirms it")
        btcd_node.fund(shop.escrow.address, shop.invoice.amount_sat)
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "funded"
        order_actions.do_mark_shipped(shop.order, shop.seller, "tracking 9")
        spends.do_release(shop.escrow, shop.buyer)
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer,
                                                    phrase=shop.buyer_phrase))
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "released" and shop.order.status == "completed"
        assert delivery.deliver_due() == 6
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["type"] for b in bodies] == [
        "invoice.settled", "escrow.funded", "order.paid", "order.shipped", "escrow.released",
        "order.completed"]
    for received in receiver.received:
        verify_signature(hook.secret, received.headers["CryptoShop-Signature"], received.body)
    assert bodies[1]["data"] == {"id": shop.escrow.public_id, "orderId": shop.order.public_id,
                                 "status": "funded", "fundedSat": 180_000}
    assert bodies[4]["data"]["status"] == "released"
    assert (bodies[5]["data"]["status"], bodies[5]["data"]["previousStatus"]) == (
        "completed", "shipped")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    log.info("release %s: six events delivered", signed.txid)
