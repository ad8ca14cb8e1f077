"""Scenario: the buyer underpays (marked paid_partial, still due the rest), then tops up;
both payments add up and the invoice settles."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments.actions import bip21_uri
from tests.regtest.node_steps import open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_underpayment_then_top_up(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        shop = open_shop(btcd_node, price_sat=100_000)
        shop.pay(60_000)
        shop.poll()
        assert shop.invoice.status == "new" and shop.invoice.paid_partial
        assert shop.invoice.due_sat == 40_000
        assert "amount=0.0004" in bip21_uri(shop.invoice)  # the new QR asks for the rest
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "new" and shop.invoice.paid_partial
        assert shop.invoice.confirmed_sat == 60_000  # confirmed, but not enough
        shop.pay(40_000)
        shop.poll()
        assert shop.invoice.status == "processing" and shop.invoice.paid_sat == 100_000
        assert not shop.invoice.paid_partial
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled" and shop.invoice.payments.count() == 2
        assert shop.order.status == "paid"
