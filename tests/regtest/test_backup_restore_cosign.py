"""Scenario: the shop is backed up while a funded escrow waits for the buyer's release; the
archive is restored on a fresh checkout (new var dir, new database); in the restored shop
the buyer signs with their phrase and the marketplace co-signs with the key that came back
in the archive; the node accepts the transaction and a block pays the seller and the
marketplace fee exactly as planned before the backup."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow import spends
from cryptoshop.orders import actions as order_actions
from tests.backup_steps import backup, fresh_checkout, probe, restore
from tests.regtest.node_steps import (
    escrow_settings,
    fee_address,
    fee_wallet,
    log,
    open_escrow_shop,
    rpc_settings,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db(transaction=True)]


def _node_env(node: RegtestNode) -> dict[str, str]:
    return {"CRYPTOSHOP_CHAIN_BACKEND": "rpc", "CRYPTOSHOP_NETWORK": "regtest",
            "CRYPTOSHOP_RPC_URL": f"http://127.0.0.1:{node.state.rpc_port}",
            "CRYPTOSHOP_RPC_USER": node.state.rpc_user,
            "CRYPTOSHOP_RPC_PASSWORD": node.state.rpc_password,
            "CRYPTOSHOP_ESCROW_FEE_WALLET": fee_wallet(), "CRYPTOSHOP_LOG_LEVEL": "WARNING"}


def test_restored_shop_cosigns_a_release_the_node_accepts(btcd_node: RegtestNode,
                                                          tmp_path: Path) -> None:
    with rpc_settings(btcd_node), escrow_settings():
        log.info("Buyer pays 200 000 sat into escrow; the seller ships")
        shop = open_escrow_shop(btcd_node)
        order_actions.do_mark_shipped(shop.order, shop.seller, "tracking 42")
        spend = spends.do_release(shop.escrow, shop.buyer)
        log.info("Release %s prepared; the shop is backed up", spend.unsigned_txid)
        archive = backup(tmp_path)
        with fresh_checkout(tmp_path) as env:
            env.update(_node_env(btcd_node))
            log.info("Restored on a fresh checkout: new var dir, new database")
            restore(env, archive)
            log.info("In the restored shop the buyer signs; the marketplace co-signs")
            out = probe(env, {"escrow": shop.escrow.public_id, "spend": spend.pk,
                              "phrase": shop.buyer_phrase})
        assert out["status"] == "broadcast" and out["marketplace_pubkey"] in out["signers"]
        log.info("The node has release %s in its mempool; a block confirms it", out["txid"])
        assert out["txid"] in btcd_node.rpc.get_mempool_txids()
        shop.mine(1)
        shop.refresh()
        paid = shop.paid_out(out["txid"])
        planned = {o["address"]: o["value_sat"] for o in spend.plan["outputs"]}
        log.info("paid out: %s", paid)
        assert paid == planned
        assert set(paid) == {shop.escrow.payout_address, fee_address(shop.escrow)}
