"""Scenario: a reorg takes a confirmed payment out of the best chain.

The block holding the payment is invalidated (a real reorg on the node), the backend
reports the payment back in the mempool with 0 confirmations and the old block as
orphaned; a longer competing branch then confirms it in a different block.
"""

from __future__ import annotations

import logging

import pytest

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, root_from_seed
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode

log = logging.getLogger("cryptoshop.regtest.scenario")
pytestmark = pytest.mark.regtest


def test_reorg_unconfirms_then_reconfirms(node: RegtestNode) -> None:
    root = root_from_seed(b"\x09" * 32, REGTEST)
    address = parse_wallet_descriptor(account_xpub(root, "m/84h/1h/0h", REGTEST), REGTEST).address(
        3
    )

    txid = node.fund(address, 77_777)
    (old_block,) = node.mine(1)
    confirmed = node.rpc.get_tx_status(txid)
    assert confirmed.block_hash == old_block and confirmed.confirmations == 1
    height = confirmed.block_height
    assert height is not None
    log.info("payment %s confirmed at height %d in %s", txid, height, old_block)

    log.info("reorg: the block is disconnected")
    node.invalidate(1)
    assert node.rpc.get_tip().height == height - 1
    assert node.rpc.get_block_height(old_block) is None
    status = node.rpc.get_tx_status(txid)
    assert status.in_mempool and status.block_hash is None and status.confirmations == 0
    log.info("backend reports: back in the mempool, 0 confirmations")

    log.info("a longer competing branch is mined")
    branch = node.mine(2)
    assert node.rpc.get_tip().hash == branch[-1]
    status = node.rpc.get_tx_status(txid)
    assert status.block_hash is not None and status.block_hash != old_block
    assert status.block_hash in branch
    tip = node.rpc.get_tip()
    assert status.confirmations == tip.height - (status.block_height or 0) + 1
    assert node.rpc.get_block_height(old_block) is None
    log.info("reconfirmed in %s with %d confirmations", status.block_hash, status.confirmations)
