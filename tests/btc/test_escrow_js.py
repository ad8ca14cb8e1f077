"""Cross-implementation tests of the in-browser escrow wallet (frontend/src/escrow/core.js).

The JavaScript runs under Node (tests/btc/js/escrow_cli.mjs); embit, through
``cryptoshop.btc``, is the reference: the same phrase must give the same key origin and
xpub, and a PSBT built in Python, half-signed in JS and completed in Python must finalise
into a valid 2-of-3 spend.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from embit import bip39, ec
from embit.psbt import PSBT
from embit.transaction import SIGHASH

from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.btc.escrow import (
    Escrow,
    EscrowInput,
    SpendPlan,
    create_psbt,
    make_escrow,
    plan_spend,
    sign_psbt,
)
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import MAINNET, REGTEST
from cryptoshop.btc.psbt import (
    Outpoint,
    TxOutput,
    finalize_psbt,
    parse_psbt,
    serialize_psbt,
    signature_count,
)
from tests.escrow_keys import ESCROW_PATH, party

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(__file__).resolve().parent / "js" / "escrow_cli.mjs"
SIGNER_MODULE = ROOT / "frontend" / "node_modules" / "@scure" / "btc-signer"
ABANDON = " ".join(["abandon"] * 11 + ["about"])
OTHER = "legal winner thank year wave sausage worth useful legal winner thank yellow"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _node() -> str:
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed"
    elif not SIGNER_MODULE.is_dir():
        reason = "frontend/node_modules is missing (run `cd frontend && npm ci`)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"escrow wallet JS tests cannot run under CI: {reason}")
        pytest.skip(f"escrow wallet JS tests need Node and the frontend packages: {reason}")
    assert node is not None
    return node


@pytest.fixture(scope="module")
def node() -> str:
    return _node()


def js(node: str, op: str, **args: Any) -> Any:
    """Run one core.js call; return its result or raise JSError with its message."""
    proc = subprocess.run(
        [node, str(CLI)],
        input=json.dumps({"op": op, **args}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout.strip().splitlines()[-1])
    if not reply["ok"]:
        raise JSError(reply["error"])
    return reply["result"]


class JSError(Exception):
    pass


def _python_expression(mnemonic: str, network: Any) -> str:
    root = root_from_seed(bytes(bip39.mnemonic_to_seed(mnemonic)), network)
    path = "m/48h/0h/0h/2h" if network is MAINNET else ESCROW_PATH
    return key_origin(root, path) + account_xpub(root, path, network)


# --- a. keys -------------------------------------------------------------------------------


def test_account_matches_embit(node: str) -> None:
    account = js(node, "account", mnemonic=ABANDON, network="regtest")
    want = _python_expression(ABANDON, REGTEST)
    assert account["expression"] == want
    assert want.startswith("[73c5da0a/48h/1h/0h/2h]tpub")
    assert account["fingerprint"] == "73c5da0a"
    assert account["path"] == "48h/1h/0h/2h"
    assert "[" + account["fingerprint"] + "/" + account["path"] + "]" + account["xpub"] == want
    # Mainnet: coin type 0 and the xpub version.
    main = js(node, "account", mnemonic=ABANDON.upper(), network="main")
    assert main["expression"] == _python_expression(ABANDON, MAINNET)
    assert main["xpub"].startswith("xpub")


def test_generated_phrase_is_valid_bip39(node: str) -> None:
    out = js(node, "generate")
    words = out["mnemonic"].split()
    assert len(words) == 12 and out["valid"] is True
    assert bip39.mnemonic_is_valid(out["mnemonic"])
    assert js(node, "account", mnemonic=out["mnemonic"], network="regtest")["expression"] == (
        _python_expression(out["mnemonic"], REGTEST)
    )
    assert js(node, "validate", mnemonic=ABANDON) is True
    assert js(node, "validate", mnemonic=ABANDON.replace("about", "abandon")) is False
    with pytest.raises(JSError, match="not a valid recovery phrase"):
        js(node, "account", mnemonic="abandon " * 12, network="regtest")


# --- b. encrypted phrase -----------------------------------------------------------------


def test_encrypt_decrypt_round_trip(node: str) -> None:
    expression = _python_expression(ABANDON, REGTEST)
    blob = js(node, "encrypt", mnemonic=ABANDON, password="correct horse", meta={
        "expression": expression})
    assert blob["v"] == 1 and blob["kdf"] == "scrypt" and blob["expression"] == expression
    assert blob["N"] >= 2**15 and blob["r"] == 8 and blob["p"] == 1
    assert {"salt", "nonce", "ct", "cipher"} <= blob.keys()
    assert "abandon" not in json.dumps(blob)
    assert js(node, "decrypt", blob=blob, password="correct horse") == ABANDON
    # The stored JSON text works as well as the object.
    assert js(node, "decrypt", blob=json.dumps(blob), password="correct horse") == ABANDON
    with pytest.raises(JSError, match=r"^wrong password$"):
        js(node, "decrypt", blob=blob, password="correct horsE")
    # The expression is authenticated: a swapped label does not open.
    with pytest.raises(JSError, match="wrong password"):
        js(node, "decrypt", blob={**blob, "expression": "[00000000]tpub"},
           password="correct horse")
    # Fresh salt and nonce each time.
    again = js(node, "encrypt", mnemonic=ABANDON, password="correct horse", meta={})
    assert again["salt"] != blob["salt"] and again["ct"] != blob["ct"]


# --- c/d. signing ----------------------------------------------------------------------------

SELLER_ROOT, SELLER = party(2)
MARKET_ROOT, MARKET = party(3)
PAYOUT = bytes.fromhex("0014" + "11" * 20)
FEE_OUT = TxOutput(bytes.fromhex("0014" + "22" * 20), 1_000)


def _escrow(node: str) -> Escrow:
    buyer = js(node, "account", mnemonic=ABANDON, network="regtest")["expression"]
    return make_escrow(buyer, SELLER, MARKET, REGTEST)


def _plan() -> SpendPlan:
    inputs = [
        EscrowInput(Outpoint("ab" * 32, 1), 100_000, 5),
        EscrowInput(Outpoint("cd" * 32, 0), 60_000, 6),
    ]
    return plan_spend(inputs, [FEE_OUT], PAYOUT, 2)


def _expected(plan: SpendPlan) -> dict[str, Any]:
    return {
        "outputs": [
            {"address": script_pubkey_to_address(o.script_pubkey, REGTEST), "valueSat": o.value_sat}
            for o in plan.outputs
        ],
        "feeSat": plan.fee_sat,
    }


def _low_s(der: bytes) -> bool:
    # DER: 30 len 02 rlen r 02 slen s
    rlen = der[3]
    s = int.from_bytes(der[4 + rlen + 2 :], "big")
    return 0 < s <= SECP256K1_N // 2


def test_psbt_half_signed_in_js_completes_in_python(node: str) -> None:
    escrow = _escrow(node)
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(escrow, plan))

    summary = js(node, "describe", psbt=unsigned, network="regtest")
    assert summary == {
        "inputs": [
            {"txid": i.outpoint.txid, "vout": i.outpoint.vout, "valueSat": i.value_sat}
            for i in plan.inputs
        ],
        **_expected(plan),
    }

    signed_b64 = js(node, "sign", psbt=unsigned, mnemonic=ABANDON, network="regtest",
                    expected=_expected(plan))
    signed = parse_psbt(signed_b64)
    assert signature_count(signed) == [1, 1]
    buyer_pubs = [escrow.buyer.pubkey(i.index) for i in plan.inputs]
    for n, inp in enumerate(signed.inputs):
        # Everything the next signer needs is kept.
        assert inp.witness_utxo is not None and inp.witness_script is not None
        assert len(inp.bip32_derivations) == 3
        (pub, sig), = inp.partial_sigs.items()
        assert pub == buyer_pubs[n]
        assert sig[-1] == SIGHASH.ALL and _low_s(sig[:-1])
        assert pub.verify(ec.Signature.parse(sig[:-1]), signed.sighash(n, sighash=SIGHASH.ALL))

    # The seller signs in Python (verify-then-sign accepts the JS output unchanged).
    assert sign_psbt(escrow, signed, plan, SELLER_ROOT) == 2
    assert signature_count(signed) == [2, 2]
    tx = finalize_psbt(signed)
    reference = parse_psbt(unsigned)
    for n, (vin, want) in enumerate(zip(tx.vin, plan.inputs, strict=True)):
        items = [bytes(x) for x in vin.witness.items]
        assert len(items) == 4 and items[0] == b""
        assert items[3] == escrow.witness_script(want.index)
        keys = escrow.pubkeys(want.index)  # sorted: the order CHECKMULTISIG expects
        signers = [k for k in keys if k in (escrow.buyer.pubkey(want.index),
                                            escrow.seller.pubkey(want.index))]
        digest = reference.sighash(n, sighash=SIGHASH.ALL)
        for key, sig in zip(signers, items[1:3], strict=True):
            assert sig[-1] == SIGHASH.ALL
            assert key.verify(ec.Signature.parse(sig[:-1]), digest)
    assert sum(int(o.value) for o in tx.vout) == 160_000 - plan.fee_sat


def test_existing_signatures_are_kept(node: str) -> None:
    escrow = _escrow(node)
    plan = _plan()
    psbt = create_psbt(escrow, plan)
    sign_psbt(escrow, psbt, plan, MARKET_ROOT)  # marketplace first, then the browser
    signed = parse_psbt(js(node, "sign", psbt=serialize_psbt(psbt), mnemonic=ABANDON,
                           network="regtest", expected=_expected(plan)))
    assert signature_count(signed) == [2, 2]
    assert finalize_psbt(signed) is not None


def _refusal(node: str, psbt: PSBT | str, expected: dict[str, Any] | None,
             mnemonic: str = ABANDON) -> str:
    text = psbt if isinstance(psbt, str) else serialize_psbt(psbt)
    with pytest.raises(JSError) as info:
        js(node, "sign", psbt=text, mnemonic=mnemonic, network="regtest", expected=expected)
    return str(info.value)


def test_sign_refuses_unexpected_psbts(node: str) -> None:
    escrow = _escrow(node)
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(escrow, plan))
    expected = _expected(plan)

    # One output's sats moved to the other (same total, same fee).
    moved = json.loads(json.dumps(expected))
    moved["outputs"][0]["valueSat"] += 1
    moved["outputs"][1]["valueSat"] -= 1
    assert "output 0 pays 1000 sat" in _refusal(node, unsigned, moved)
    # An extra output the user was not shown.
    extra = json.loads(json.dumps(expected))
    extra["outputs"].append({"address": extra["outputs"][0]["address"], "valueSat": 500})
    assert "2 outputs, expected 3" in _refusal(node, unsigned, extra)
    # A different fee.
    fee = {**expected, "feeSat": expected["feeSat"] + 1}
    assert "fee" in _refusal(node, unsigned, fee)
    # A different destination.
    other_addr = script_pubkey_to_address(bytes.fromhex("0014" + "33" * 20), REGTEST)
    dest = json.loads(json.dumps(expected))
    dest["outputs"][1]["address"] = other_addr
    assert "output 1 pays" in _refusal(node, unsigned, dest)
    # The PSBT itself altered (value moved between outputs) against the true plan.
    p = parse_psbt(unsigned)
    p.outputs[0].value += 1
    p.outputs[1].value -= 1
    assert "output 0" in _refusal(node, p, expected)
    # A phrase that is not one of the three keys.
    assert _refusal(node, unsigned, expected, OTHER) == "this phrase is not one of this escrow's keys"
    # A sighash other than ALL.
    p = parse_psbt(unsigned)
    p.inputs[1].sighash_type = 0x83
    assert "SIGHASH_ALL" in _refusal(node, p, expected)
    # A witness_utxo amount that under-states the input changes the fee: refused.
    p = parse_psbt(unsigned)
    p.inputs[0].witness_utxo.value = 99_900
    assert "fee" in _refusal(node, p, expected)


def test_sign_without_expected_still_checks_the_key(node: str) -> None:
    escrow = _escrow(node)
    plan = _plan()
    unsigned = serialize_psbt(create_psbt(escrow, plan))
    signed = parse_psbt(js(node, "sign", psbt=unsigned, mnemonic=ABANDON, network="regtest",
                           expected=None))
    assert signature_count(signed) == [1, 1]
    assert "not one of" in _refusal(node, unsigned, None, OTHER)
    # Not an escrow output (witness script swapped for a 1-of-1): refused.
    p = parse_psbt(unsigned)
    p.inputs[0].witness_script = None
    assert "not a 2-of-3 escrow" in _refusal(node, p, None)
