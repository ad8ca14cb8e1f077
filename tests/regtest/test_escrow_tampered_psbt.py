"""Scenario: a malicious client. The buyer prepares a release and downloads its PSBT; an
attacker holding the buyer's key tampers with it, signs the result correctly, and uploads
it. Changed outputs, an extra output and an inflated fee are different transactions and are
refused as not the prepared one, saying what differs; with the transaction unchanged, a lying witness_utxo, a
SIGHASH_NONE signature, a stranger's signature and a junk signature under the seller's key
are refused by the signature check. Every refusal is recorded. Nothing is broadcast; the escrow stays
funded. The untampered buyer-signed PSBT is then accepted and paid out exactly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from embit import ec
from embit.psbt import PSBT, OutputScope
from embit.script import Script
from embit.transaction import SIGHASH, TransactionOutput

from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.addresses import address_to_script_pubkey
from cryptoshop.btc.errors import SigningRefused
from cryptoshop.btc.keys import root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import parse_psbt, serialize_psbt, sign_input
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.escrow import planning, signing, spends
from tests.regtest.node_steps import escrow_settings, log, open_escrow_shop, party_key, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]
OTHER_TX = "not the release transaction the shop prepared"


def test_tampered_uploads_are_refused_and_the_honest_one_pays(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings():
        log.info("Buyer pays 200 000 sat into a 2-of-3 escrow and it confirms")
        shop = open_escrow_shop(btcd_node, price_sat=200_000)
        log.info("Buyer prepares a release; an attacker holds the buyer's key")
        spend = spends.do_release(shop.escrow, shop.buyer)
        esc, index = planning.escrow_script(shop.escrow), shop.escrow.index
        key = party_key(shop.buyer_phrase, shop.escrow, "buyer")  # the attacker has it
        buyer_pub, seller_pub = esc.buyer.pubkey(index), esc.seller.pubkey(index)
        thief = address_to_script_pubkey(shop.escrow.refund_address, REGTEST)
        stranger = ec.PrivateKey(bytes([7]) * 32)  # no key of this escrow

        def attack(change: Callable[[PSBT], None], *, sign: bool = True) -> str:
            psbt = parse_psbt(spend.psbt)
            change(psbt)
            if sign:
                sign_input(psbt, 0, key)
            return serialize_psbt(psbt)

        def pay_thief(p: PSBT) -> None:
            p.outputs[0].script_pubkey = Script(thief)

        def extra_output(p: PSBT) -> None:
            p.outputs[0].value -= 20_000
            p.outputs.append(OutputScope(vout=TransactionOutput(20_000, Script(thief))))

        def inflate_fee(p: PSBT) -> None:
            p.outputs[0].value -= 50_000

        def lie_about_input(p: PSBT) -> None:  # the segwit fee attack: under-state the input
            real = p.inputs[0].witness_utxo
            p.inputs[0].witness_utxo = TransactionOutput(real.value - 50_000, real.script_pubkey)
            p.inputs[0].non_witness_utxo = None

        def sighash_none(p: PSBT) -> None:
            p.inputs[0].sighash_type = SIGHASH.NONE
            sig = key.sign(p.sighash(0, sighash=SIGHASH.NONE))
            p.inputs[0].partial_sigs[buyer_pub] = sig.serialize() + bytes([SIGHASH.NONE])

        def stranger_signs(p: PSBT) -> None:
            sign_input(p, 0, stranger)

        def stranger_as_buyer(p: PSBT) -> None:
            sign_input(p, 0, stranger)
            p.inputs[0].partial_sigs[buyer_pub] = p.inputs[0].partial_sigs.pop(
                stranger.get_public_key())

        def junk_for_seller(p: PSBT) -> None:  # would make the co-signed tx invalid
            sign_input(p, 0, key)
            p.inputs[0].partial_sigs[seller_pub] = p.inputs[0].partial_sigs[buyer_pub]

        # An honest signer (our own) refuses the changed transactions before signing.
        log.info("An honest signer refuses the changed transactions before signing")
        for change, why in ((pay_thief, "output 0 pays bcrt1q[0-9a-z]+, expected bcrt1q"),
                            (extra_output, "PSBT has 3 outputs, expected 2"),
                            (inflate_fee, "output 0 pays [0-9]+ sat, expected")):
            with pytest.raises(SigningRefused, match=why):
                btc_escrow.sign_psbt(esc, parse_psbt(attack(change, sign=False)),
                                     planning.plan_from_json(spend.plan),
                                     root_from_mnemonic(shop.buyer_phrase, REGTEST))
        log.info("Each tampered, correctly signed PSBT is uploaded and refused")
        cases: list[tuple[str, str, bool]] = [
            (attack(pay_thief), f"{OTHER_TX} \\(output 0 pays bcrt1q", False),
            (attack(extra_output), f"{OTHER_TX} \\(PSBT has 3 outputs, expected 2", False),
            (attack(inflate_fee), f"{OTHER_TX} \\(output 0 pays [0-9]+ sat, expected", False),
            (attack(lie_about_input), "the buyer's signature does not verify", True),
            (attack(sighash_none, sign=False), "signature is not SIGHASH_ALL", True),
            (attack(stranger_signs, sign=False), "not signed by the buyer", True),
            (attack(stranger_as_buyer, sign=False), "signature does not verify", True),
            (attack(junk_for_seller, sign=False), "key other than the buyer's", True),
        ]
        for refused, (text, reason, same_txid) in enumerate(cases, start=1):
            assert (parse_psbt(text).tx.txid() == parse_psbt(spend.psbt).tx.txid()) == same_txid
            with pytest.raises(ValidationFailed, match=reason):
                signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, psbt_text=text))
            assert shop.escrow.events.filter(kind="signature_refused").count() == refused
            assert not shop.escrow.spends.exclude(status="awaiting").exists()
            shop.refresh()
            assert shop.escrow.status == "funded"
        log.info("Every refusal is on the escrow's trail")
        details = list(shop.escrow.events.filter(kind="signature_refused")
                       .values_list("detail", flat=True))
        assert all(OTHER_TX in d for d in details[:3])
        assert [d.split(": ", 1)[-1] for d in details[3:]] == [
            "the buyer's signature does not verify", "the buyer's signature is not SIGHASH_ALL",
            "input 0 is not signed by the buyer", "the buyer's signature does not verify",
            "input 0 carries a signature by a key other than the buyer's"]
        # The honest upload: the same PSBT, signed as downloaded.
        log.info("The untampered buyer-signed PSBT is uploaded: co-signed and broadcast")
        signed = signing.do_sign(signing.check_sign(shop.escrow, shop.buyer, psbt_text=attack(lambda p: None)))
        assert signed.pk == spend.pk and signed.status == "broadcast"
        log.info("A block pays the seller and the fee exactly as planned")
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "released" and shop.order.status == "completed"
        assert shop.paid_out(signed.txid) == {o["address"]: o["value_sat"]
                                              for o in spend.plan["outputs"]}
