"""Item 14: PSBTs a wallet can verify without trusting the shop — PSBT_GLOBAL_XPUB for the
three cosigners (so a hardware wallet can check the 2-of-3 it signs for) and the BIP32
derivation of an output that belongs to a party (so it is recognised as theirs) — and the
marketplace's policy check still passes on them."""

from __future__ import annotations

from embit.bip32 import HDKey

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.escrow import (
    EscrowInput,
    check_signed_by,
    create_psbt,
    make_escrow,
    plan_spend,
    sign_psbt,
)
from cryptoshop.btc.keys import derive, key_origin
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import Outpoint, TxOutput, parse_psbt, serialize_psbt
from tests.escrow_keys import party

ROOTS, KEYS = map(list, zip(*(party(i) for i in range(41, 44)), strict=True))
ESCROW = make_escrow(KEYS[0], KEYS[1], KEYS[2], REGTEST)
SELLER_WALLET_PATH = "m/84h/1h/0h"
SELLER_ACCOUNT = derive(ROOTS[1], SELLER_WALLET_PATH).to_public()
PAYOUT = parse_wallet_descriptor(
    key_origin(ROOTS[1], SELLER_WALLET_PATH) + str(SELLER_ACCOUNT.to_base58()), REGTEST)


def _psbt():  # type: ignore[no-untyped-def]
    plan = plan_spend([EscrowInput(Outpoint("cc" * 32, 0), 90_000, 5)],
                      [TxOutput(bytes.fromhex("0014" + "33" * 20), 1_000)],
                      PAYOUT.script_pubkey(7), 2)
    keys = {1: PAYOUT.output_key(7)}
    return plan, parse_psbt(serialize_psbt(create_psbt(ESCROW, plan, output_keys=keys)))


def test_global_xpubs_name_the_three_cosigners() -> None:
    _, psbt = _psbt()
    assert len(psbt.xpubs) == 3
    found = {str(xpub.to_base58()): (bytes(der.fingerprint), list(der.derivation))
             for xpub, der in psbt.xpubs.items()}
    for k in ESCROW.keys:
        assert found[k.xpub] == (k.fingerprint, list(k.origin_path))


def test_the_payout_output_carries_its_derivation() -> None:
    _, psbt = _psbt()
    assert not psbt.outputs[0].bip32_derivations  # the fee: nobody's here
    ((pub, der),) = psbt.outputs[1].bip32_derivations.items()
    child = derive(ROOTS[1], f"{SELLER_WALLET_PATH}/0/7")
    assert pub == child.get_public_key()
    assert bytes(der.fingerprint) == bytes(ROOTS[1].my_fingerprint)
    assert isinstance(ROOTS[1], HDKey)


def test_policy_check_still_passes() -> None:
    plan, psbt = _psbt()
    sign_psbt(ESCROW, psbt, plan, ROOTS[0])
    check_signed_by(ESCROW, parse_psbt(serialize_psbt(psbt)), plan, "buyer")
