"""Scenario: a paid direct-mode order is cancelled by the seller and refunded by a real
transaction from the seller's own wallet to the buyer's refund address; the watcher sees
it in the mempool and in a block, the order becomes refunded and both sides are told. A
reorg that takes the refund's block away puts it back to unconfirmed, and the order back
to cancelled, until the transaction is mined again."""

from __future__ import annotations

import pytest

from cryptoshop.btc.bip21 import parse_uri
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments import refunds
from tests.regtest.node_steps import log, rpc_settings
from tests.regtest.refund_steps import (
    notices,
    paid_shop,
    paid_to,
    poll_refund,
    seller_wallet_pays,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_paid_direct_order_cancelled_and_refunded(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 50 000 sat item from a direct-mode store and pays it")
        shop = paid_shop(btcd_node, price_sat=50_000, pay_sat=50_000)
        assert shop.order.status == "paid" and shop.invoice.confirmed_sat == 50_000
        seller = shop.order.store.owner
        log.info("Seller can't ship it: cancels the order and refunds it in full")
        refund = refunds.do_start_refund(shop.order, seller)
        shop.order.refresh_from_db()
        assert shop.order.status == "cancelled" and refund.status == "waiting"
        assert refund.amount_sat == 50_000 and refund.address == shop.invoice.refund_address
        request = parse_uri(refunds.refund_uri(refund), "regtest")
        assert (request.address, request.amount_sat) == (refund.address, 50_000)
        log.info("Seller's own wallet pays the BIP21 request")
        txid = seller_wallet_pays(btcd_node, refund)
        poll_refund(shop, refund)
        assert refund.status == "seen" and refund.received_sat == 50_000
        assert refund.txids == [txid] and shop.order.status == "cancelled"
        log.info("A block confirms the refund")
        shop.mine(1)
        poll_refund(shop, refund)
        assert refund.status == "confirmed" and refund.confirmed_sat == 50_000
        assert shop.order.status == "refunded"
        assert paid_to(btcd_node, txid, refund.address) == 50_000
        [buyer_notice] = notices("order_refunded")
        [seller_notice] = notices("refund_seen")
        assert buyer_notice.user == shop.order.buyer and seller_notice.user == seller
        assert "50,000 sats" in buyer_notice.text and "50,000 sats" in seller_notice.text
        log.info("The refund's block is reorganised away: back to seen, order cancelled")
        btcd_node.invalidate(1)
        poll_refund(shop, refund)
        assert refund.status == "seen" and shop.order.status == "cancelled"
        log.info("Mined again on the new branch: refunded again, and told again")
        shop.mine(2)
        poll_refund(shop, refund)
        assert refund.status == "confirmed" and shop.order.status == "refunded"
        assert len(notices("order_refunded")) == 2  # confirmed, lost, confirmed again
