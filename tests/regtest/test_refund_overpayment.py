"""Scenario: the buyer pays 15 000 sat more than due; the order stands (paid), and the
seller returns exactly the excess from their own wallet. The watcher tracks the return
to the buyer's refund address; the order stays paid and both sides are told."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.orders.models import OrderEvent
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


def test_overpayment_returned_and_tracked(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 30 000 sat item and pays 45 000 sat")
        shop = paid_shop(btcd_node, price_sat=30_000, pay_sat=45_000)
        assert shop.invoice.status == "settled" and shop.invoice.paid_over
        assert shop.order.status == "paid"
        overview = refunds.refund_overview(shop.order)
        assert overview["owedSat"] == 15_000 and overview["cancelAndRefundSat"] == 45_000
        log.info("Seller returns the overpayment without cancelling the order")
        refund = refunds.do_start_refund(shop.order, shop.order.store.owner, leftover=True)
        shop.order.refresh_from_db()
        assert refund.kind == "overpayment" and refund.amount_sat == 15_000
        assert shop.order.status == "paid"
        assert refunds.refund_overview(shop.order)["owedSat"] == 0
        txid = seller_wallet_pays(btcd_node, refund)
        poll_refund(shop, refund)
        assert refund.status == "seen"
        log.info("A block confirms the return")
        shop.mine(1)
        poll_refund(shop, refund)
        assert refund.status == "confirmed" and refund.confirmed_sat == 15_000
        assert shop.order.status == "paid"  # the sale stands
        assert paid_to(btcd_node, txid, refund.address) == 15_000
        assert OrderEvent.objects.filter(order=shop.order,
                                         note__startswith="Overpayment returned: 15,000 sats")
        [buyer_notice] = notices("order_refunded")
        [seller_notice] = notices("refund_seen")
        assert "15,000 sats" in buyer_notice.text and "15,000 sats" in seller_notice.text
