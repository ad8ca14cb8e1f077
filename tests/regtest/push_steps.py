"""Steps of the push scenarios: the watcher as its own process (`manage.py worker`, the
real loop and the real push listener) on the test database, reading its log to narrate.
The relay that cuts btcd's websocket is tests/tcp_relay.py (the benchmark uses it too)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptoshop.payments.models import Invoice, WatcherState
from tests.regtest.node_steps import log, worker_env

ROOT = Path(__file__).resolve().parents[2]


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


__all__ = ["Worker", "last_poll_at", "log", "running_worker", "wait_for_payment",
           "wait_until", "worker_env"]
