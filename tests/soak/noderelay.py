"""The node as the shop sees it, through a relay, so that restarting it keeps its chain.

btcd deletes its regtest block database every time it starts, so a plain restart would
hand the shop a new, empty chain (a reorg of every block) — nothing a real node restart
does. The shop therefore talks to the node through this relay (RPC and btcd's websocket
push). A restart, as the shop sees it: the relay cuts every connection and refuses new
ones; behind it the node is stopped, started (empty), given back its blocks
(`submitblock`) and mempool; then the relay opens again. Same endpoint, same chain, a few
seconds of "connection refused": what restarting bitcoind looks like to its clients."""

from __future__ import annotations

import contextlib
import socket
import threading

from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.regtest import RegtestNode
from tests.tcp_relay import Relay


class NodeRelay(Relay):
    def __init__(self, upstream_port: int, ports: range) -> None:
        self.paused = False
        self._open: list[socket.socket] = []
        super().__init__(upstream_port, ports)

    def _serve(self, client: socket.socket) -> None:
        if self.paused:
            client.close()
            return
        with self._lock:
            self._open.append(client)
        try:
            super()._serve(client)
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._open.remove(client)

    def pause(self) -> None:
        self.paused = True
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def resume(self) -> None:
        self.paused = False


def restart_keeping_chain(node: RegtestNode, relay: NodeRelay, lock: threading.Lock) -> int:
    """Restart ``node`` behind ``relay`` with its blocks and mempool; returns the height."""
    with lock:
        relay.pause()
        try:
            rpc = node.rpc
            tip = rpc.get_tip().height
            blocks = [rpc.get_raw_block(rpc.get_block_hash(h)).hex() for h in range(1, tip + 1)]
            mempool = [rpc.get_raw_transaction(t).hex() for t in rpc.get_mempool_txids()]
            node.restart()
            for raw in blocks:
                rpc.call("submitblock", raw)
            for raw in mempool:
                with contextlib.suppress(ChainError):  # e.g. one that spent a replaced coin
                    rpc.broadcast(raw)
            return int(rpc.get_tip().height)
        finally:
            relay.resume()
