"""Deterministic escrow participants for tests: a BIP48 (P2WSH multisig) account key per
seed byte, so the pure tests and the regtest scenarios use the same cosigners."""

from __future__ import annotations

from embit.bip32 import HDKey

from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import REGTEST

ESCROW_PATH = "m/48h/1h/0h/2h"


def party(seed_byte: int) -> tuple[HDKey, str]:
    """(master key, "[fingerprint/48h/1h/0h/2h]tpub…") for a throwaway regtest seed."""
    root = root_from_seed(bytes([seed_byte]) * 32, REGTEST)
    return root, key_origin(root, ESCROW_PATH) + account_xpub(root, ESCROW_PATH, REGTEST)
