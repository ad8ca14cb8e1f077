"""Scenario: a store accepts 1 % less (fees eaten by the buyer's wallet): 99.5 % settles,
with the exact integer threshold."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments.state import threshold_sat
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_payment_within_tolerance_settles(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Seller accepts payments up to 1 % short; buyer orders a 200 001 sat item")
        shop = open_shop(btcd_node, price_sat=200_001, tolerance="1.00")
        assert threshold_sat(200_001, shop.invoice.tolerance_percent) == 198_001
        log.info("Buyer pays 198 001 sat, just within the tolerance")
        shop.pay(198_001)
        shop.mine(1)
        log.info("The watcher sees it confirmed")
        shop.poll()
        assert shop.invoice.status == "settled" and not shop.invoice.paid_partial
