"""Scenario: the buyer pays more than asked: settled, marked paid_over for the seller."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_overpayment_is_marked(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        shop = open_shop(btcd_node, price_sat=30_000)
        shop.pay(45_000)
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled" and shop.invoice.paid_over
        assert shop.invoice.paid_sat == 45_000 and shop.order.status == "paid"
