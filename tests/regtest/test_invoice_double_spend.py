"""Scenario: a payment seen in the mempool is double-spent by a transaction that gets
mined before the watcher sees it in the mempool: the block's conflicting input marks the
payment conflicted and the invoice invalid."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]
ELSEWHERE = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def test_double_spend_confirmed_in_a_block(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 61 000 sat item")
        shop = open_shop(btcd_node, price_sat=61_000)
        log.info("Buyer pays the exact amount (RBF) and the watcher sees it in the mempool")
        raw, coins = btcd_node.build_payment(shop.invoice.address, 61_000, rbf=True)
        btcd_node.rpc.broadcast(raw)
        shop.poll()
        assert shop.invoice.status == "processing"
        log.info("A conflicting transaction spends the same coins elsewhere at a higher fee")
        double, _ = btcd_node.build_payment(ELSEWHERE, 61_000, rbf=True, utxos=coins,
                                            sat_per_vb=25)
        btcd_node.rpc.broadcast(double)
        shop.mine(1)
        log.info("the conflicting transaction is mined before the watcher looks again")
        shop.poll()
        assert shop.invoice.payments.get().state == "conflicted"
        assert shop.invoice.status == "invalid" and shop.order.status == "pending_payment"
