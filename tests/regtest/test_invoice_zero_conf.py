"""Scenario: a store that accepts 0 confirmations settles a non-RBF payment as soon as it
is in the mempool."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_zero_conf_store_settles_from_the_mempool(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Seller settles on zero confirmations; buyer orders a 12 345 sat item")
        shop = open_shop(btcd_node, price_sat=12_345, confirmations=0)
        log.info("Buyer pays the exact amount (no RBF) and nothing is mined")
        btcd_node.fund(shop.invoice.address, 12_345, rbf=False)
        log.info("The watcher settles the invoice from the mempool")
        shop.poll()
        assert shop.invoice.status == "settled" and shop.order.status == "paid"
        assert shop.invoice.payments.get().block_height is None
