"""Scenario: the buyer pays more than asked: settled, marked paid_over for the seller."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_overpayment_is_marked(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 30 000 sat item")
        shop = open_shop(btcd_node, price_sat=30_000)
        log.info("Buyer pays 45 000 sat, 15 000 more than asked")
        shop.pay(45_000)
        shop.mine(1)
        log.info("The watcher sees the confirmed overpayment")
        shop.poll()
        assert shop.invoice.status == "settled" and shop.invoice.paid_over
        assert shop.invoice.paid_sat == 45_000 and shop.order.status == "paid"
