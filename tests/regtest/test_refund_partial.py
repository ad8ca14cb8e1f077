"""Scenario: a cancelled order refunded in part (20 000 of 50 000 sat) stays cancelled and
says "partially refunded: 20,000 of 50,000 sats"; a payment short of the refund counts as
seen, not done; refunding the rest makes it refunded."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.orders.models import OrderEvent
from cryptoshop.payments import refunds
from tests.regtest.node_steps import log, rpc_settings
from tests.regtest.refund_steps import notices, paid_shop, poll_refund, seller_wallet_pays

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_partial_refund_then_the_rest(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer pays a 50 000 sat order")
        shop = paid_shop(btcd_node, price_sat=50_000, pay_sat=50_000)
        seller = shop.order.store.owner
        log.info("Seller cancels and refunds 20 000 sat (kept the rest, say, for a fee)")
        refund = refunds.do_start_refund(shop.order, seller, amount_sat=20_000)
        log.info("Seller's wallet first sends only 12 000 sat: seen, not done")
        seller_wallet_pays(btcd_node, refund, 12_000)
        shop.mine(1)
        poll_refund(shop, refund)
        assert refund.status == "seen" and refund.confirmed_sat == 12_000
        assert refund.due_sat == 8_000
        log.info("The remaining 8 000 sat is sent and confirmed")
        seller_wallet_pays(btcd_node, refund)
        shop.mine(1)
        poll_refund(shop, refund)
        assert refund.status == "confirmed" and len(refund.txids) == 2
        assert shop.order.status == "cancelled"
        assert OrderEvent.objects.filter(
            order=shop.order, note__startswith="Partially refunded: 20,000 of 50,000 sats")
        assert "20,000 of 50,000 sats" in notices("order_refunded")[0].text
        log.info("Later the seller refunds the other 30 000 sat: fully refunded")
        assert refunds.refund_overview(shop.order)["owedSat"] == 30_000
        rest = refunds.do_start_refund(shop.order, seller)
        assert rest.amount_sat == 30_000
        seller_wallet_pays(btcd_node, rest)
        shop.mine(1)
        poll_refund(shop, rest)
        assert rest.status == "confirmed" and shop.order.status == "refunded"
        assert refunds.refund_overview(shop.order)["refundedSat"] == 50_000
