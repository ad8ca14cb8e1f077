"""Scenario: a buyer pays a BIP84 address derived from the seller's tpub.

The backend sees the payment in the mempool, then in a block, and reports
confirmations = tip - height + 1 as blocks arrive.
"""

from __future__ import annotations

import logging

import pytest

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode

log = logging.getLogger("cryptoshop.regtest.scenario")
pytestmark = pytest.mark.regtest

SELLER_MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
AMOUNT_SAT = 153_421


def test_payment_to_bip84_address_is_seen_then_confirmed(node: RegtestNode) -> None:
    log.info("seller registers the tpub of m/84h/1h/0h")
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    path = "m/84h/1h/0h"
    wallet = parse_wallet_descriptor(
        key_origin(root, path) + account_xpub(root, path, REGTEST), REGTEST
    )
    assert wallet.receive.startswith("wpkh([73c5da0a/84h/1h/0h]tpub")
    address = wallet.address(0)
    script_hex = wallet.script_pubkey(0).hex()
    log.info("invoice address #0: %s", address)

    log.info("buyer pays %d sat", AMOUNT_SAT)
    txid = node.fund(address, AMOUNT_SAT)

    log.info("the backend sees the payment in the mempool")
    assert txid in node.rpc.get_mempool_txids()
    tx = node.rpc.get_transaction(txid)
    paid = [o for o in tx.outputs if o.script_pubkey == script_hex]
    assert [o.value_sat for o in paid] == [AMOUNT_SAT]
    status = node.rpc.get_tx_status(txid)
    assert status.in_mempool and not status.confirmed and status.confirmations == 0

    log.info("a block is mined: one confirmation")
    (block_hash,) = node.mine(1)
    tip = node.rpc.get_tip()
    status = node.rpc.get_tx_status(txid)
    assert status.block_hash == block_hash
    assert status.block_height == tip.height
    assert status.confirmations == tip.height - status.block_height + 1 == 1
    block = node.rpc.get_block(block_hash)
    assert txid in [t.txid for t in block.transactions]
    assert txid not in node.rpc.get_mempool_txids()

    log.info("two more blocks: confirmations follow the tip, not the clock")
    node.mine(2)
    tip = node.rpc.get_tip()
    status = node.rpc.get_tx_status(txid)
    assert status.confirmations == tip.height - status.block_height + 1 == 3
