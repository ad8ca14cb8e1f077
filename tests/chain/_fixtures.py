"""A small real block and transaction built with cryptoshop.btc for replayed answers."""

from __future__ import annotations

import hashlib

from embit import ec
from embit import script as escript

from cryptoshop.btc.psbt import Outpoint, TxOutput, Utxo, build_p2wpkh_spend

KEY = ec.PrivateKey(b"\x07" * 32)
SPK = bytes(escript.p2wpkh(KEY.get_public_key()).data)
PAY_SPK = bytes.fromhex("0014" + "ab" * 20)

TX = build_p2wpkh_spend(
    KEY,
    [Utxo(Outpoint("cd" * 32, 1), 1_000_000, SPK)],
    [TxOutput(PAY_SPK, 250_000)],
    change_script=SPK,
    sat_per_vb=2,
)
TX_RAW = TX.serialize()
TXID = bytes(TX.txid()).hex()

PREV_HASH = "11" * 32
HEADER = (
    (0x20000000).to_bytes(4, "little")
    + bytes.fromhex(PREV_HASH)[::-1]
    + b"\x22" * 32
    + (1_700_000_000).to_bytes(4, "little")
    + bytes.fromhex("207fffff")
    + (0).to_bytes(4, "little")
)
BLOCK_RAW = HEADER + b"\x01" + TX_RAW
BLOCK_HASH = hashlib.sha256(hashlib.sha256(HEADER).digest()).digest()[::-1].hex()
REGTEST_GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
