"""Published vectors: BIP32, BIP39, BIP84, BIP86, BIP173/350, BIP380, BIP174."""

from __future__ import annotations

import pytest
from embit.bip32 import HDKey

from cryptoshop.btc.addresses import address_to_script_pubkey, script_pubkey_to_address
from cryptoshop.btc.descriptors import (
    add_checksum,
    descriptor_checksum,
    parse_wallet_descriptor,
    split_checksum,
)
from cryptoshop.btc.errors import AddressError, DescriptorError, PSBTError
from cryptoshop.btc.keys import derive, mnemonic_to_seed, parse_extended_key, root_from_seed
from cryptoshop.btc.networks import MAINNET, TESTNET
from cryptoshop.btc.psbt import parse_psbt

from . import _vectors as v


@pytest.mark.parametrize(("seed", "chain"), v.BIP32)
def test_bip32(seed: str, chain: list[tuple[str, str, str]]) -> None:
    root = root_from_seed(bytes.fromhex(seed), MAINNET)
    for path, xpub, xprv in chain:
        key = derive(root, path)
        assert key.to_base58() == xprv
        assert key.to_public().to_base58() == xpub
        parsed = parse_extended_key(xpub)
        assert parsed.normalized == xpub and not parsed.is_private


@pytest.mark.parametrize(("entropy", "mnemonic", "seed"), v.BIP39)
def test_bip39(entropy: str, mnemonic: str, seed: str) -> None:
    from embit import bip39

    assert bip39.mnemonic_from_bytes(bytes.fromhex(entropy)) == mnemonic
    assert mnemonic_to_seed(mnemonic, "TREZOR").hex() == seed


def test_bip84() -> None:
    root = root_from_seed(mnemonic_to_seed(v.BIP84_MNEMONIC), MAINNET)
    zprv_version = bytes.fromhex("04b2430c")
    assert root.to_base58(version=zprv_version) == v.BIP84_ROOT_ZPRV
    account = derive(root, "m/84h/0h/0h")
    assert account.to_base58(version=zprv_version) == v.BIP84_ACCOUNT_ZPRV
    wallet = parse_wallet_descriptor(v.BIP84_ACCOUNT_ZPUB, MAINNET)
    assert wallet.script_type == "wpkh"
    for change, index, address, pubkey in v.BIP84_ADDRESSES:
        assert wallet.address(index, change=change) == address
        branch = derive(account, [1 if change else 0, index])
        assert branch.get_public_key().sec().hex() == pubkey


def test_bip86() -> None:
    root = HDKey.from_string(v.BIP86_ROOT_XPRV)
    assert derive(root, "m/86h/0h/0h").to_public().to_base58() == v.BIP86_ACCOUNT_XPUB
    wallet = parse_wallet_descriptor(
        f"tr([73c5da0a/86h/0h/0h]{v.BIP86_ACCOUNT_XPUB}/<0;1>/*)", MAINNET
    )
    for change, index, address, spk in v.BIP86_ADDRESSES:
        assert wallet.address(index, change=change) == address
        assert wallet.script_pubkey(index, change=change).hex() == spk


@pytest.mark.parametrize(("address", "spk"), v.SEGWIT_VALID)
def test_segwit_valid(address: str, spk: str) -> None:
    network = MAINNET if address.lower().startswith("bc1") else TESTNET
    assert address_to_script_pubkey(address, network).hex() == spk
    assert script_pubkey_to_address(bytes.fromhex(spk), network) == address.lower()


@pytest.mark.parametrize("address", v.SEGWIT_INVALID)
def test_segwit_invalid(address: str) -> None:
    for network in (MAINNET, TESTNET):
        with pytest.raises(AddressError):
            address_to_script_pubkey(address, network)


@pytest.mark.parametrize("desc", v.DESCRIPTOR_CHECKSUM_VALID)
def test_descriptor_checksum_valid(desc: str) -> None:
    body, checksum = split_checksum(desc)
    assert checksum == descriptor_checksum(body)
    assert add_checksum(body) == desc


@pytest.mark.parametrize("desc", v.DESCRIPTOR_CHECKSUM_INVALID)
def test_descriptor_checksum_invalid(desc: str) -> None:
    with pytest.raises(DescriptorError):
        split_checksum(desc)


@pytest.mark.parametrize("psbt", v.PSBT_INVALID)
def test_bip174_invalid(psbt: str) -> None:
    with pytest.raises(PSBTError):
        parse_psbt(psbt)


def test_base58_addresses() -> None:
    # Genesis coinbase address and a P2SH example (BIP13/16 era addresses).
    assert address_to_script_pubkey("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", MAINNET).hex() == (
        "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"
    )
    spk = address_to_script_pubkey("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", MAINNET)
    assert spk.hex().startswith("a914") and spk.hex().endswith("87")
    with pytest.raises(AddressError):
        address_to_script_pubkey("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", MAINNET)
    with pytest.raises(AddressError, match="not valid on test"):
        address_to_script_pubkey("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", TESTNET)
