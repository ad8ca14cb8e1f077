"""Scenario: an exact payment goes new → processing (mempool) → settled after the store's
confirmations; the order becomes paid and the seller is notified."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.notifications.models import Notification
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_exact_payment_settles_after_two_confirmations(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Seller wants two confirmations; buyer orders a 73 210 sat item")
        shop = open_shop(btcd_node, price_sat=73_210, confirmations=2)
        shop.poll()
        assert shop.invoice.status == "new" and shop.invoice.paid_sat == 0
        log.info("Buyer pays the exact amount")
        txid = shop.pay(73_210)
        shop.poll()
        assert shop.invoice.status == "processing" and shop.invoice.paid_sat == 73_210
        assert shop.order.status == "pending_payment"
        payment = shop.invoice.payments.get()
        assert payment.txid == txid and payment.block_height is None
        log.info("The first confirmation")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "processing" and shop.invoice.confirmed_sat == 0
        log.info("The second confirmation")
        shop.mine(1)
        shop.poll()
        log.info("two confirmations: settled")
        assert shop.invoice.status == "settled" and shop.invoice.confirmed_sat == 73_210
        assert not (shop.invoice.paid_partial or shop.invoice.paid_over or shop.invoice.paid_late)
        assert shop.order.status == "paid"
        assert sorted(Notification.objects.filter(user=shop.order.store.owner)
                      .values_list("kind", flat=True)) == ["order_paid", "order_placed"]
        kinds = list(shop.invoice.events.values_list("kind", flat=True))
        assert kinds[0] == "address_generated" and "payment_detected" in kinds
        assert "transaction_mined" in kinds and kinds[-1] == "payment_confirmed"
        # Polling again changes nothing (idempotent).
        shop.poll()
        assert shop.invoice.events.count() == len(kinds)
