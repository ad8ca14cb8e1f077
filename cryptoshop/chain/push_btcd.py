"""btcd's websocket notifications: ``ws(s)://<rpc host:port>/ws`` with the RPC credentials
as HTTP basic auth, then ``notifyblocks`` (→ ``blockconnected``, ``blockdisconnected``,
``filteredblockconnected``, ``filteredblockdisconnected``) and ``notifynewtransactions``
(→ ``txaccepted``, or ``txacceptedverbose`` when asked for verbose, as we do: its ``hex`` is
the transaction, which the watcher's next poll then needn't fetch). btcd speaks JSON-RPC
1.0 on the socket: replies carry our ``id``, notifications ``"id": null``."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from .errors import RPCError
from .push import BLOCK, TRANSACTION, Backoff, Notification, PushListener
from .rpc import RPC_METHOD_NOT_FOUND, BitcoinRPC

BLOCK_METHODS = frozenset({"blockconnected", "blockdisconnected", "filteredblockconnected",
                           "filteredblockdisconnected"})
TX_METHODS = frozenset({"txaccepted", "txacceptedverbose"})
SUBSCRIBE: tuple[tuple[str, list[object]], ...] = (
    ("notifyblocks", []), ("notifynewtransactions", [True]))

# A verbose notification carries the transaction twice (hex and decoded): a standard one
# is at most 400 kB, so this leaves room. A bigger message closes the connection (then
# the reconnect and the poll cover it).
MAX_MESSAGE_BYTES = 8 * 2**20


class ProtocolError(Exception):
    """The node refused a subscription or sent something that is not JSON-RPC."""


def ws_url(rpc_url: str) -> str:
    """The websocket endpoint on btcd's RPC port: http→ws, https→wss, path /ws."""
    parts = urlsplit(rpc_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"not an RPC URL: {rpc_url!r}")
    return urlunsplit((scheme, parts.netloc.rsplit("@", 1)[-1], "/ws", "", ""))


def is_btcd(rpc: BitcoinRPC) -> bool:
    """Whether the JSON-RPC node is btcd (else Bitcoin Core): btcd answers ``version``
    with its API version, Core has no such method."""
    try:
        answer = rpc.call("version")
    except RPCError as exc:
        if exc.code == RPC_METHOD_NOT_FOUND:
            return False
        raise
    return isinstance(answer, dict) and "btcdjsonrpcapi" in answer


def parse_message(text: str | bytes) -> Notification | None:
    """A notification to act on, or None (a subscription's reply, a notification we don't
    follow). Raises ProtocolError on an error reply or a message that isn't JSON-RPC."""
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {str(text)[:80]!r}") from exc
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON-RPC object")
    if message.get("error"):
        raise ProtocolError(f"the node refused: {message['error']}")
    method = message.get("method")
    params = message.get("params") or []
    first = params[0] if isinstance(params, list) and params else ""
    if method in BLOCK_METHODS:
        # blockconnected: [hash, height, time]; filtered*: [height, header hex, txs].
        return Notification(BLOCK, first if isinstance(first, str) else "")
    if method in TX_METHODS:
        if not isinstance(first, dict):  # txaccepted: [txid, amount]
            return Notification(TRANSACTION, str(first))
        return Notification(TRANSACTION, str(first.get("txid", "")), _raw(first.get("hex")))
    return None


def _raw(hex_tx: object) -> bytes:
    try:
        return bytes.fromhex(hex_tx) if isinstance(hex_tx, str) else b""
    except ValueError:
        return b""  # not hex: the poll fetches it


class BtcdListener(PushListener):
    kind = "btcd"

    def __init__(self, rpc_url: str, auth_header: Callable[[], str],
                 wake: Callable[[Notification], object], *, backoff: Backoff | None = None,
                 open_timeout_s: float = 5.0) -> None:
        super().__init__(ws_url(rpc_url), wake, backoff)
        self._auth_header = auth_header
        self.open_timeout_s = open_timeout_s
        self._ws: ClientConnection | None = None

    def _session(self) -> None:
        context: ssl.SSLContext | None = (ssl.create_default_context()
                                          if self.endpoint.startswith("wss:") else None)
        with connect(self.endpoint, additional_headers={"Authorization": self._auth_header()},
                     open_timeout=self.open_timeout_s, ssl=context, max_size=MAX_MESSAGE_BYTES,
                     ping_interval=20, ping_timeout=20) as ws:
            self._ws = ws
            for number, (method, params) in enumerate(SUBSCRIBE, start=1):
                ws.send(json.dumps({"jsonrpc": "1.0", "id": number, "method": method,
                                    "params": params}))
            replies = 0
            while not self.stopping:
                try:
                    text = ws.recv(timeout=1.0)
                except TimeoutError:
                    continue
                except ConnectionClosed:
                    return
                notification = parse_message(text)
                if notification is not None:
                    self._notify(notification)
                elif _is_reply(text):
                    replies += 1
                    if replies == len(SUBSCRIBE):
                        self._connected()

    def _interrupt(self) -> None:
        ws = self._ws
        if ws is not None:
            ws.close()


def _is_reply(text: str | bytes) -> bool:
    message: Any = json.loads(text)
    return isinstance(message, dict) and message.get("id") is not None
