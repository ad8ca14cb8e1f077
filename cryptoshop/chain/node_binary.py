"""Which regtest node binary to run: ``bitcoind`` from PATH when present, else btcd built
from the Go module proxy by ``scripts/build-btcd.sh`` into ``tools/bin``."""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ChainError

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-btcd.sh"
TOOLS_BTCD = REPO_ROOT / "tools" / "bin" / "btcd"


class HarnessUnavailable(ChainError):
    """No regtest node can be found or built on this machine (reason in the message)."""


@dataclass(frozen=True)
class NodeBinary:
    kind: str  # "bitcoind" or "btcd"
    path: Path


def build_btcd() -> Path:
    """Run ``scripts/build-btcd.sh`` (cached: fast when the binary is present)."""
    if not BUILD_SCRIPT.exists():
        raise HarnessUnavailable(f"{BUILD_SCRIPT} is missing")
    if shutil.which("go") is None and not TOOLS_BTCD.exists():
        raise HarnessUnavailable("btcd is not built and no Go toolchain is on PATH")
    try:
        proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            ["bash", str(BUILD_SCRIPT)],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessUnavailable(f"building btcd failed: {exc}") from exc
    if proc.returncode != 0:
        raise HarnessUnavailable(f"building btcd failed:\n{proc.stderr[-2000:]}")
    path = Path(proc.stdout.strip().splitlines()[-1])
    if not path.exists():
        raise HarnessUnavailable(f"build script did not produce {path}")
    return path


def find_node(kind: str | None = None, *, build: bool = True) -> NodeBinary:
    """``bitcoind`` from PATH when present (or asked for), else btcd (built if needed)."""
    if kind in (None, "bitcoind"):
        found = shutil.which("bitcoind")
        if found:
            return NodeBinary("bitcoind", Path(found))
        if kind == "bitcoind":
            raise HarnessUnavailable("bitcoind is not on PATH")
    if kind not in (None, "btcd"):
        raise HarnessUnavailable(f"unknown node kind {kind!r}")
    if TOOLS_BTCD.exists() and not build:
        return NodeBinary("btcd", TOOLS_BTCD)
    if build:
        return NodeBinary("btcd", build_btcd())
    raise HarnessUnavailable(f"{TOOLS_BTCD} is not built (run scripts/build-btcd.sh)")


def free_port() -> int:
    """A currently free loopback TCP port (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
