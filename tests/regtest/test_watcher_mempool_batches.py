"""Scenario: the watcher fetches new mempool transactions in JSON-RPC batches, except
those the node pushed with their bytes, and its "seen" set never holds more than the
node's mempool: once mined, the txids are forgotten."""

from __future__ import annotations

import pytest

from cryptoshop.chain.push import RECEIVED
from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_mempool_batches_and_a_bounded_seen_set(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        shop = open_shop(btcd_node, price_sat=21_000)
        btcd_node.mine(5)  # a mature coin for each payment below
        shop.poll()
        log.info("The buyer pays; three unrelated payments wait in the mempool too")
        paid = btcd_node.fund(shop.invoice.address, 21_000)
        others = [btcd_node.fund(btcd_node.miner_address, 30_000 + n) for n in range(3)]
        raws = btcd_node.rpc.get_raw_transactions([paid, *others, "00" * 32])
        assert set(raws) == {paid, *others}  # one batch; the unknown txid is left out
        assert raws[paid] == btcd_node.rpc.get_raw_transaction(paid)
        log.info("The node pushed the payment's bytes (as push.py leaves them): the poll "
                 "applies them and fetches only the three others")
        RECEIVED.drain()
        RECEIVED.add(raws[paid])
        RECEIVED.add(b"\x00garbage")  # undecodable: skipped, never an error
        result = shop.poll()
        assert (result.mempool_pushed, result.mempool_fetched) == (1, 3)
        assert result.mempool_payments == 1
        assert shop.invoice.status == "processing"
        assert shop.watcher._seen_mempool == set(btcd_node.rpc.get_mempool_txids())
        log.info("A block takes them all: the seen set empties with the mempool")
        shop.mine()
        shop.poll()
        assert shop.invoice.status == "settled" and shop.order.status == "paid"
        assert shop.watcher._seen_mempool == set()
        assert shop.invoice.payments.get().block_height is not None
