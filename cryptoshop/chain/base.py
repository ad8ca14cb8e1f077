"""The ``ChainBackend`` interface every chain source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal

from cryptoshop.btc.fees import MempoolEntry, hashrate_estimate, mempool_fees
from cryptoshop.btc.networks import Network

from .decode import decode_block, decode_transaction
from .errors import ChainError, NotFound
from .values import (
    Block,
    ChainTip,
    FeeEstimate,
    FeeTiers,
    NetworkStats,
    Transaction,
    TxStatus,
)


class ChainBackend(ABC):
    """Read the best chain and mempool; broadcast. Amounts in sats, hashes as hex."""

    network: Network

    @abstractmethod
    def check_network(self) -> None:
        """Raise ``WrongNetwork`` (or ``NodeSyncing``) unless the backend is usable."""

    @abstractmethod
    def get_tip(self) -> ChainTip: ...

    @abstractmethod
    def get_block_hash(self, height: int) -> str:
        """Hash of the best-chain block at ``height`` (``NotFound`` above the tip)."""

    @abstractmethod
    def get_block_height(self, block_hash: str) -> int | None:
        """Height of a block if it is in the best chain now, else None (orphaned)."""

    @abstractmethod
    def get_raw_block(self, block_hash: str) -> bytes: ...

    @abstractmethod
    def get_raw_transaction(self, txid: str) -> bytes: ...

    def get_raw_transactions(self, txids: list[str]) -> dict[str, bytes]:
        """Several transactions at once, by txid; those the source no longer has (left the
        mempool meanwhile) are left out. Backends with batch requests (JSON-RPC) override
        this with one round trip per batch; the default (Esplora) asks one at a time."""
        found: dict[str, bytes] = {}
        for txid in txids:
            try:
                found[txid] = self.get_raw_transaction(txid)
            except NotFound:
                continue
        return found

    @abstractmethod
    def get_mempool_txids(self) -> list[str]: ...

    @abstractmethod
    def broadcast(self, raw_tx_hex: str) -> str:
        """Send a signed transaction; return its txid or raise ``Rejected``."""

    def peer_count(self) -> int | None:
        """How many peers the node has, where the backend can say (Esplora can't)."""
        return None

    @abstractmethod
    def estimate_fee(self, target_blocks: int) -> FeeEstimate | None:
        """A real estimate or None when the source has none (never a made-up number)."""

    @abstractmethod
    def get_difficulty(self) -> Decimal: ...

    @abstractmethod
    def get_mempool_summary(self) -> tuple[int, int]:
        """(transaction count, total vsize) of the mempool."""

    def get_mempool_entries(self) -> list[MempoolEntry] | None:
        """Every mempool transaction's fee and vsize, where the backend can list them."""
        return None

    def smart_fee_tiers(self) -> FeeTiers | None:
        """The backend's own estimator for each of btc.fees.TARGETS, or None when it has
        none (btcd) or can't estimate yet (a fresh regtest bitcoind)."""
        return None

    @abstractmethod
    def _tx_block_hash(self, txid: str) -> tuple[str | None, bool]:
        """(hash of the containing best-chain block or None, is it in the mempool)."""

    # Shared behaviour, built on the primitives above -----------------------------------

    def get_block(self, block: str | int) -> Block:
        """A block by hash or best-chain height, decoded."""
        if isinstance(block, int):
            block_hash = self.get_block_hash(block)
            height = block
        else:
            block_hash = block
            found = self.get_block_height(block_hash)
            if found is None:
                raise NotFound(f"block {block_hash} is not in the best chain")
            height = found
        return decode_block(self.get_raw_block(block_hash), height)

    def get_transaction(self, txid: str) -> Transaction:
        return decode_transaction(self.get_raw_transaction(txid))

    def get_tx_status(self, txid: str) -> TxStatus:
        """Mempool / confirmed state with ``confirmations = tip - height + 1``."""
        block_hash, in_mempool = self._tx_block_hash(txid)
        if block_hash is not None:
            height = self.get_block_height(block_hash)
            if height is not None:
                tip = self.get_tip()
                return TxStatus(txid, False, block_hash, height, tip.height - height + 1)
        if in_mempool:
            return TxStatus(txid, True, None, None, 0)
        raise NotFound(f"transaction {txid} is neither in the best chain nor the mempool")

    def fee_tiers(self) -> tuple[FeeTiers, tuple[int, int] | None]:
        """Fee estimates: the node's estimator where it has one, else tiers of its mempool
        (and then the mempool's (count, vsize), already counted on the way)."""
        smart = self.smart_fee_tiers()
        if smart is not None:
            return smart, None
        entries = self.get_mempool_entries()
        if entries is None:
            raise ChainError("this backend gives neither fee estimates nor its mempool")
        fees = mempool_fees(entries)
        return FeeTiers(fees.tiers_sat_vb, "mempool", fees.percentiles_sat_vb), (
            fees.count, fees.vsize)

    def network_stats(self) -> NetworkStats:
        """Height, difficulty, hash-rate estimate, mempool size and fee estimates."""
        tip = self.get_tip()
        difficulty = self.get_difficulty()
        fees, counted = self.fee_tiers()
        count, vsize = counted if counted is not None else self.get_mempool_summary()
        return NetworkStats(height=tip.height, tip_hash=tip.hash, difficulty=difficulty,
                            hashrate_hs=hashrate_estimate(difficulty), mempool_count=count,
                            mempool_vsize=vsize, fees=fees)
