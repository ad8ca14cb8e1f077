"""A loopback TCP relay in front of a node's RPC port that can cut its websocket (btcd's
push) while JSON-RPC keeps working, as a proxy or a firewall dropping long connections
would. Used by the push scenarios (tests/regtest) and bench/bench_payments.py."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable

# Default ports to try (one helper's range; the node fixtures' ports are picked by the OS,
# far above these).
RELAY_PORTS = range(8670, 8690)


class Relay:
    """127.0.0.1:<port> → the node's RPC port, byte for byte. ``cut_websocket()`` closes
    the websocket connections it carries (btcd's push) and refuses new ones, like a
    proxy or a firewall dropping them; plain JSON-RPC still goes through."""

    def __init__(self, upstream_port: int, ports: Iterable[int] = RELAY_PORTS) -> None:
        self.upstream_port = upstream_port
        self.ports = ports
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = self._bind()
        self.server.listen(32)
        self.websocket_cut = False
        self._websockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _bind(self) -> int:
        for port in self.ports:
            with contextlib.suppress(OSError):
                self.server.bind(("127.0.0.1", port))
                return int(self.server.getsockname()[1])
        raise RuntimeError("no free relay port")

    def cut_websocket(self) -> None:
        with self._lock:
            self.websocket_cut = True
            for sock in self._websockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._websockets.clear()

    def restore_websocket(self) -> None:
        self.websocket_cut = False

    def close(self) -> None:
        self.cut_websocket()
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            first = client.recv(65536)
            is_websocket = first.startswith(b"GET /ws")
            if is_websocket and self.websocket_cut:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), 5)
            except OSError:
                return
            with upstream:
                if is_websocket:
                    with self._lock:
                        self._websockets += [client, upstream]
                upstream.sendall(first)
                pump = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
                pump.start()
                _pump(client, upstream)
                pump.join(5)


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
