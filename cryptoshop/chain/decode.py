"""Decode raw transactions and blocks with embit into backend-neutral dataclasses.

Backends fetch raw hex (verbosity 0) so Bitcoin Core, btcd and Esplora all look the same
to the watcher: btcd's verbose JSON differs from Core's (``rawtx`` vs ``tx``…).
"""

from __future__ import annotations

import hashlib
from io import BytesIO

from embit import compact
from embit.transaction import Transaction as EmbitTx

from .errors import ChainError
from .values import Block, Transaction, TxIn, TxOut

_HEADER_SIZE = 80


def _dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def block_hash_of_header(header: bytes) -> str:
    return _dsha(header[:_HEADER_SIZE])[::-1].hex()


def _convert(tx: EmbitTx, total_size: int) -> Transaction:
    # Non-witness size from the consumed length minus marker/flag and witness bytes.
    if tx.is_segwit:
        witness = sum(len(inp.witness.serialize()) for inp in tx.vin)
        base = total_size - 2 - witness
    else:
        base = total_size
    vsize = (base * 3 + total_size + 3) // 4
    return Transaction(
        txid=bytes(tx.txid()).hex(),
        vsize=vsize,
        inputs=tuple(TxIn(bytes(i.txid).hex(), int(i.vout), int(i.sequence)) for i in tx.vin),
        outputs=tuple(
            TxOut(n, int(o.value), bytes(o.script_pubkey.data).hex()) for n, o in enumerate(tx.vout)
        ),
        locktime=int(tx.locktime),
        version=int(tx.version),
    )


def decode_transaction(raw: bytes | str) -> Transaction:
    try:
        data = bytes.fromhex(raw) if isinstance(raw, str) else bytes(raw)
    except (ValueError, TypeError) as exc:
        raise ChainError("transaction is not hex") from exc
    stream = BytesIO(data)
    try:
        tx = EmbitTx.read_from(stream)
    except Exception as exc:
        raise ChainError(f"undecodable transaction: {exc}") from exc
    if stream.tell() != len(data):
        raise ChainError("trailing bytes after transaction")
    return _convert(tx, len(data))


def decode_block(raw: bytes | str, height: int) -> Block:
    """Decode a serialized block; ``height`` comes from the backend (not in the header
    before BIP34 parsing, which we avoid)."""
    try:
        data = bytes.fromhex(raw) if isinstance(raw, str) else bytes(raw)
    except (ValueError, TypeError) as exc:
        raise ChainError("block is not hex") from exc
    if len(data) < _HEADER_SIZE + 1:
        raise ChainError("block is too short")
    header = data[:_HEADER_SIZE]
    stream = BytesIO(data)
    stream.seek(_HEADER_SIZE)
    txs: list[Transaction] = []
    try:
        count = int(compact.read_from(stream))
        for _ in range(count):
            start = stream.tell()
            tx = EmbitTx.read_from(stream)
            txs.append(_convert(tx, stream.tell() - start))
    except Exception as exc:
        raise ChainError(f"undecodable block: {exc}") from exc
    if stream.tell() != len(data):
        raise ChainError("trailing bytes after block")
    return Block(
        hash=block_hash_of_header(header),
        height=height,
        prev_hash=header[4:36][::-1].hex(),
        time=int.from_bytes(header[68:72], "little"),
        transactions=tuple(txs),
    )
