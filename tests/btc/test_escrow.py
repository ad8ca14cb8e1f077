"""Escrow without a node: descriptor, addresses, verify-then-sign, combine, finalise."""

from __future__ import annotations

import pytest
from embit.descriptor import Descriptor

from cryptoshop.btc.descriptors import split_checksum
from cryptoshop.btc.errors import DescriptorError, PSBTError, SigningRefused
from cryptoshop.btc.escrow import (
    EscrowInput,
    check_signed_by,
    create_psbt,
    escrow_account_path,
    estimate_spend_vsize,
    make_escrow,
    plan_spend,
    sign_psbt,
)
from cryptoshop.btc.keys import derive
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import (
    Outpoint,
    TxOutput,
    combine_psbts,
    finalize_psbt,
    parse_psbt,
    psbt_fee,
    serialize_psbt,
    signature_count,
    tx_vsize,
)
from tests.escrow_keys import ESCROW_PATH, party

PATH = ESCROW_PATH
ROOTS, KEYS = map(list, zip(*(party(i) for i in range(1, 5)), strict=True))
ESCROW = make_escrow(KEYS[0], KEYS[1], KEYS[2], REGTEST)
PAYOUT = bytes.fromhex("0014" + "11" * 20)
FEE_OUT = TxOutput(bytes.fromhex("0014" + "22" * 20), 1_000)


def _plan(value: int = 100_000):  # type: ignore[no-untyped-def]
    inputs = [
        EscrowInput(Outpoint("aa" * 32, 0), value, 3),
        EscrowInput(Outpoint("bb" * 32, 1), value, 4),
    ]
    return plan_spend(inputs, [FEE_OUT], PAYOUT, 3)


def test_descriptor_matches_embit_and_is_checksummed() -> None:
    body, checksum = split_checksum(ESCROW.descriptor)
    assert checksum is not None and body.startswith("wsh(sortedmulti(2,[")
    parsed = Descriptor.from_string(body)
    for index in (0, 1, 99):
        assert parsed.derive(index).address(REGTEST.embit) == ESCROW.address(index)
    assert ESCROW.address(0).startswith("bcrt1q") and len(ESCROW.address(0)) == 64
    # The account key works as well as the master key to identify the participant.
    assert ESCROW.role_of(derive(ROOTS[1], PATH)) is ESCROW.seller
    assert ESCROW.role_of(ROOTS[3]) is None


def test_repeated_key_refused() -> None:
    with pytest.raises(DescriptorError, match="different"):
        make_escrow(KEYS[0], KEYS[0], KEYS[2], REGTEST)


def test_sign_combine_finalise() -> None:
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(ESCROW, plan))
    assert psbt_fee(parse_psbt(unsigned)) == plan.fee_sat
    a, b = parse_psbt(unsigned), parse_psbt(unsigned)
    assert sign_psbt(ESCROW, a, plan, ROOTS[1]) == 2  # seller, both inputs
    assert sign_psbt(ESCROW, b, plan, derive(ROOTS[2], PATH)) == 2  # marketplace account key
    with pytest.raises(PSBTError, match="missing signatures"):
        finalize_psbt(a)
    combined = combine_psbts([a, b])
    assert signature_count(combined) == [2, 2]
    tx = finalize_psbt(combined)
    assert tx_vsize(tx) <= estimate_spend_vsize(2, [o.script_pubkey for o in plan.outputs])
    assert sum(o.value for o in tx.vout) == 200_000 - plan.fee_sat


def test_refusals_happen_before_signing() -> None:
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(ESCROW, plan))
    with pytest.raises(SigningRefused, match="not one of"):
        sign_psbt(ESCROW, parse_psbt(unsigned), plan, ROOTS[3])
    # Changed output value.
    p = parse_psbt(unsigned)
    p.outputs[0].value += 1
    p.outputs[1].value -= 1
    with pytest.raises(SigningRefused):
        sign_psbt(ESCROW, p, plan, ROOTS[0])
    assert signature_count(p) == [0, 0]
    # A plan with a different fee (the PSBT would burn more) is refused.
    other = _plan(100_001)
    with pytest.raises(SigningRefused):
        sign_psbt(ESCROW, parse_psbt(unsigned), other, ROOTS[0])
    # Lying witness_utxo amount.
    p = parse_psbt(unsigned)
    p.inputs[0].witness_utxo.value = 50_000
    with pytest.raises(SigningRefused, match="worth"):
        sign_psbt(ESCROW, p, plan, ROOTS[0])
    # Non-ALL sighash requested.
    p = parse_psbt(unsigned)
    p.inputs[1].sighash_type = 0x83
    with pytest.raises(SigningRefused, match="sighash"):
        sign_psbt(ESCROW, p, plan, ROOTS[0])
    # Combining PSBTs of different transactions.
    other_psbt = create_psbt(ESCROW, plan_spend([plan.inputs[0]], [], PAYOUT, 2))
    with pytest.raises(PSBTError, match="different"):
        combine_psbts([parse_psbt(unsigned), other_psbt])


def test_plan_too_small() -> None:
    with pytest.raises(PSBTError, match="too small"):
        plan_spend([EscrowInput(Outpoint("aa" * 32, 0), 1_500, 0)], [FEE_OUT], PAYOUT, 2)


def test_policy_check_needs_the_named_partys_valid_signature_on_every_input() -> None:
    """check_signed_by is what the marketplace runs before its own signature."""
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(ESCROW, plan))
    with pytest.raises(SigningRefused, match="not signed by the buyer"):
        check_signed_by(ESCROW, parse_psbt(unsigned), plan, "buyer")
    by_seller = parse_psbt(unsigned)
    sign_psbt(ESCROW, by_seller, plan, ROOTS[1])
    with pytest.raises(SigningRefused, match="not signed by the buyer"):
        check_signed_by(ESCROW, by_seller, plan, "buyer")
    check_signed_by(ESCROW, by_seller, plan, "seller")
    # One input only signed: refused (every input must carry the signature).
    half = parse_psbt(unsigned)
    sign_psbt(ESCROW, half, plan, ROOTS[0])
    half.inputs[1].partial_sigs.clear()
    with pytest.raises(SigningRefused, match="input 1 is not signed"):
        check_signed_by(ESCROW, half, plan, "buyer")
    # A signature moved to the other input does not verify there.
    swapped = parse_psbt(unsigned)
    sign_psbt(ESCROW, swapped, plan, ROOTS[0])
    pub0 = ESCROW.buyer.pubkey(3)
    pub1 = ESCROW.buyer.pubkey(4)
    sig0 = swapped.inputs[0].partial_sigs[pub0]
    swapped.inputs[1].partial_sigs[pub1] = sig0
    with pytest.raises(SigningRefused, match="does not verify"):
        check_signed_by(ESCROW, swapped, plan, "buyer")
    # A signature with another sighash byte is refused even if the bytes were valid.
    other_hash = parse_psbt(unsigned)
    sign_psbt(ESCROW, other_hash, plan, ROOTS[0])
    other_hash.inputs[0].partial_sigs[pub0] = sig0[:-1] + bytes([0x83])
    with pytest.raises(SigningRefused, match="SIGHASH_ALL"):
        check_signed_by(ESCROW, other_hash, plan, "buyer")
    # And the plan itself is checked first: a changed output fails before any signature.
    changed = parse_psbt(serialize_psbt(by_seller))
    changed.outputs[0].value -= 1
    with pytest.raises(SigningRefused, match="output 0 pays"):
        check_signed_by(ESCROW, changed, plan, "seller")


def test_escrow_account_path_is_bip48_p2wsh() -> None:
    assert escrow_account_path("main") == "m/48h/0h/0h/2h"
    assert escrow_account_path(REGTEST) == ESCROW_PATH == "m/48h/1h/0h/2h"
