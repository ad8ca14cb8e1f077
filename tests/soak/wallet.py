"""The buyers' wallet: real regtest transactions from coins the harness mined.

`RegtestNode.fund` scans the whole chain for coins on every call; hundreds of buyers
can't wait for that, so the wallet splits mined coins into many equal outputs once (a
fan-out transaction, then a block) and pays each invoice from one of them. A payment is
signed before it is sent, so its txid is known up front and a broadcast that failed while
the node restarted is sent again as the very same transaction."""

from __future__ import annotations

import threading
import time

from cryptoshop.btc.psbt import Outpoint, TxOutput, Utxo, build_p2wpkh_spend
from cryptoshop.chain.decode import decode_transaction
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.regtest import RegtestNode

# Outputs per fan-out transaction (about 31 vB each: well under the standard size limit).
FANOUT_BATCH = 1000


class WalletEmpty(Exception):
    pass


class Wallet:
    def __init__(self, node: RegtestNode, node_lock: threading.Lock,
                 coin_sat: int = 200_000) -> None:
        self.node = node
        self.node_lock = node_lock
        self.coin_sat = coin_sat
        self.coins: list[Utxo] = []
        self._lock = threading.Lock()

    def prepare(self, count: int) -> None:
        node = self.node
        node.ensure_mature_coins()
        big = sorted(node.spendable_utxos(), key=lambda u: u.value_sat, reverse=True)
        script = node.miner_script
        while count > 0:
            batch = min(count, FANOUT_BATCH)
            need = batch * self.coin_sat + 200_000
            chosen: list[Utxo] = []
            while sum(u.value_sat for u in chosen) < need:
                if not big:
                    node.mine(1)  # regtest: a block brings one more coinbase to maturity
                    big = sorted(node.spendable_utxos(), key=lambda u: u.value_sat,
                                 reverse=True)
                    big = [u for u in big if u not in chosen]
                    continue
                chosen.append(big.pop(0))
            tx = build_p2wpkh_spend(node.miner_key, chosen,
                                    [TxOutput(script, self.coin_sat)] * batch,
                                    change_script=script, sat_per_vb=2, rbf=False)
            txid = node.rpc.broadcast(tx.serialize().hex())
            self.coins += [Utxo(Outpoint(txid, n), self.coin_sat, script) for n in range(batch)]
            count -= batch
        node.mine(1)

    def remaining(self) -> int:
        return len(self.coins)

    def sign(self, address: str, amount_sat: int) -> tuple[str, str]:
        """(txid, raw hex) paying ``amount_sat`` to ``address`` from one fresh coin."""
        with self._lock:
            if not self.coins:
                raise WalletEmpty("the soak wallet has no coins left")
            coin = self.coins.pop()
        raw, _ = self.node.build_payment(address, amount_sat, utxos=[coin])
        return decode_transaction(raw).txid, raw

    def broadcast(self, raw: str, timeout: float = 30.0) -> None:
        """Send until the node has it (the same bytes each time: never a second payment)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.node_lock:
                    self.node.rpc.broadcast(raw)
                return
            except ChainError as exc:
                if "already" in str(exc).lower():
                    return
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)
