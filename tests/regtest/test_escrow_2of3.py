"""Scenario: 2-of-3 escrow funded, released by buyer + marketplace, paid out exactly.

Fund the order's escrow address, build the release PSBT, sign in two separate steps
with the PSBT serialised between them, finalise, ``testmempoolaccept`` (btcd has it
since v0.24, so no substitute is needed), broadcast, mine, and check every output to
the satoshi. A key outside the escrow is refused, one signature cannot finalise, and a
PSBT whose output was changed is refused before anything is signed.
"""

from __future__ import annotations

import logging

import pytest

from cryptoshop.btc.addresses import address_to_script_pubkey
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import PSBTError, SigningRefused
from cryptoshop.btc.escrow import (
    EscrowInput,
    create_psbt,
    estimate_spend_vsize,
    make_escrow,
    plan_spend,
    sign_psbt,
)
from cryptoshop.btc.keys import account_xpub
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
from cryptoshop.chain.regtest import RegtestNode
from tests.escrow_keys import party

log = logging.getLogger("cryptoshop.regtest.scenario")
pytestmark = pytest.mark.regtest

ORDER_INDEX = 7
ESCROW_SAT = 250_000
MARKET_FEE_SAT = 5_000
FEE_RATE = 2  # sat/vB


def test_escrow_release_two_signatures(node: RegtestNode) -> None:
    buyer_root, buyer_key = party(1)
    seller_root, seller_key = party(2)
    market_root, market_key = party(3)
    outsider_root, _ = party(4)
    escrow = make_escrow(buyer_key, seller_key, market_key, REGTEST)
    log.info("escrow descriptor: %s", escrow.descriptor)
    address = escrow.address(ORDER_INDEX)
    log.info("order #%d escrow address %s", ORDER_INDEX, address)

    log.info("buyer funds the escrow with %d sat; one confirmation", ESCROW_SAT)
    funding_txid = node.fund(address, ESCROW_SAT)
    node.mine(1)
    funding = node.rpc.get_transaction(funding_txid)
    (vout,) = [
        o.n for o in funding.outputs if o.script_pubkey == escrow.script_pubkey(ORDER_INDEX).hex()
    ]
    escrow_input = EscrowInput(
        Outpoint(funding_txid, vout),
        ESCROW_SAT,
        ORDER_INDEX,
        prev_tx=node.rpc.get_raw_transaction(funding_txid),
    )

    seller_payout = parse_wallet_descriptor(
        account_xpub(seller_root, "m/84h/1h/0h", REGTEST), REGTEST
    ).address(0)
    market_fee_address = parse_wallet_descriptor(
        account_xpub(market_root, "m/84h/1h/0h", REGTEST), REGTEST
    ).address(0)
    plan = plan_spend(
        [escrow_input],
        [TxOutput(address_to_script_pubkey(market_fee_address, REGTEST), MARKET_FEE_SAT)],
        address_to_script_pubkey(seller_payout, REGTEST),
        FEE_RATE,
    )
    payout_sat = plan.outputs[1].value_sat
    assert payout_sat == ESCROW_SAT - MARKET_FEE_SAT - plan.fee_sat
    log.info(
        "release plan: seller %d sat, marketplace fee %d sat, network fee %d sat",
        payout_sat,
        MARKET_FEE_SAT,
        plan.fee_sat,
    )

    unsigned = serialize_psbt(create_psbt(escrow, plan))
    assert psbt_fee(parse_psbt(unsigned)) == plan.fee_sat

    log.info("a PSBT whose payout output was changed is refused before signing")
    tampered = parse_psbt(unsigned)
    # Take 10,000 sat from the seller's payout and give it to the fee output's owner.
    tampered.outputs[1].value -= 10_000
    tampered.outputs[0].value += 10_000
    tampered = parse_psbt(serialize_psbt(tampered))
    with pytest.raises(SigningRefused, match="output 0 pays"):
        sign_psbt(escrow, tampered, plan, buyer_root)
    assert signature_count(tampered) == [0]
    redirected = parse_psbt(unsigned)
    redirected.outputs[1].script_pubkey = redirected.outputs[0].script_pubkey
    redirected = parse_psbt(serialize_psbt(redirected))
    with pytest.raises(SigningRefused, match=r"output 1 pays bcrt1q[0-9a-z]+, expected bcrt1q"):
        sign_psbt(escrow, redirected, plan, buyer_root)
    assert signature_count(redirected) == [0]

    log.info("a key that is not a cosigner is refused")
    with pytest.raises(SigningRefused, match="not one of"):
        sign_psbt(escrow, parse_psbt(unsigned), plan, outsider_root)

    log.info("step 1: buyer signs and hands the PSBT on as base64")
    step1 = parse_psbt(unsigned)
    assert sign_psbt(escrow, step1, plan, buyer_root) == 1
    handed_over = serialize_psbt(step1)

    log.info("one signature cannot be finalised")
    with pytest.raises(PSBTError, match="missing signatures"):
        finalize_psbt(parse_psbt(handed_over))

    log.info("step 2: the marketplace co-signs the serialised PSBT")
    step2 = parse_psbt(handed_over)
    assert sign_psbt(escrow, step2, plan, market_root) == 1
    assert signature_count(step2) == [2]

    log.info("combining separately signed copies gives the same result")
    separately = parse_psbt(unsigned)
    sign_psbt(escrow, separately, plan, market_root)
    combined = combine_psbts([parse_psbt(handed_over), separately])
    assert signature_count(combined) == [2]

    tx = finalize_psbt(step2)
    raw = tx.serialize().hex()
    vsize = tx_vsize(tx)
    assert vsize <= estimate_spend_vsize(1, [o.script_pubkey for o in plan.outputs])
    assert finalize_psbt(combined).serialize().hex() == raw

    log.info("testmempoolaccept before broadcasting")
    verdict = node.rpc.test_mempool_accept(raw)
    assert verdict.allowed, verdict.reason
    assert verdict.fee_sat == plan.fee_sat
    assert verdict.vsize == vsize

    log.info("broadcast and mine")
    txid = node.rpc.broadcast(raw)
    assert txid == verdict.txid
    node.mine(1)
    status = node.rpc.get_tx_status(txid)
    assert status.confirmations == 1

    mined = node.rpc.get_transaction(txid)
    outputs = {o.script_pubkey: o.value_sat for o in mined.outputs}
    assert outputs == {
        address_to_script_pubkey(market_fee_address, REGTEST).hex(): MARKET_FEE_SAT,
        address_to_script_pubkey(seller_payout, REGTEST).hex(): payout_sat,
    }
    assert ESCROW_SAT - sum(outputs.values()) == plan.fee_sat
    log.info("released: %s", txid)
