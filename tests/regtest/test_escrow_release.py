"""Scenario: the happy path. The buyer pays into the 2-of-3 address, the seller ships, the
buyer releases (signing with their phrase), the marketplace co-signs, and the chain pays the
seller's payout address and the marketplace fee exactly; the order completes. A replayed
release changes nothing."""

from __future__ import annotations

import pytest

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.escrow import ESCROW_WITNESS_BYTES, estimate_spend_vsize
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import Conflict, ValidationFailed
from cryptoshop.escrow import signing, spends
from cryptoshop.orders import actions as order_actions
from tests.regtest.node_steps import escrow_settings, log, open_escrow_shop, rpc_settings
from tests.regtest.node_steps import fee_address as escrow_fee_address

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_buyer_releases_and_seller_is_paid_exactly(btcd_node: RegtestNode) -> None:
    assert ESCROW_WITNESS_BYTES > 0
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_PERCENT="1.5",
                                                  ESCROW_FEE_MIN_SAT=1000):
        log.info("Buyer pays 250 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=250_000)
        funded = shop.escrow.funded_sat
        assert funded == 250_000
        log.info("Seller ships; buyer prepares the release")
        order_actions.do_mark_shipped(shop.order, shop.seller, "tracking 123")
        spend = spends.do_release(shop.escrow, shop.buyer)
        assert spend.kind == "release" and spend.signer == "buyer"
        assert spends.do_release(shop.escrow, shop.buyer).pk == spend.pk  # same PSBT until signed
        # The seller cannot sign the buyer's release.
        log.info("Only the buyer signs the release, with the buyer's own phrase")
        with pytest.raises(Conflict, match="Nothing is waiting"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, phrase=shop.seller_phrase))
        with pytest.raises(Conflict, match="needs the buyer's signature"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.seller, spend=spend, phrase=shop.seller_phrase))
        # A phrase that is not the buyer's key is refused before anything is signed.
        with pytest.raises(ValidationFailed, match="not the buyer's key"):
            signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.seller_phrase))
        log.info("Buyer signs: co-signed and broadcast; signing again changes nothing")
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.buyer_phrase))
        assert signed.status == "broadcast" and len(signed.txid) == 64
        shop.refresh()
        assert shop.escrow.status == "settling"
        # Replay: the same answer, no second transaction.
        again = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, phrase=shop.buyer_phrase))
        assert again.pk == signed.pk and again.txid == signed.txid
        assert spends.do_release(shop.escrow, shop.buyer).txid == signed.txid
        log.info("A block confirms the release")
        shop.mine(1)
        shop.poll()
        log.info("release %s confirmed", signed.txid)
        assert shop.escrow.status == "released"
        assert shop.order.status == "completed"
        # Exact sats: fee 1.5 % of (funded - network fee), rounded up; the rest to the seller.
        rate = signed.fee_rate_sat_vb
        payout = shop.escrow.payout_address
        fee_address = escrow_fee_address(shop.escrow)
        vsize = estimate_spend_vsize(1, [bytes.fromhex(o["script"])
                                         for o in signed.plan["outputs"]])
        network_fee = vsize * rate
        gross = funded - network_fee
        fee = max(-(-gross * 150 // 10_000), 1000)
        assert shop.paid_out(signed.txid) == {payout: gross - fee, fee_address: fee}
        assert signed.plan["fee_sat"] == network_fee
        # The payout address is the seller's own wallet, at an index never given to buyers.
        wallet = parse_wallet_descriptor(shop.payout_wallet, REGTEST)
        assert payout in wallet.addresses(0, 5)
        kinds = list(shop.escrow.events.values_list("kind", flat=True))
        # The three refused attempts are on the trail (docs/escrow-protocol.md).
        assert kinds == ["opened", "funded", "release_prepared", *["signature_refused"] * 3,
                         "release_signed", "broadcast", "payout_confirmed"]
