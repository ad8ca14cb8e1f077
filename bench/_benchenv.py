"""Bench-only installs, kept out of the shop's own dependencies and cached between runs.

Everything goes under ``<var dir>/bench/`` (CRYPTOSHOP_VAR_DIR, else ./var): a ``--target``
directory of pinned wheels put on PYTHONPATH for the servers the benchmark compares
(bench_server.py), or a whole throwaway venv (django-oscar, bench_oscar.py). A marker file
records the pins, so a changed pin reinstalls and an unchanged one costs nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def bench_dir() -> Path:
    base = Path(os.environ.get("CRYPTOSHOP_VAR_DIR") or ROOT / "var")
    path = base / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_lib(name: str, pins: list[str]) -> Path:
    """Pinned packages installed with ``pip --target`` (for PYTHONPATH), once."""
    target = bench_dir() / name
    marker = target / ".pins"
    wanted = "\n".join(sorted(pins))
    if marker.is_file() and marker.read_text() == wanted:
        return target
    shutil.rmtree(target, ignore_errors=True)
    print(f"installing {', '.join(pins)} into {target} …", flush=True)
    subprocess.run(  # noqa: S603 (pip from the configured registry, pinned names)
        [PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(target), *pins], check=True, timeout=600)
    marker.write_text(wanted)
    return target


def ensure_venv(name: str, pins: list[str]) -> Path:
    """A throwaway venv with the pinned packages (and their dependencies), once; returns
    its python."""
    venv = bench_dir() / name
    python = venv / "bin" / "python"
    marker = venv / ".pins"
    wanted = "\n".join(sorted(pins))
    if python.is_file() and marker.is_file() and marker.read_text() == wanted:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    print(f"creating {venv} with {', '.join(pins)} …", flush=True)
    subprocess.run([PY, "-m", "venv", str(venv)], check=True, timeout=300)  # noqa: S603
    subprocess.run(  # noqa: S603 (pip from the configured registry, pinned names)
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *pins], check=True, timeout=1200)
    marker.write_text(wanted)
    return python


def free_port() -> int:
    """A free loopback port: any (the kernel's pick), or the first free one of
    CRYPTOSHOP_BENCH_PORTS ("8750-8799") on a machine whose ports are shared out."""
    first, _, last = os.environ.get("CRYPTOSHOP_BENCH_PORTS", "").partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        if port in _TAKEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            found = int(s.getsockname()[1])
            _TAKEN.add(found)
            return found
    raise RuntimeError(f"no free port in CRYPTOSHOP_BENCH_PORTS={first}-{last}")


_TAKEN: set[int] = set()  # handed out already but maybe not yet bound by their server


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if http_get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")
