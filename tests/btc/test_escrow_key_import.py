"""Item 13: the cosigner keys wallets export — SLIP-132 multisig headers (Vpub/Zpub,
Upub/Ypub), single-sig headers refused with a hint, origins read from descriptors and
wallet export files, stored in BIP-380 syntax."""

from __future__ import annotations

import json

import pytest
from embit.bip32 import HDKey

from cryptoshop.btc.cosigner import cosigner_expression
from cryptoshop.btc.errors import BitcoinError, DescriptorError
from cryptoshop.btc.escrow import parse_escrow_key
from cryptoshop.btc.keys import parse_extended_key
from cryptoshop.btc.networks import MAINNET, REGTEST
from tests.escrow_keys import party

ROOT, EXPR = party(21)
ORIGIN, TPUB = EXPR[1:].split("]")
FP = ORIGIN.split("/")[0]


def _as(version: str, key: str = TPUB) -> str:
    return str(HDKey.from_string(key).to_base58(version=bytes.fromhex(version)))


VPUB = _as("02575483")
UPUB = _as("024289ef")


def test_vpub_and_upub_are_accepted_and_converted_to_tpub() -> None:
    for text in (VPUB, UPUB, f"[{ORIGIN}]{VPUB}"):
        key = parse_escrow_key("buyer", text, REGTEST)
        assert key.xpub == TPUB, text
    assert parse_extended_key(VPUB).prefix == "Vpub"
    assert parse_extended_key(VPUB).implied_script_type == "wsh"


def test_zpub_is_a_mainnet_multisig_key() -> None:
    mroot = HDKey.from_seed(b"\x05" * 32, version=MAINNET.xprv_version)
    xpub = str(mroot.derive("m/48h/0h/0h/2h").to_public().to_base58())
    zpub = _as("02aa7ed3", xpub)
    assert parse_escrow_key("seller", zpub, MAINNET).xpub == xpub
    with pytest.raises(BitcoinError, match="mainnet"):
        parse_escrow_key("seller", zpub, REGTEST)


def test_single_sig_header_is_refused_with_what_to_export() -> None:
    vpub = _as("045f1cf6")
    with pytest.raises(DescriptorError) as err:
        parse_escrow_key("buyer", vpub, REGTEST)
    message = str(err.value)
    assert "single-signature" in message and "Vpub" in message and "48" in message


def test_unknown_version_hint_names_the_multisig_headers() -> None:
    with pytest.raises(BitcoinError) as err:
        parse_extended_key(_as("01020304"))
    assert "Vpub" in str(err.value) and "Zpub" in str(err.value)


def test_origin_is_stored_in_bip380_syntax() -> None:
    typed = f"[{FP.upper()}/48'/1'/0'/2']{TPUB}"
    assert cosigner_expression(typed, REGTEST) == f"[{FP}/48h/1h/0h/2h]{TPUB}"
    assert cosigner_expression(f"[{FP}/48H/1H/0H/2H]{VPUB}", REGTEST) == EXPR
    assert cosigner_expression(TPUB, REGTEST) == TPUB


def test_origin_read_from_a_one_key_descriptor() -> None:
    desc = f"wsh(sortedmulti(1,[{FP}/48'/1'/0'/2']{VPUB}/0/*))"
    assert cosigner_expression(desc, REGTEST) == EXPR


def test_a_full_multisig_descriptor_needs_the_users_key_picked() -> None:
    _, other = party(22)
    desc = f"wsh(sortedmulti(2,{EXPR}/0/*,{other}/0/*))"
    with pytest.raises(DescriptorError, match="2 keys"):
        cosigner_expression(desc, REGTEST)


def test_electrum_wallet_file() -> None:
    electrum = {"keystore": {"type": "bip32", "xpub": VPUB, "xprv": None,
                             "derivation": "m/48'/1'/0'/2'", "root_fingerprint": FP},
                "wallet_type": "standard"}
    assert cosigner_expression(json.dumps(electrum), REGTEST) == EXPR
    multisig = {"x1/": electrum["keystore"], "wallet_type": "2of3"}
    assert cosigner_expression(json.dumps(multisig), REGTEST) == EXPR
    leaky = {"keystore": {**electrum["keystore"], "xprv": "Vprv…"}}
    with pytest.raises(DescriptorError, match="PRIVATE"):
        cosigner_expression(json.dumps(leaky), REGTEST)


def test_coldcard_and_sparrow_multisig_export() -> None:
    coldcard = {"xfp": FP.upper(), "account": "0", "p2sh_deriv": "m/45'", "p2sh": TPUB,
                "p2sh_p2wsh_deriv": "m/48'/1'/0'/1'", "p2sh_p2wsh": UPUB,
                "p2wsh_deriv": "m/48'/1'/0'/2'", "p2wsh": VPUB}
    assert cosigner_expression(json.dumps(coldcard), REGTEST) == EXPR


def test_bsms_key_record() -> None:
    bsms = f"BSMS 1.0\n00\n[{FP}/48'/1'/0'/2']{TPUB}\nSigner 1 key\nH+sig==\n"
    assert cosigner_expression(bsms, REGTEST) == EXPR


def test_junk_is_refused() -> None:
    for junk in ("", "hello", "{}", "[zzzz]tpub123", '{"keystore": 5}'):
        with pytest.raises(BitcoinError):
            cosigner_expression(junk, REGTEST)
