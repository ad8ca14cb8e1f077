"""Arbitrary input into every parser raises only BitcoinError (never a crash)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoshop.btc.addresses import address_to_script_pubkey
from cryptoshop.btc.amounts import btc_to_sats
from cryptoshop.btc.bip21 import parse_uri
from cryptoshop.btc.descriptors import parse_wallet_descriptor, split_checksum
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.escrow import parse_escrow_key
from cryptoshop.btc.keys import mnemonic_to_seed, parse_extended_key, parse_path
from cryptoshop.btc.networks import MAINNET, REGTEST, get_network
from cryptoshop.btc.psbt import parse_psbt
from cryptoshop.chain.decode import decode_block, decode_transaction

PARSERS: list[tuple[str, Callable[[str], Any]]] = [
    ("amount", btc_to_sats),
    ("address-main", lambda s: address_to_script_pubkey(s, MAINNET)),
    ("address-regtest", lambda s: address_to_script_pubkey(s, REGTEST)),
    ("bip21", lambda s: parse_uri(s, MAINNET)),
    ("descriptor", lambda s: parse_wallet_descriptor(s, MAINNET)),
    ("checksum", split_checksum),
    ("xpub", parse_extended_key),
    ("path", parse_path),
    ("mnemonic", mnemonic_to_seed),
    ("network", get_network),
    ("escrow-key", lambda s: parse_escrow_key("buyer", s, REGTEST)),
    ("psbt", parse_psbt),
    ("tx-hex", decode_transaction),
    ("block-hex", lambda s: decode_block(s, 0)),
]

# Strings near the valid forms find more paths than uniform noise.
PREFIXES = st.sampled_from(
    [
        "",
        "bitcoin:",
        "bc1q",
        "bcrt1",
        "tb1p",
        "1",
        "3",
        "xpub661MyMwAqRbc",
        "tpubD",
        "wpkh(",
        "sh(wpkh(",
        "tr(",
        "[d34db33f/84h/0h]",
        "cHNidP8B",
        "0.",
        "m/",
        "#",
        "?amount=",
    ]
)


@pytest.mark.parametrize(("name", "parser"), PARSERS, ids=[n for n, _ in PARSERS])
@settings(max_examples=150, deadline=None)
@given(prefix=PREFIXES, text=st.text(max_size=120))
def test_parsers_raise_only_bitcoin_error(
    name: str, parser: Callable[[str], Any], prefix: str, text: str
) -> None:
    with contextlib.suppress(BitcoinError):
        parser(prefix + text)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_binary_parsers(data: bytes) -> None:
    for parse in (parse_psbt, decode_transaction, lambda b: decode_block(b, 0)):
        with contextlib.suppress(BitcoinError):
            parse(b"psbt\xff" + data if parse is parse_psbt else data)
