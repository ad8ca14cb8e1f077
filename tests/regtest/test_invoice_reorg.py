"""Scenario: the block that confirmed the payment is reorganised away: the invoice goes
back to processing, then settles again when the transaction is mined on the new branch."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_reorg_unsettles_then_resettles(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 47 000 sat item")
        shop = open_shop(btcd_node, price_sat=47_000, confirmations=1)
        log.info("Buyer pays the exact amount and a block confirms it")
        shop.pay(47_000)
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled"
        first_hash = shop.invoice.payments.get().block_hash
        log.info("invalidate the confirming block: the transaction returns to the mempool")
        btcd_node.invalidate(1)
        shop.poll()
        payment = shop.invoice.payments.get()
        assert payment.block_height is None and payment.state == "mempool"
        assert shop.invoice.status == "processing"
        log.info("mine a new branch: the transaction confirms again in another block")
        shop.mine(2)
        shop.poll()
        payment = shop.invoice.payments.get()
        assert shop.invoice.status == "settled" and payment.block_hash != first_hash
        assert payment.block_height is not None
