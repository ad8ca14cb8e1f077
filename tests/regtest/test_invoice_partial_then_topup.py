"""Scenario: the buyer underpays (marked paid_partial, still due the rest), then tops up;
both payments add up and the invoice settles."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments.actions import bip21_uri
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_underpayment_then_top_up(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 100 000 sat item")
        shop = open_shop(btcd_node, price_sat=100_000)
        log.info("Buyer pays only 60 000 sat")
        shop.pay(60_000)
        shop.poll()
        assert shop.invoice.status == "new" and shop.invoice.paid_partial
        assert shop.invoice.due_sat == 40_000
        assert "amount=0.0004" in bip21_uri(shop.invoice)  # the new QR asks for the rest
        log.info("A block confirms the partial payment: still not enough")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "new" and shop.invoice.paid_partial
        assert shop.invoice.confirmed_sat == 60_000  # confirmed, but not enough
        log.info("Buyer tops up the missing 40 000 sat")
        shop.pay(40_000)
        shop.poll()
        assert shop.invoice.status == "processing" and shop.invoice.paid_sat == 100_000
        assert not shop.invoice.paid_partial
        log.info("A block confirms the top-up")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled" and shop.invoice.payments.count() == 2
        assert shop.order.status == "paid"
