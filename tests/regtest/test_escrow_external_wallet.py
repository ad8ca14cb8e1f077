"""Scenario: the buyer signs in their own wallet. The escrow's exported descriptor is a
checksummed wsh(sortedmulti(2, …)) whose address is the escrow's; the buyer downloads the
release PSBT as a .psbt file, a separate process holding only the phrase (no Django, no
shop) signs it, and the signed file's raw bytes are uploaded. The marketplace co-signs and
broadcasts; the chain pays the seller and the fee exactly."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from embit.descriptor import Descriptor
from embit.networks import NETWORKS

from cryptoshop.btc.descriptors import split_checksum
from cryptoshop.btc.psbt import parse_psbt
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.escrow import planning, signing, spends
from cryptoshop.orders import actions as order_actions
from tests.regtest.node_steps import (
    escrow_settings,
    fee_address,
    log,
    network_fee,
    open_escrow_shop,
    rpc_settings,
    wallet_signs,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_buyer_signs_in_an_external_wallet(btcd_node: RegtestNode, tmp_path: Path) -> None:
    with rpc_settings(btcd_node), escrow_settings(ESCROW_FEE_PERCENT="1",
                                                  ESCROW_FEE_MIN_SAT=1000):
        log.info("Buyer pays 240 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=240_000)
        escrow, funded = shop.escrow, shop.escrow.funded_sat
        # The exported descriptor: checksummed, 2-of-3 sorted multisig, the escrow's address.
        log.info("The exported descriptor is checksummed 2-of-3 and gives the escrow's address")
        body, checksum = split_checksum(escrow.descriptor)
        assert checksum is not None and body.startswith("wsh(sortedmulti(2,")
        for key in (escrow.buyer_key, escrow.seller_key, escrow.marketplace_key):
            assert key.split("]")[-1] in body
        regtest = NETWORKS["regtest"]
        fixed = Descriptor.from_string(body)  # embit applies a key's /0/<index> on derive()
        assert not fixed.is_wildcard and fixed.derive(0).address(regtest) == escrow.address
        ranged = planning.escrow_script(escrow).descriptor  # what a watch-only wallet imports
        assert Descriptor.from_string(ranged.split("#")[0]).derive(
            escrow.index).address(regtest) == escrow.address
        assert planning.escrow_script(escrow).descriptor_at(escrow.index) == escrow.descriptor

        log.info("Seller ships; buyer prepares the release and downloads its PSBT file")
        order_actions.do_mark_shipped(shop.order, shop.seller, "tracking 321")
        spend = spends.do_release(escrow, shop.buyer)
        unsigned = tmp_path / "release.psbt"
        unsigned.write_bytes(base64.b64decode(spend.psbt))  # the download, BIP174 binary
        signed_file = tmp_path / "release-signed.psbt"
        # The wallet with the seller's phrase adds the seller's signature: not the buyer's.
        log.info("A wallet holding the seller's phrase signs: refused as not the buyer's")
        out = wallet_signs(shop.seller_phrase, unsigned, tmp_path / "wrong.psbt")
        with pytest.raises(ValidationFailed, match="not signed by the buyer"):
            signing.do_sign(signing.check_sign(escrow, shop.buyer, psbt_bytes=(tmp_path / "wrong.psbt").read_bytes()))
        log.info("The buyer's external wallet signs the file")
        out = wallet_signs(shop.buyer_phrase, unsigned, signed_file)
        log.info("external wallet: %s", out.strip())
        assert out.strip() == f"signed 1 input(s); 2 output(s); fee {spend.plan['fee_sat']} sat"
        raw = signed_file.read_bytes()
        assert raw.startswith(b"psbt\xff") and raw != unsigned.read_bytes()
        assert len(parse_psbt(raw).inputs[0].partial_sigs) == 1
        log.info("The signed file's raw bytes are uploaded: co-signed and broadcast")
        signed = signing.do_sign(signing.check_sign(escrow, shop.buyer, psbt_bytes=raw))
        assert signed.pk == spend.pk and signed.status == "broadcast"
        log.info("A block pays the seller and the fee exactly")
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "released" and shop.order.status == "completed"
        net_fee = network_fee(signed)
        gross = funded - net_fee
        fee = max(-(-gross * 100 // 10_000), 1000)
        assert signed.plan["fee_sat"] == net_fee
        assert shop.paid_out(signed.txid) == {shop.escrow.payout_address: gross - fee,
                                              fee_address(shop.escrow): fee}
        assert shop.spent_inputs(signed.txid) == {
            f"{i['txid']}:{i['vout']}" for i in signed.plan["inputs"]}
