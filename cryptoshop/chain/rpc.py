"""Bitcoin Core-compatible JSON-RPC backend that works against bitcoind and btcd.

Differences between Bitcoin Core and btcd handled here: every request carries an
``id`` (btcd silently ignores requests without one); verbosity/verbose flags are integers;
blocks and transactions are fetched as raw hex and decoded with embit, never from the
node's verbose JSON (btcd puts block transactions under ``rawtx``, Core under ``tx``);
btcd has no ``estimatesmartfee`` (``estimatefee`` instead) nor ``getmempoolentry``.
JSON numbers with a fraction are parsed as ``Decimal`` and converted to sats exactly.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from cryptoshop.btc.amounts import SATS_PER_BTC, btc_to_sats
from cryptoshop.btc.fees import TARGETS, MempoolEntry
from cryptoshop.btc.networks import Network, get_network

from .base import ChainBackend
from .errors import (
    ChainError,
    NodeSyncing,
    NodeUnavailable,
    NotFound,
    Rejected,
    RPCError,
    WrongNetwork,
)
from .values import ChainTip, FeeEstimate, FeeTiers, MempoolAcceptance

log = logging.getLogger(__name__)

# Bitcoin Core RPC error codes we react to.
RPC_METHOD_NOT_FOUND = -32601
RPC_INVALID_ADDRESS_OR_KEY = -5  # unknown block / transaction
RPC_IN_WARMUP = -28
# Calls per JSON-RPC batch: one round trip each, small enough for the node's request limit.
RPC_BATCH = 500
# Chain names as nodes report them -> our network names.
_CHAIN_NAMES = {"main": "main", "mainnet": "main", "test": "test", "testnet": "test",
                "testnet3": "test", "testnet4": "test", "signet": "signet",
                "regtest": "regtest"}


class BitcoinRPC(ChainBackend):
    def __init__(
        self,
        url: str,
        network: Network | str,
        *,
        user: str | None = None,
        password: str | None = None,
        cookie_file: str | Path | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ChainError("RPC URL must start with http:// or https://")
        if cookie_file is None and (user is None or password is None):
            raise ChainError("RPC needs user and password, or a cookie file")
        self.url = url
        self.network = get_network(network)
        self._user = user
        self._password = password
        self._cookie_file = Path(cookie_file) if cookie_file is not None else None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._ids = itertools.count(1)
        self._has_mempoolentry: bool | None = None

    # -- transport --------------------------------------------------------------------

    def _auth_header(self) -> str:
        if self._cookie_file is not None:
            # Read on every call: bitcoind writes a fresh cookie at each start.
            try:
                cred = self._cookie_file.read_text().strip()
            except OSError as exc:
                raise NodeUnavailable(f"cannot read RPC cookie {self._cookie_file}: {exc}") from exc
        else:
            cred = f"{self._user}:{self._password}"
        return "Basic " + base64.b64encode(cred.encode()).decode()

    def call(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call, retried with exponential backoff while the node is
        unreachable or warming up. RPC errors are raised as :class:`RPCError`."""
        return self._retrying(method, lambda: self._call_once(method, params))

    def _retrying(self, method: str, attempt_once: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            try:
                return attempt_once()
            except (NodeUnavailable, _Warmup) as exc:
                if attempt >= self.retries:
                    if isinstance(exc, _Warmup):
                        raise NodeSyncing(f"node is starting up: {exc}") from None
                    raise
                delay = self.backoff * (2**attempt)
                log.debug("rpc %s failed (%s); retry in %.2fs", method, exc, delay)
                time.sleep(delay)
                attempt += 1

    def _call_once(self, method: str, params: tuple[Any, ...]) -> Any:
        body = _dumps(
            {"jsonrpc": "1.0", "id": next(self._ids), "method": method, "params": list(params)}
        ).encode()
        reply = self._post(body, method)
        if not isinstance(reply, dict):
            raise ChainError(f"{method}: unexpected RPC reply")
        return _result(reply, method)

    def call_batch(self, method: str, params: list[tuple[Any, ...]]) -> list[Any]:
        """One JSON-RPC batch (a JSON array body, which bitcoind and btcd both accept):
        ``method`` once per parameter tuple, in one round trip. Each item of the answer is
        the result or the :class:`RPCError` of that call, in the order asked."""
        if not params:
            return []
        ids = [next(self._ids) for _ in params]
        body = "[" + ",".join(
            _dumps({"jsonrpc": "1.0", "id": i, "method": method, "params": list(p)})
            for i, p in zip(ids, params, strict=True)) + "]"
        replies = self._retrying(method, lambda: self._post(body.encode(), method))
        if not isinstance(replies, list):
            raise ChainError(f"{method}: the node did not answer the batch with a list")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        out: list[Any] = []
        for i in ids:
            try:
                out.append(_result(by_id.get(i) or {"error": {"message": "no answer"}}, method))
            except ChainError as exc:
                out.append(exc)
        return out

    def _post(self, body: bytes, method: str) -> Any:
        req = urllib.request.Request(  # noqa: S310 - URL scheme checked in __init__
            self.url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": self._auth_header()},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise NodeUnavailable(
                    f"RPC authentication failed at {self.url} (HTTP {exc.code})"
                ) from None
            # Core answers RPC errors with HTTP 500/404 and a JSON body.
            raw = exc.read()
            if not raw:
                raise NodeUnavailable(f"RPC HTTP {exc.code} from {self.url}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeUnavailable(f"node at {self.url} is unreachable: {reason}") from None
        try:
            return json.loads(raw, parse_float=Decimal)
        except ValueError as exc:
            raise ChainError(f"{method}: node sent invalid JSON") from exc

    # -- ChainBackend -----------------------------------------------------------------

    def chain_info(self) -> dict[str, Any]:
        info = self.call("getblockchaininfo")
        if not isinstance(info, dict):
            raise ChainError("getblockchaininfo: unexpected reply")
        return info

    def check_network(self) -> None:
        info = self.chain_info()
        chain = _CHAIN_NAMES.get(str(info.get("chain", "")).lower())
        if chain != self.network.name:
            raise WrongNetwork(
                f"node at {self.url} follows {info.get('chain')!r}, "
                f"but this shop is configured for {self.network.name}"
            )
        if info.get("initialblockdownload") is True:
            raise NodeSyncing(
                f"node is still syncing (block {info.get('blocks')} of {info.get('headers')})"
            )

    def peer_count(self) -> int | None:
        return int(self.call("getconnectioncount"))

    def get_tip(self) -> ChainTip:
        best = str(self.call("getbestblockhash"))
        header = self.call("getblockheader", best, True)
        return ChainTip(int(header["height"]), best)

    def get_block_hash(self, height: int) -> str:
        try:
            return str(self.call("getblockhash", int(height)))
        except RPCError as exc:
            raise NotFound(f"no block at height {height}: {exc.message}") from exc

    def get_block_height(self, block_hash: str) -> int | None:
        try:
            header = self.call("getblockheader", block_hash, True)
        except RPCError as exc:
            # Core: -5 unknown block. btcd: -32603 "… is not in the main chain" for
            # blocks it knows on a side branch (e.g. after a reorg).
            if exc.code in (RPC_INVALID_ADDRESS_OR_KEY, -8) or "not in the main chain" in (
                exc.message
            ):
                return None
            raise
        height = int(header["height"])
        # Core reports orphans with confirmations -1; btcd may still give a height.
        # Comparing with the best chain's hash at that height is exact on both.
        try:
            return height if self.get_block_hash(height) == block_hash else None
        except NotFound:
            return None

    def get_raw_block(self, block_hash: str) -> bytes:
        try:
            return bytes.fromhex(str(self.call("getblock", block_hash, 0)))
        except RPCError as exc:
            raise NotFound(f"block {block_hash}: {exc.message}") from exc

    def get_raw_transaction(self, txid: str) -> bytes:
        try:
            return bytes.fromhex(str(self.call("getrawtransaction", txid, 0)))
        except RPCError as exc:
            raise NotFound(f"transaction {txid}: {exc.message}") from exc

    def get_raw_transactions(self, txids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(txids), RPC_BATCH):
            chunk = txids[start:start + RPC_BATCH]
            answers = self.call_batch("getrawtransaction", [(t, 0) for t in chunk])
            for txid, answer in zip(chunk, answers, strict=True):
                if isinstance(answer, RPCError):
                    continue  # left the mempool meanwhile
                if isinstance(answer, ChainError):
                    raise answer
                found[txid] = bytes.fromhex(str(answer))
        return found

    def get_mempool_txids(self) -> list[str]:
        return [str(t) for t in self.call("getrawmempool")]

    def broadcast(self, raw_tx_hex: str) -> str:
        try:
            return str(self.call("sendrawtransaction", raw_tx_hex))
        except RPCError as exc:
            raise Rejected(f"transaction rejected: {exc.message}") from exc

    def estimate_fee(self, target_blocks: int) -> FeeEstimate | None:
        try:
            res = self.call("estimatesmartfee", int(target_blocks))
            rate = res.get("feerate") if isinstance(res, dict) else None
            source = "estimatesmartfee"
        except RPCError as exc:
            if exc.code != RPC_METHOD_NOT_FOUND:
                raise
            rate = self.call("estimatefee", int(target_blocks))  # btcd: BTC/kB, ≤0 = none
            source = "estimatefee"
        if rate is None:
            return None
        value = Decimal(rate)
        if value <= 0:
            return None
        # BTC per kvB; round up to whole sats so we never under-pay.
        sat_per_kvb = int((value * 100_000_000).to_integral_value(rounding="ROUND_CEILING"))
        return FeeEstimate(int(target_blocks), sat_per_kvb, source)

    def smart_fee_tiers(self) -> FeeTiers | None:
        """``estimatesmartfee`` for every target; None on btcd (no such method) or while
        the node has too little data to estimate (a fresh regtest bitcoind)."""
        tiers: dict[str, int] = {}
        for name, target in TARGETS.items():
            try:
                res = self.call("estimatesmartfee", target)
            except RPCError as exc:
                if exc.code == RPC_METHOD_NOT_FOUND:
                    return None
                raise
            rate = res.get("feerate") if isinstance(res, dict) else None
            if rate is None or Decimal(rate) <= 0:
                return None
            # BTC/kvB -> sat/vB, rounded up so we never under-pay.
            tiers[name] = int((Decimal(rate) * SATS_PER_BTC / 1000).to_integral_value(
                rounding="ROUND_CEILING"))
        return FeeTiers(tiers, "estimatesmartfee")

    def get_difficulty(self) -> Decimal:
        return Decimal(self.call("getdifficulty"))

    def get_mempool_summary(self) -> tuple[int, int]:
        # Core's "bytes" is the sum of vsizes. (btcd's is serialized sizes, which is why
        # network_stats counts btcd's mempool from its entries instead.)
        info = self.call("getmempoolinfo")
        return int(info["size"]), int(info["bytes"])

    def get_mempool_entries(self) -> list[MempoolEntry]:
        """``getrawmempool true``: btcd gives ``fee`` (BTC) and ``vsize``; Core gives
        ``fees.base`` and ``vsize``. Fees are rounded to whole sats (Decimal, never float)."""
        entries = []
        for item in (self.call("getrawmempool", True) or {}).values():
            fee = (item.get("fees") or {}).get("base", item.get("fee"))
            vsize = item.get("vsize") or item.get("size")
            if fee is None or not vsize:
                raise ChainError("getrawmempool: an entry without fee or size")
            fee_sat = int((Decimal(fee) * SATS_PER_BTC).to_integral_value(ROUND_HALF_EVEN))
            entries.append(MempoolEntry(fee_sat, int(vsize)))
        return entries

    def test_mempool_accept(self, raw_tx_hex: str) -> MempoolAcceptance:
        """Would the node accept this transaction? (Core ≥0.17, btcd ≥0.24.)"""
        # btcd requires the maxfeerate argument; 0.10 BTC/kvB is Core's default limit.
        res = self.call("testmempoolaccept", [raw_tx_hex], Decimal("0.10"))
        item = res[0]
        fees = item.get("fees") or {}
        base_fee = fees.get("base")
        return MempoolAcceptance(
            txid=str(item.get("txid")),
            allowed=bool(item.get("allowed")),
            reason=item.get("reject-reason"),
            vsize=int(item["vsize"]) if item.get("vsize") is not None else None,
            fee_sat=btc_to_sats(Decimal(base_fee)) if base_fee is not None else None,
        )

    def _in_mempool(self, txid: str) -> bool:
        if self._has_mempoolentry is not False:
            try:
                self.call("getmempoolentry", txid)
                self._has_mempoolentry = True
                return True
            except RPCError as exc:
                if exc.code != RPC_METHOD_NOT_FOUND and "unimplemented" not in exc.message:
                    return False
                # btcd lists it in help but answers "Command unimplemented": use the list.
                self._has_mempoolentry = False
        return txid in self.get_mempool_txids()

    def _tx_block_hash(self, txid: str) -> tuple[str | None, bool]:
        try:
            verbose = self.call("getrawtransaction", txid, 1)
        except RPCError as exc:
            if exc.code == RPC_INVALID_ADDRESS_OR_KEY:
                return None, False
            raise
        block_hash = verbose.get("blockhash") if isinstance(verbose, dict) else None
        if block_hash:
            return str(block_hash), False
        return None, self._in_mempool(txid)


class _Warmup(ChainError):
    """Core's -28 'Loading block index…': retried like a connection failure."""


def _result(reply: dict[str, Any], method: str) -> Any:
    """The result of one JSON-RPC reply object, or its error raised."""
    err = reply.get("error")
    if err:
        code = int(err.get("code", 0)) if isinstance(err, dict) else 0
        msg = str(err.get("message", err)) if isinstance(err, dict) else str(err)
        if code == RPC_IN_WARMUP:
            raise _Warmup(msg)
        raise RPCError(code, msg, method)
    return reply.get("result")


_DEC_MARK = "\x00dec:"


def _dumps(payload: dict[str, Any]) -> str:
    """JSON with ``Decimal`` written as an exact JSON number (never via float)."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return _DEC_MARK + str(value)
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    text = json.dumps({**payload, "params": mark(payload["params"])})
    # The marker cannot occur otherwise: json escapes NUL as \u0000.
    return re.sub(r'"\\u0000dec:([-0-9.E+]+)"', r"\1", text)
