"""Scenario: the buyer prepares the release, then pays a little more into the escrow (a
top-up). Preparing again takes both coins at today's fee rate and supersedes the first
PSBT: a signature on the old one is refused, the new one pays the seller everything less
the fees."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import Conflict
from cryptoshop.escrow import signing, spends
from tests.regtest.node_steps import (
    escrow_settings,
    fee_address,
    log,
    network_fee,
    open_escrow_shop,
    rpc_settings,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_prepare_again_after_a_top_up(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_RATE_MAX=2):
        log.info("Buyer pays 120 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=120_000)
        log.info("Buyer prepares a release, then tops up 30 000 sat")
        first = spends.do_release(shop.escrow, shop.buyer)
        assert len(first.plan["inputs"]) == 1
        btcd_node.fund(shop.escrow.address, 30_000)  # the buyer tops up
        log.info("A block confirms the top-up")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.paid_over and shop.invoice.paid_sat == 150_000
        # Without "fresh", the same PSBT comes back; with it, a new one over both coins.
        assert spends.do_release(shop.escrow, shop.buyer).pk == first.pk
        log.info("Fees went up: the buyer prepares the release again")
        with escrow_settings(ESCROW_FEE_RATE_MIN=3):  # fees went up meanwhile
            again = spends.do_release(shop.escrow, shop.buyer, fresh=True)
        first.refresh_from_db()
        assert first.status == "superseded" and again.pk != first.pk
        assert len(again.plan["inputs"]) == 2 and again.fee_rate_sat_vb == 3
        log.info("The first release can't be signed any more; the new one is")
        with pytest.raises(Conflict, match="replaced by a newer one"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, spend=first, phrase=shop.buyer_phrase))
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.buyer_phrase))
        assert signed.pk == again.pk and signed.status == "broadcast"
        log.info("A block confirms the release of both coins")
        shop.mine(1)
        shop.poll()
        log.info("released both coins in %s", signed.txid)
        assert shop.escrow.status == "released" and shop.order.status == "completed"
        fee_sat = network_fee(signed)
        assert signed.plan["fee_sat"] == fee_sat
        gross = 150_000 - fee_sat
        market = max(-(-gross * 100 // 10_000), 1000)
        assert shop.paid_out(signed.txid) == {shop.escrow.payout_address: gross - market,
                                              fee_address(shop.escrow): market}
        assert len(shop.spent_inputs(signed.txid)) == 2
