"""Which network this shop is on and the chain backend it is configured to use (env-driven,
see .env.example): the one factory every app asks for its ChainBackend."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from cryptoshop.chain.base import ChainBackend
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.esplora import Esplora
from cryptoshop.chain.regtest import NodeState, RegtestNode
from cryptoshop.chain.rpc import BitcoinRPC


def network() -> str:
    return str(settings.BITCOIN_NETWORK)


class ChainNotConfigured(Exception):
    def __init__(self, message: str, *, misconfigured: bool = False) -> None:
        super().__init__(message)
        # True when a backend was chosen but can't be built (an operator error), as
        # opposed to payments being deliberately off.
        self.misconfigured = misconfigured


def regtest_dir() -> Path:
    """Where `manage.py regtest start` keeps the local node (and its state file)."""
    return Path(settings.VAR_DIR) / "regtest"


def _regtest_state() -> NodeState | None:
    return RegtestNode.read_state(regtest_dir())


def backend() -> ChainBackend:
    """The configured chain backend (cached per process for the RPC/Esplora settings).
    A backend that can't even be constructed (missing credentials, bad URL) counts as
    not configured."""
    try:
        return _backend()
    except ChainError as exc:
        raise ChainNotConfigured(f"chain backend misconfigured: {exc}",
                                 misconfigured=True) from exc


def _backend() -> ChainBackend:
    kind = settings.CHAIN_BACKEND
    if kind == "auto":
        state = _regtest_state() if network() == "regtest" else None
        if state is None:
            raise ChainNotConfigured(
                "no chain backend: start the regtest node (manage.py regtest start) or set "
                "CRYPTOSHOP_CHAIN_BACKEND")
        return _rpc(f"http://127.0.0.1:{state.rpc_port}", state.rpc_user,
                    state.rpc_password, "")
    if kind == "rpc":
        return _rpc(settings.CHAIN_RPC_URL, settings.CHAIN_RPC_USER,
                    settings.CHAIN_RPC_PASSWORD, settings.CHAIN_RPC_COOKIE_FILE)
    if kind == "esplora":
        return _esplora(settings.CHAIN_ESPLORA_URL)
    raise ChainNotConfigured("chain backend disabled (CRYPTOSHOP_CHAIN_BACKEND=none)")


@lru_cache(maxsize=4)
def _rpc(url: str, user: str, password: str, cookie: str) -> ChainBackend:
    return BitcoinRPC(url, network(), user=user or None, password=password or None,
                      cookie_file=cookie or None, timeout=15.0, retries=2)


@lru_cache(maxsize=2)
def _esplora(url: str) -> ChainBackend:
    return Esplora(url, network())
