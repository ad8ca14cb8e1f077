"""Scenario: the marketplace disappears. Buyer and seller, with only the exported
descriptor, the chain and their own phrases, build a PSBT themselves (embit, no shop code),
each sign it in a separate process holding only their phrase, combine, finalise and
broadcast: the coins leave the escrow with no marketplace key involved — the recovery
guide of docs/escrow-protocol.md, on a real node."""

from __future__ import annotations

from pathlib import Path

import pytest
from embit.descriptor import Descriptor
from embit.finalizer import finalize_psbt
from embit.networks import NETWORKS
from embit.psbt import PSBT, DerivationPath
from embit.script import address_to_scriptpubkey
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow.planning import escrow_script
from tests.regtest.node_steps import (
    escrow_settings,
    log,
    open_escrow_shop,
    refund_address,
    rpc_settings,
    wallet_signs,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def psbt_from_descriptor(descriptor: str, txid: str, vout: int, value: int, pay_to: str,
                         fee: int) -> PSBT:
    """What Sparrow or Core does with the imported descriptor: one input, one output."""
    desc = Descriptor.from_string(descriptor.split("#")[0]).derive(0)
    regtest = NETWORKS["regtest"]
    tx = Transaction(version=2, vin=[TransactionInput(bytes.fromhex(txid), vout)],
                     vout=[TransactionOutput(value - fee, address_to_scriptpubkey(pay_to))])
    psbt = PSBT(tx)
    scope = psbt.inputs[0]
    scope.witness_utxo = TransactionOutput(value, desc.script_pubkey())
    scope.witness_script = desc.witness_script()
    for key in desc.keys:
        # derive() folded "/0/<index>" into each key's origin path.
        scope.bip32_derivations[key.get_public_key()] = DerivationPath(
            key.origin.fingerprint, key.origin.derivation)
    assert desc.script_pubkey().address(regtest)  # a P2WSH address of this network
    return psbt


def test_buyer_and_seller_spend_without_the_marketplace(btcd_node: RegtestNode,
                                                        tmp_path: Path) -> None:
    with rpc_settings(btcd_node), escrow_settings():
        log.info("Buyer pays 180 000 sat into escrow")
        shop = open_escrow_shop(btcd_node, price_sat=180_000)
        escrow = shop.escrow
        [payment] = list(shop.invoice.payments.all())
        # All they have: the descriptor file's line, the chain, their phrases.
        log.info("Buyer and seller agree on a payout and build the PSBT from the descriptor alone")
        agreed = refund_address()
        psbt = psbt_from_descriptor(escrow.descriptor, payment.txid, payment.vout,
                                    payment.value_sat, agreed, fee=600)
        unsigned = tmp_path / "recovery.psbt"
        unsigned.write_bytes(bytes(psbt.serialize()))
        log.info("Each party signs in their own wallet")
        wallet_signs(shop.buyer_phrase, unsigned, tmp_path / "buyer.psbt")
        wallet_signs(shop.seller_phrase, unsigned, tmp_path / "seller.psbt")
        log.info("The two signatures are combined and broadcast, no marketplace involved")
        combined = PSBT.parse((tmp_path / "buyer.psbt").read_bytes())
        seller_signed = PSBT.parse((tmp_path / "seller.psbt").read_bytes())
        combined.inputs[0].partial_sigs.update(seller_signed.inputs[0].partial_sigs)
        assert len(combined.inputs[0].partial_sigs) == 2
        tx = finalize_psbt(combined)
        assert tx is not None
        txid = btcd_node.rpc.broadcast(tx.serialize().hex())
        log.info("recovered without the marketplace: %s", txid)
        log.info("A block confirms the recovery")
        shop.mine(1)
        assert shop.paid_out(txid) == {agreed: payment.value_sat - 600}
        # The marketplace's key signed nothing: its public key has no signature here.
        market_pub = escrow_script(escrow).marketplace.pubkey(escrow.index)
        assert market_pub not in combined.inputs[0].partial_sigs
        assert {escrow_script(escrow).buyer.pubkey(escrow.index),
                escrow_script(escrow).seller.pubkey(escrow.index)} == set(
            combined.inputs[0].partial_sigs)
