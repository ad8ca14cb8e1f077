"""Bitcoin-layer benchmark: ``python bench/bench_btc.py``.

Prints addresses/s derived from an xpub, 2-of-3 escrow addresses/s, the marketplace's
escrow co-signing (verify + policy check + signature + finalise) as a ratio to the buyer's
own signing of the same PSBT, and the time to
decode a synthetic mainnet-size block (~4,000 transactions, ~10,000 outputs) and to match
its outputs against 1,000,000 watched scriptPubKeys — matching reported as a ratio to
the decode-only time measured in the same run (absolute times vary by machine).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embit import compact
from embit.script import Script
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from cryptoshop.btc import assert_native_secp256k1
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.escrow import (
    EscrowInput,
    check_signed_by,
    create_psbt,
    make_escrow,
    plan_spend,
    sign_psbt,
)
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import MAINNET
from cryptoshop.btc.psbt import (
    Outpoint,
    combine_psbts,
    copy_psbt,
    finalize_psbt,
    parse_psbt,
    serialize_psbt,
)
from cryptoshop.chain.decode import decode_block
from cryptoshop.chain.values import Block

N_TX = 4_000
N_OUT = 10_000
N_WATCHED = 1_000_000


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def bench_addresses(count: int) -> float:
    root = root_from_seed(b"\x01" * 32, MAINNET)
    wallet = parse_wallet_descriptor(account_xpub(root, "m/84h/0h/0h", MAINNET), MAINNET)
    _, seconds = timed(wallet.addresses, 0, count)
    return count / seconds


def bench_escrow(count: int) -> float:
    keys = []
    for i in range(3):
        root = root_from_seed(bytes([i + 1]) * 32, MAINNET)
        keys.append(
            key_origin(root, "m/48h/0h/0h/2h") + account_xpub(root, "m/48h/0h/0h/2h", MAINNET)
        )
    escrow = make_escrow(*keys, MAINNET)
    start = time.perf_counter()
    for i in range(count):
        escrow.address(i)
    return count / (time.perf_counter() - start)


def bench_cosign(n_inputs: int, rounds: int = 20) -> tuple[float, float]:
    """The marketplace's work on a signed upload (parse, combine with the stored PSBT,
    check_signed_by, co-sign, finalise) against the buyer's own signing of the same PSBT
    (the baseline): seconds per spend for each."""
    roots, keys = [], []
    for i in range(3):
        root = root_from_seed(bytes([i + 11]) * 32, MAINNET)
        roots.append(root)
        keys.append(
            key_origin(root, "m/48h/0h/0h/2h") + account_xpub(root, "m/48h/0h/0h/2h", MAINNET)
        )
    escrow = make_escrow(*keys, MAINNET)
    inputs = [EscrowInput(Outpoint(hashlib.sha256(bytes([n])).hexdigest(), n), 100_000 + n, n)
              for n in range(n_inputs)]
    payout = escrow.script_pubkey(10_000)  # any script: where the coins go doesn't matter
    plan = plan_spend(inputs, [], payout, 2)
    stored = create_psbt(escrow, plan)
    buyer_s = market_s = 0.0
    for _ in range(rounds):
        work = copy_psbt(stored)
        _, seconds = timed(sign_psbt, escrow, work, plan, roots[0])
        buyer_s += seconds
        upload = serialize_psbt(work)

        def cosign(upload: str = upload) -> None:
            psbt = combine_psbts([stored, parse_psbt(upload)])
            check_signed_by(escrow, psbt, plan, "buyer")
            sign_psbt(escrow, psbt, plan, roots[2])
            finalize_psbt(psbt)

        _, seconds = timed(cosign)
        market_s += seconds
    return buyer_s / rounds, market_s / rounds


def synthetic_block() -> tuple[bytes, list[str]]:
    """~4,000 segwit txs (1 input each, 2-3 P2WPKH/P2WSH/P2TR outputs, 10,000 outputs
    in total) with realistic witness sizes."""
    txs = []
    spks: list[str] = []
    outs_left = N_OUT
    for i in range(N_TX):
        n_out = 3 if outs_left - 3 >= 2 * (N_TX - i - 1) else 2
        n_out = min(n_out, outs_left - 2 * (N_TX - i - 1))
        outs_left -= n_out
        vin = [TransactionInput(hashlib.sha256(i.to_bytes(4, "little")).digest(), 0)]
        vin[0].witness.items = [os.urandom(71), os.urandom(33)]
        vout = []
        for j in range(n_out):
            kind = (i + j) % 3
            body = hashlib.sha256(f"{i}:{j}".encode()).digest()
            spk = (
                (b"\x00\x14" + body[:20])
                if kind == 0
                else (b"\x00\x20" + body)
                if kind == 1
                else (b"\x51\x20" + body)
            )
            vout.append(TransactionOutput(10_000 + j, Script(spk)))
            spks.append(spk.hex())
        txs.append(Transaction(version=2, vin=vin, vout=vout).serialize())
    header = b"\x00\x00\x00\x20" + b"\x00" * 76
    return header + compact.to_bytes(len(txs)) + b"".join(txs), spks


def main() -> None:
    assert_native_secp256k1()
    print(f"python {sys.version.split()[0]}, embit on native libsecp256k1")
    addr_rate = bench_addresses(2_000)
    print(f"xpub (wpkh) addresses/s:        {addr_rate:,.0f}")
    escrow_rate = bench_escrow(1_000)
    print(f"2-of-3 escrow addresses/s:      {escrow_rate:,.0f}")
    for n in (1, 10):
        sign_s, cosign_s = bench_cosign(n)
        print(f"escrow co-sign, {n:>2} input(s):    {cosign_s * 1000:,.1f} ms "
              f"= {cosign_s / sign_s:.2f} x the buyer's own signing ({sign_s * 1000:,.1f} ms)")

    raw, block_spks = synthetic_block()
    watched = {
        hashlib.sha256(i.to_bytes(4, "little")).digest()[:22].hex() for i in range(N_WATCHED)
    }
    # Make 1 in 100 block outputs one of ours, so matching does real work.
    hits = set(block_spks[::100])
    watched |= hits
    print(
        f"block: {len(raw) / 1e6:.2f} MB, {N_TX:,} txs, {len(block_spks):,} outputs; "
        f"watching {len(watched):,} scriptPubKeys"
    )

    runs = []
    for _ in range(3):
        block, decode_s = timed(decode_block, raw, 0)

        def match(block: Block = block) -> list[tuple[str, int]]:
            return [
                (tx.txid, out.n)
                for tx in block.transactions
                for out in tx.outputs
                if out.script_pubkey in watched
            ]

        found, match_s = timed(match)
        assert len(found) == len(hits)
        runs.append((decode_s, match_s))
    decode_s, match_s = min(runs)
    print(f"decode block (embit):           {decode_s * 1000:,.0f} ms")
    print(
        f"match 10k outputs vs 1M set:    {match_s * 1000:,.1f} ms "
        f"= {match_s / decode_s:.4f} x decode time"
    )


if __name__ == "__main__":
    main()
