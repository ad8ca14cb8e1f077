"""Scenario: auto-release. The store releases 3 days after shipping. Before shipping and
before the 3 days are up the seller's claim is refused; after them (the "shipped" event
backdated by 3 days and a minute) the seller claims, signs with their phrase, the
marketplace co-signs, and the chain pays the seller and the fee exactly. In a second order,
a dispute the buyer opens before the timeout blocks the claim for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import Conflict, NotFound
from cryptoshop.escrow import disputes, signing, spends
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order, OrderEvent
from tests.regtest.node_steps import (
    escrow_settings,
    fee_address,
    log,
    network_fee,
    open_escrow_shop,
    rpc_settings,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]
DAYS = 3


def backdate_shipping(order: Order, by: timedelta) -> None:
    shipped = OrderEvent.objects.filter(order=order, to_status="shipped")
    assert shipped.count() == 1
    shipped.update(created_at=shipped.get().created_at - by)


def test_seller_claims_after_the_timeout_unless_disputed(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_PERCENT="1",
                                                  ESCROW_FEE_MIN_SAT=1000):
        log.info("Buyer pays 220 000 sat into escrow; the store auto-releases after the timeout")
        shop = open_escrow_shop(btcd_node, price_sat=220_000, auto_release_days=DAYS)
        funded = shop.escrow.funded_sat
        assert shop.escrow.auto_release_days == DAYS and funded == 220_000
        log.info("Before shipping nobody can claim the auto-release")
        with pytest.raises(Conflict, match="shipped first"):
            spends.do_claim_auto_release(shop.escrow, shop.seller)
        with pytest.raises(NotFound):  # only the seller claims
            spends.do_claim_auto_release(shop.escrow, shop.buyer)
        log.info("Seller ships; the claim is refused until the timeout")
        order_actions.do_mark_shipped(shop.order, shop.seller, "tracking 456")
        due = spends.auto_release_at(shop.escrow)
        assert due == spends.shipped_at(shop.order) + timedelta(days=DAYS)
        with pytest.raises(Conflict, match="Auto-release opens"):
            spends.do_claim_auto_release(shop.escrow, shop.seller)
        with pytest.raises(Conflict, match="Auto-release opens"):
            spends.do_claim_auto_release(shop.escrow, shop.seller, now=due - timedelta(seconds=1))
        assert not shop.escrow.spends.exists()
        # Three days and a minute pass.
        log.info("The timeout passes; the seller claims, and only the seller signs")
        backdate_shipping(shop.order, timedelta(days=DAYS, minutes=1))
        assert spends.auto_release_at(shop.escrow) < timezone.now()
        spend = spends.do_claim_auto_release(shop.escrow, shop.seller)
        assert spend.kind == "auto_release" and spend.signer == "seller"
        assert spends.do_claim_auto_release(shop.escrow, shop.seller).pk == spend.pk
        # The buyer can't sign the seller's claim.
        with pytest.raises(Conflict, match="needs the seller's signature"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, spend=spend, phrase=shop.buyer_phrase))
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.seller, phrase=shop.seller_phrase))
        assert signed.pk == spend.pk and signed.status == "broadcast"
        log.info("A block confirms the auto-release")
        shop.mine(1)
        shop.poll()
        log.info("auto-release %s confirmed", signed.txid)
        assert shop.escrow.status == "released"
        assert shop.order.status == "completed"
        net_fee = network_fee(signed)
        gross = funded - net_fee
        fee = max(-(-gross * 100 // 10_000), 1000)
        assert fee > 1000 and signed.plan["fee_sat"] == net_fee
        assert shop.paid_out(signed.txid) == {shop.escrow.payout_address: gross - fee,
                                              fee_address(shop.escrow): fee}
        kinds = list(shop.escrow.events.values_list("kind", flat=True))
        # The buyer's refused attempt is on the trail (docs/escrow-protocol.md).
        assert kinds == ["opened", "funded", "auto_release_prepared", "signature_refused",
                         "auto_release_signed", "broadcast", "payout_confirmed"]

        # A second order: the buyer disputes before the timeout; time passing changes nothing.
        log.info("A second escrow: shipped, then disputed by the buyer")
        other = open_escrow_shop(btcd_node, price_sat=150_000, auto_release_days=DAYS)
        order_actions.do_mark_shipped(other.order, other.seller, "tracking 789")
        disputes.do_open_dispute(other.escrow, other.buyer, "Wrong item in the parcel.")
        log.info("After the timeout the dispute still blocks any claim")
        backdate_shipping(other.order, timedelta(days=DAYS, minutes=1))
        with pytest.raises(Conflict, match="opened a dispute"):
            spends.do_claim_auto_release(other.escrow, other.seller)
        later = timezone.now() + timedelta(days=30)
        with pytest.raises(Conflict, match="opened a dispute"):
            spends.do_claim_auto_release(other.escrow, other.seller, now=later)
        assert not other.escrow.spends.exists()
        with pytest.raises(Conflict, match="Nothing is waiting"):
            signing.do_sign(signing.check_sign(other.escrow, other.seller, phrase=other.seller_phrase))
        other.refresh()
        assert other.escrow.status == "disputed" and other.order.status == "shipped"
