"""Supervised child processes: what systemd's Restart=always does for the units, in the
soak. A process that exits (crashed or SIGKILLed by a fault) is started again after its
RestartSec; each start is recorded so the report can say when it came back."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.deploy_units import ROOT, Unit


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    restart_always: bool = True
    restart_sec: float = 1.0
    popen: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)

    @classmethod
    def from_unit(cls, unit: Unit, env: dict[str, str], log_dir: Path) -> Proc:
        merged = {**env, **unit.environment}
        return cls(unit.name, unit.exec_start, merged, log_dir / f"{unit.name}.log",
                   unit.restart_always, unit.restart_sec)

    def start(self) -> None:
        with open(self.log, "ab") as out:
            # Own process group: stopping it stops its children (uvicorn) and nothing else.
            self.popen = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts.append(time.monotonic())

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.popen.wait(5)


class Supervisor:
    """Restarts the processes whose unit says Restart=always, until stopped."""

    def __init__(self) -> None:
        self.procs: list[Proc] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)
        self._died: dict[str, float] = {}

    def add(self, proc: Proc) -> Proc:
        with self._lock:
            self.procs.append(proc)
        proc.start()
        return proc

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.wait(0.1):
            with self._lock:
                for proc in self.procs:
                    if proc.alive() or not proc.restart_always:
                        continue
                    died = self._died.setdefault(proc.name, time.monotonic())
                    if time.monotonic() - died >= proc.restart_sec:
                        self._died.pop(proc.name)
                        proc.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(2)
        for proc in reversed(self.procs):
            proc.stop()
