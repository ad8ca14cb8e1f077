"""Scenario: the payment signals RBF and is replaced by a transaction paying elsewhere:
the invoice, which was processing, becomes invalid. A zero-confirmation store still
waits for one confirmation for RBF-signalling payments."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]
ELSEWHERE = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def test_rbf_replacement_paying_elsewhere_invalidates(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Seller settles on zero confirmations; buyer orders a 55 000 sat item")
        shop = open_shop(btcd_node, price_sat=55_000, confirmations=0)
        log.info("Buyer pays the exact amount, signalling RBF")
        raw, coins = btcd_node.build_payment(shop.invoice.address, 55_000, rbf=True)
        btcd_node.rpc.broadcast(raw)
        shop.poll()
        log.info("RBF payment in the mempool: 0-conf store still waits for a block")
        assert shop.invoice.status == "processing" and shop.invoice.payments.get().rbf
        replacement, _ = btcd_node.build_payment(ELSEWHERE, 55_000, rbf=True, utxos=coins,
                                                 sat_per_vb=20)
        btcd_node.rpc.broadcast(replacement)
        log.info("replaced by a higher-fee transaction paying elsewhere")
        shop.poll()
        assert shop.invoice.status == "invalid"
        assert shop.invoice.payments.get().state in ("replaced", "conflicted")
        assert shop.order.status == "pending_payment"
        log.info("A block confirms the replacement")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "invalid"
