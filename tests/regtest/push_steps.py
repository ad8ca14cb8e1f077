"""Steps of the push scenarios: the watcher as its own process (`manage.py worker`, the
real loop and the real push listener) on the test database, reading its log to narrate,
and a loopback TCP relay in front of the node that can cut its websocket (btcd's push)
while its JSON-RPC keeps working."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptoshop.payments.models import Invoice, WatcherState
from tests.regtest.node_steps import log, worker_env

ROOT = Path(__file__).resolve().parents[2]
# This suite's relay port range (the node fixtures' ports are picked by the OS, higher up).
RELAY_PORTS = range(8670, 8690)


class Worker:
    """`manage.py worker --poll S` with its log in a file the scenario can wait on."""

    def __init__(self, env: dict[str, str], poll_s: float, log_path: Path) -> None:
        self.log_path = log_path
        self.poll_s = poll_s
        out = open(log_path, "wb")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--poll", str(poll_s)], cwd=ROOT,
                env=env, stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()

    def count(self, text: str) -> int:
        return self.log_path.read_text(errors="replace").count(text)

    def wait_for_log(self, text: str, times: int = 1, timeout: float = 60.0) -> None:
        wait_until(lambda: self.count(text) >= times, timeout,
                   lambda: f"{text!r} ×{times} not in the worker's log:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def running_worker(env: dict[str, str], poll_s: float, log_dir: Path) -> Iterator[Worker]:
    worker = Worker(env, poll_s, log_dir / "worker.log")
    try:
        yield worker
    finally:
        worker.stop()


def wait_until(check: Callable[[], bool], timeout: float,
               explain: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s. {explain()}")
        time.sleep(0.05)


def last_poll_at() -> float:
    state = WatcherState.objects.filter(name="chain").values_list("last_poll_at",
                                                                  flat=True).first()
    return state.timestamp() if state else 0.0


def wait_for_payment(invoice: Invoice, timeout: float) -> float:
    """Seconds until the watcher recorded a payment to ``invoice``."""
    started = time.monotonic()
    wait_until(lambda: invoice.payments.exists(), timeout)
    return time.monotonic() - started


class Relay:
    """127.0.0.1:<port> → the node's RPC port, byte for byte. ``cut_websocket()`` closes
    the websocket connections it carries (btcd's push) and refuses new ones, like a
    proxy or a firewall dropping them; plain JSON-RPC still goes through."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = self._bind()
        self.server.listen(32)
        self.websocket_cut = False
        self._websockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _bind(self) -> int:
        for port in RELAY_PORTS:
            with contextlib.suppress(OSError):
                self.server.bind(("127.0.0.1", port))
                return port
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


__all__ = ["Relay", "Worker", "last_poll_at", "log", "running_worker", "wait_for_payment",
           "wait_until", "worker_env"]
