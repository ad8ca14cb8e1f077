"""Scenario: the seller refunds. The seller asks for the refund PSBT, signs it with their
phrase, the marketplace co-signs and broadcasts; once mined, the buyer's refund address has
received exactly the escrowed coins less the network fee (no marketplace fee on a refund),
the escrow is refunded and the order too. The buyer can't sign the seller's refund."""

from __future__ import annotations

import pytest

from cryptoshop.btc.addresses import address_to_script_pubkey
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import Conflict, NotFound, ValidationFailed
from cryptoshop.escrow import signing, spends
from tests.regtest.node_steps import (
    escrow_settings,
    log,
    network_fee,
    open_escrow_shop,
    rpc_settings,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_seller_refunds_and_buyer_gets_everything_but_the_network_fee(
        btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_PERCENT="2",
                                                  ESCROW_FEE_MIN_SAT=1000):
        log.info("Buyer pays 180 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=180_000)
        funded = shop.escrow.funded_sat
        assert funded == 180_000
        # Only the seller can refund.
        log.info("Only the seller may refund; the seller prepares one")
        with pytest.raises(NotFound):
            spends.do_refund(shop.escrow, shop.buyer)
        spend = spends.do_refund(shop.escrow, shop.seller)
        assert spend.kind == "refund" and spend.signer == "seller"
        assert spends.do_refund(shop.escrow, shop.seller).pk == spend.pk  # same PSBT until signed
        # One output, to the buyer's refund address: no marketplace fee output at all.
        refund_spk = address_to_script_pubkey(shop.escrow.refund_address, REGTEST).hex()
        assert [o["script"] for o in spend.plan["outputs"]] == [refund_spk]
        fee = network_fee(spend)
        assert spend.plan["fee_sat"] == fee
        assert spend.plan["outputs"][0]["value_sat"] == funded - fee
        # The buyer can't sign the seller's refund, by phrase or by naming the spend.
        log.info("Only the seller signs the refund, with the seller's own phrase")
        with pytest.raises(Conflict, match="Nothing is waiting"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.buyer_phrase))
        with pytest.raises(Conflict, match="needs the seller's signature"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, spend=spend, phrase=shop.buyer_phrase))
        # The buyer's phrase typed in as the seller is not the seller's key.
        with pytest.raises(ValidationFailed, match="not the seller's key"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, phrase=shop.buyer_phrase))
        spend.refresh_from_db()
        assert spend.status == "awaiting"
        log.info("Seller signs: co-signed and broadcast")
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.seller, phrase=shop.seller_phrase))
        assert signed.pk == spend.pk and signed.status == "broadcast"
        shop.refresh()
        assert shop.escrow.status == "settling"
        # After the refund went out the seller can't switch to anything else.
        with pytest.raises(Conflict, match="already paid out"):
            spends.do_release(shop.escrow, shop.buyer)
        log.info("A block confirms the refund")
        shop.mine(1)
        shop.poll()
        log.info("refund %s confirmed", signed.txid)
        assert shop.escrow.status == "refunded"
        assert shop.order.status == "refunded"
        signed.refresh_from_db()
        assert signed.status == "confirmed"
        paid = shop.paid_out(signed.txid)
        assert paid == {shop.escrow.refund_address: funded - fee}
        shop.escrow.refresh_from_db()
        assert shop.escrow.fee_address == ""  # no fee address was even taken for a refund
        assert shop.spent_inputs(signed.txid) == {
            f"{i['txid']}:{i['vout']}" for i in signed.plan["inputs"]}
        kinds = list(shop.escrow.events.values_list("kind", flat=True))
        # The three refused attempts are on the trail (docs/escrow-protocol.md).
        assert kinds == ["opened", "funded", "refund_prepared", *["signature_refused"] * 3,
                         "refund_signed", "broadcast", "payout_confirmed"]
