"""Scenario: a dispute split 70/30. The buyer opens a dispute, both parties write, and the
seller can no longer claim auto-release. A staff arbiter with 2FA decides 70 % to the buyer
(a non-staff user can't, staff without 2FA can't); the favoured buyer signs (the seller
can't), the marketplace co-signs, and the chain pays both sides and the fee exactly."""

from __future__ import annotations

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.conversations.models import Message
from cryptoshop.core.errors import ActionError, Conflict, NotFound
from cryptoshop.escrow import access, disputes, signing, spends
from tests.factories import make_account, operator
from tests.regtest.node_steps import (
    escrow_settings,
    fee_address,
    log,
    network_fee,
    open_escrow_shop,
    rpc_settings,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_arbiter_splits_seventy_thirty(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_PERCENT="2",
                                                  ESCROW_FEE_MIN_SAT=1000):
        log.info("Buyer pays 300 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=300_000)
        funded = shop.escrow.funded_sat
        assert funded == 300_000
        log.info("Buyer opens a dispute; both parties write")
        dispute = disputes.do_open_dispute(shop.escrow, shop.buyer, "The parcel never arrived here.")
        assert shop.escrow.status == "disputed" and dispute.opened_by == "buyer"
        disputes.do_add_message(shop.escrow, shop.buyer, "Nothing in the mailbox after 3 weeks.")
        disputes.do_add_message(shop.escrow, shop.seller, "It was sent; half of it came back.")
        assert [m.author_role for m in Message.objects.filter(thread__order=shop.order)] == [
            "buyer", "seller"]
        log.info("The dispute blocks the seller's auto-release")
        with pytest.raises(Conflict, match="dispute"):
            spends.do_claim_auto_release(shop.escrow, shop.seller)
        # Who may decide: not a user, not staff without 2FA; staff with 2FA, yes.
        log.info("Neither a non-staff account nor staff without 2FA may decide")
        with pytest.raises(NotFound):
            disputes.do_resolve(shop.escrow, make_account().user, 70, "not my call")
        with pytest.raises(ActionError) as no_2fa:
            disputes.do_resolve(shop.escrow, operator(two_factor=False).user, 70, "no 2FA yet")
        assert no_2fa.value.code == "2fa_required"
        assert not isinstance(no_2fa.value, NotFound | Conflict)
        log.info("A staff arbiter with 2FA decides 70 % to the buyer")
        arbiter = operator().user
        assert access.role_in(shop.escrow, arbiter) == "arbiter"
        disputes.do_add_message(shop.escrow, arbiter, "Deciding on the evidence given.")
        spend = disputes.do_resolve(shop.escrow, arbiter, 70, "Partly delivered, 70 % back.")
        assert spend.kind == "split" and spend.signer == "buyer"
        dispute.refresh_from_db()
        assert dispute.status == "decided" and dispute.buyer_percent == 70
        # Exact sats of the plan.
        net_fee = network_fee(spend)
        distributable = funded - net_fee
        buyer = distributable * 70 // 100
        seller_gross = distributable - buyer
        fee = max(-(-seller_gross * 200 // 10_000), 1000)
        assert fee > 1000  # the percentage, not the minimum, applies here
        assert spend.plan["fee_sat"] == net_fee
        assert [o["value_sat"] for o in spend.plan["outputs"]] == [buyer, seller_gross - fee, fee]
        # Who gets what, recorded on the spend for the analytics (fee income, payouts).
        assert (spend.buyer_sat, spend.seller_sat, spend.marketplace_fee_sat) == (
            buyer, seller_gross - fee, fee)
        # The seller, not favoured, can't sign it.
        log.info("Only the buyer signs the split")
        with pytest.raises(Conflict, match="Nothing is waiting"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, phrase=shop.seller_phrase))
        with pytest.raises(Conflict, match="needs the buyer's signature"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, spend=spend, phrase=shop.seller_phrase))
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.buyer_phrase))
        assert signed.pk == spend.pk and signed.status == "broadcast"
        log.info("A block confirms the split")
        shop.mine(1)
        shop.poll()
        log.info("split %s confirmed", signed.txid)
        assert shop.escrow.status == "split"
        assert shop.order.status == "completed"
        dispute.refresh_from_db()
        assert dispute.status == "closed"
        assert shop.paid_out(signed.txid) == {shop.escrow.refund_address: buyer,
                                              shop.escrow.payout_address: seller_gross - fee,
                                              fee_address(shop.escrow): fee}
        assert buyer + seller_gross - fee + fee + net_fee == funded
        # Closed: no more messages, no new decision.
        log.info("The closed dispute takes no more messages or decisions")
        with pytest.raises(Conflict, match="closed"):
            disputes.do_add_message(shop.escrow, shop.buyer, "one more thing")
        with pytest.raises(Conflict):
            disputes.do_resolve(shop.escrow, arbiter, 100, "changed my mind")
        kinds = list(shop.escrow.events.values_list("kind", flat=True))
        assert kinds == ["opened", "funded", "dispute_opened", "dispute_message",
                         "dispute_message", "dispute_message", "dispute_decided",
                         "split_prepared", "signature_refused", "signature_refused",
                         "split_signed", "broadcast", "payout_confirmed"]
