"""Chain backend errors: part of the single :class:`~cryptoshop.btc.errors.BitcoinError` tree."""

from __future__ import annotations

from cryptoshop.btc.errors import BitcoinError


class ChainError(BitcoinError):
    """A chain backend failed or answered something we cannot use."""


class NodeUnavailable(ChainError):
    """The node/API could not be reached (refused, timed out, auth failed)."""


class WrongNetwork(ChainError):
    """The backend follows a different chain than the one configured."""


class NodeSyncing(ChainError):
    """The node is still in initial block download: its tip is not the network's."""


class NotFound(ChainError):
    """The block or transaction is unknown to the backend."""


class RPCError(ChainError):
    """The node answered a JSON-RPC call with an error object."""

    def __init__(self, code: int, message: str, method: str = "") -> None:
        super().__init__(f"{method}: RPC error {code}: {message}" if method else message)
        self.code = code
        self.message = message
        self.method = method


class Rejected(ChainError):
    """The backend refused a transaction (policy or consensus), with its reason."""
