from __future__ import annotations

import pytest

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.errors import DescriptorError, KeyFormatError, NetworkError
from cryptoshop.btc.keys import (
    account_xpub,
    derive,
    key_origin,
    parse_extended_key,
    root_from_mnemonic,
)
from cryptoshop.btc.networks import MAINNET, REGTEST, TESTNET, get_network

from . import _vectors as v

ROOT = root_from_mnemonic(v.BIP84_MNEMONIC, MAINNET)
TROOT = root_from_mnemonic(v.BIP84_MNEMONIC, TESTNET)


def test_slip132_prefixes_normalise_to_same_addresses() -> None:
    account = derive(ROOT, "m/84h/0h/0h").to_public()
    zpub = account.to_base58(version=bytes.fromhex("04b24746"))
    xpub = account.to_base58()
    a = parse_wallet_descriptor(zpub, MAINNET)
    b = parse_wallet_descriptor(f"wpkh({xpub}/0/*)", MAINNET)
    assert a.address(5) == b.address(5) and a.receive == b.receive
    ypub = account.to_base58(version=bytes.fromhex("049d7cb2"))
    assert parse_wallet_descriptor(ypub, MAINNET).script_type == "sh-wpkh"
    assert parse_wallet_descriptor(ypub, MAINNET).address(0).startswith("3")


def test_test_network_prefixes() -> None:
    account = derive(TROOT, "m/84h/1h/0h").to_public()
    vpub = account.to_base58(version=bytes.fromhex("045f1cf6"))
    tpub = account.to_base58()
    assert parse_extended_key(vpub).prefix == "vpub"
    w = parse_wallet_descriptor(vpub, REGTEST)
    assert w.address(0).startswith("bcrt1q")
    assert parse_wallet_descriptor(tpub, TESTNET).address(0).startswith("tb1q")
    upub = account.to_base58(version=bytes.fromhex("044a5262"))
    assert parse_wallet_descriptor(upub, TESTNET).address(0).startswith("2")


def test_wrong_network_refused_clearly() -> None:
    xpub = account_xpub(ROOT, "m/84h/0h/0h", MAINNET)
    with pytest.raises(NetworkError, match="mainnet key"):
        parse_wallet_descriptor(xpub, REGTEST)
    tpub = account_xpub(TROOT, "m/84h/1h/0h", TESTNET)
    with pytest.raises(NetworkError, match="test-network key"):
        parse_wallet_descriptor(f"wpkh({tpub}/0/*)", MAINNET)


def test_checksummed_normalisation() -> None:
    origin = key_origin(ROOT, "m/84h/0h/0h")
    xpub = account_xpub(ROOT, "m/84h/0h/0h", MAINNET)
    w = parse_wallet_descriptor(f"wpkh({origin}{xpub}/<0;1>/*)", MAINNET)
    assert w.receive == f"wpkh({origin}{xpub}/0/*)#afwvtk2s"
    assert w.change.startswith(f"wpkh({origin}{xpub}/1/*)#")
    # The normalised form parses back to itself (checksum verified on input).
    assert parse_wallet_descriptor(w.receive, MAINNET).receive == w.receive
    with pytest.raises(DescriptorError, match="checksum"):
        parse_wallet_descriptor(w.receive[:-1] + "x", MAINNET)
    assert w.fingerprint == "73c5da0a"


@pytest.mark.parametrize(
    "bad",
    [
        "wsh(multi(1,xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/*))",
        "wpkh(xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi/0/*)",
        "wpkh(xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/0/1)",
        "wpkh(xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8/0h/*)",
        "wpkh(02e6642fd69bd211f93f7f1f36ca51a26a5290eb2dd1b0d8279a87bb0d480c8443)",
        "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
        "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet9",
        "",
    ],
)
def test_descriptor_refusals(bad: str) -> None:
    with pytest.raises((DescriptorError, KeyFormatError)):
        parse_wallet_descriptor(bad, MAINNET)


def test_networks() -> None:
    assert get_network("testnet3") is TESTNET
    assert get_network("mainnet") is MAINNET
    with pytest.raises(NetworkError):
        get_network("litecoin")
