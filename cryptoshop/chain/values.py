"""Frozen values returned by every chain backend. Amounts are integer satoshis."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChainTip:
    height: int
    hash: str


@dataclass(frozen=True)
class TxIn:
    prev_txid: str  # all zeros for a coinbase
    prev_vout: int
    sequence: int

    @property
    def is_coinbase(self) -> bool:
        return self.prev_txid == "0" * 64 and self.prev_vout == 0xFFFFFFFF


@dataclass(frozen=True)
class TxOut:
    n: int
    value_sat: int
    script_pubkey: str  # hex: the watcher matches outputs by scriptPubKey


@dataclass(frozen=True)
class Transaction:
    txid: str
    vsize: int
    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    locktime: int
    version: int

    @property
    def total_out_sat(self) -> int:
        return sum(o.value_sat for o in self.outputs)

    @property
    def signals_rbf(self) -> bool:
        """BIP125 opt-in replaceability (any input sequence < 0xfffffffe)."""
        return any(i.sequence < 0xFFFFFFFE for i in self.inputs)


@dataclass(frozen=True)
class BlockHeader:
    hash: str
    height: int
    prev_hash: str
    time: int


@dataclass(frozen=True)
class Block:
    hash: str
    height: int
    prev_hash: str
    time: int
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True)
class TxStatus:
    """Where a transaction stands now. ``confirmations = tip - height + 1`` when mined."""

    txid: str
    in_mempool: bool
    block_hash: str | None
    block_height: int | None
    confirmations: int

    @property
    def confirmed(self) -> bool:
        return self.block_hash is not None


@dataclass(frozen=True)
class FeeEstimate:
    """Fee rate for confirmation within ``target_blocks``, in sat per 1000 vbytes (exact
    integer; divide by 1000 for sat/vB)."""

    target_blocks: int
    sat_per_kvb: int
    source: str


@dataclass(frozen=True)
class MempoolAcceptance:
    txid: str
    allowed: bool
    reason: str | None
    vsize: int | None
    fee_sat: int | None


@dataclass(frozen=True)
class FeeTiers:
    """Fee-rate estimates in whole sat/vB per target (``nextBlock``, ``halfHour``, ``hour``,
    ``economy``; see cryptoshop.btc.fees) and where they came from: ``estimatesmartfee``
    (the node's own estimator), ``mempool`` (tiers of the node's mempool, for nodes without
    one, such as btcd) or ``esplora`` (the Esplora server's /fee-estimates)."""

    tiers_sat_vb: dict[str, int]
    source: str
    percentiles_sat_vb: dict[int, int | None] | None = None


@dataclass(frozen=True)
class NetworkStats:
    height: int
    tip_hash: str
    difficulty: Decimal
    hashrate_hs: int  # hashes per second implied by the difficulty (btc.fees)
    mempool_count: int
    mempool_vsize: int
    fees: FeeTiers
