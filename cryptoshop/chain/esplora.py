"""Esplora REST backend (Blockstream / mempool.space API, self-hosted or public).

Same ``ChainBackend`` interface as the RPC backend. Raw blocks and transactions are
decoded with embit, like the RPC backend, so the watcher sees identical values.
Fee estimates arrive as sat/vB JSON numbers; they are parsed as ``Decimal``.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cryptoshop.btc.fees import TARGETS
from cryptoshop.btc.networks import Network, get_network

from .base import ChainBackend
from .errors import ChainError, NodeUnavailable, NotFound, Rejected, WrongNetwork
from .values import ChainTip, FeeEstimate, FeeTiers

log = logging.getLogger(__name__)

GENESIS = {
    "main": {"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
    "test": {
        "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",  # testnet3
        "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",  # testnet4
    },
    "signet": {"00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
    "regtest": {"0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
}
_RETRY_STATUS = {429, 500, 502, 503, 504}


class Esplora(ChainBackend):
    def __init__(
        self,
        base_url: str,
        network: Network | str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ChainError("Esplora URL must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.network = get_network(network)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    # -- transport --------------------------------------------------------------------

    def _request(self, path: str, *, data: bytes | None = None) -> bytes:
        url = self.base_url + path
        attempt = 0
        while True:
            req = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
                url,
                data=data,
                method="POST" if data is not None else "GET",
                headers={"Content-Type": "text/plain"} if data is not None else {},
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    body: bytes = resp.read()
                    return body
            except urllib.error.HTTPError as exc:
                text = exc.read().decode("utf-8", "replace").strip()
                if exc.code == 404:
                    raise NotFound(f"{path}: {text or 'not found'}") from None
                if exc.code == 400 and data is not None:
                    raise Rejected(f"transaction rejected: {text}") from None
                if exc.code not in _RETRY_STATUS or attempt >= self.retries:
                    raise ChainError(f"Esplora {path}: HTTP {exc.code} {text[:200]}") from None
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise NodeUnavailable(
                        f"Esplora at {self.base_url} unreachable: {reason}"
                    ) from None
                problem = str(exc)
            delay = self.backoff * (2**attempt)
            log.debug("esplora %s failed (%s); retry in %.2fs", path, problem, delay)
            time.sleep(delay)
            attempt += 1

    def _text(self, path: str) -> str:
        return self._request(path).decode("utf-8", "replace").strip()

    def _json(self, path: str) -> Any:
        try:
            return json.loads(self._request(path), parse_float=Decimal)
        except ValueError as exc:
            raise ChainError(f"Esplora {path}: invalid JSON") from exc

    # -- ChainBackend -----------------------------------------------------------------

    def check_network(self) -> None:
        genesis = self.get_block_hash(0)
        if genesis not in GENESIS[self.network.name]:
            raise WrongNetwork(
                f"Esplora at {self.base_url} serves a chain with genesis {genesis[:16]}…, "
                f"not {self.network.name}"
            )

    def get_tip(self) -> ChainTip:
        # Hash first, then its height, so the pair always describes one block.
        tip_hash = self._text("/blocks/tip/hash")
        height = self.get_block_height(tip_hash)
        if height is None:  # the tip moved between the two calls: ask again
            tip_hash = self._text("/blocks/tip/hash")
            height = self.get_block_height(tip_hash)
            if height is None:
                raise ChainError("Esplora tip is not in its own best chain")
        return ChainTip(height, tip_hash)

    def get_block_hash(self, height: int) -> str:
        text = self._text(f"/block-height/{int(height)}")
        _check_hash(text)
        return text

    def get_block_height(self, block_hash: str) -> int | None:
        _check_hash(block_hash)
        try:
            status = self._json(f"/block/{block_hash}/status")
        except NotFound:
            return None
        if not isinstance(status, dict) or not status.get("in_best_chain"):
            return None
        return int(status["height"])

    def get_raw_block(self, block_hash: str) -> bytes:
        _check_hash(block_hash)
        return self._request(f"/block/{block_hash}/raw")

    def get_raw_transaction(self, txid: str) -> bytes:
        _check_hash(txid)
        text = self._text(f"/tx/{txid}/hex")
        try:
            return bytes.fromhex(text)
        except ValueError as exc:
            raise ChainError(f"Esplora /tx/{txid}/hex: not hex") from exc

    def get_mempool_txids(self) -> list[str]:
        data = self._json("/mempool/txids")
        if not isinstance(data, list):
            raise ChainError("Esplora /mempool/txids: expected a list")
        return [str(t) for t in data]

    def broadcast(self, raw_tx_hex: str) -> str:
        txid = self._request("/tx", data=raw_tx_hex.encode()).decode().strip()
        _check_hash(txid)
        return txid

    def estimate_fee(self, target_blocks: int) -> FeeEstimate | None:
        return _pick_estimate(self._json("/fee-estimates"), target_blocks)

    def smart_fee_tiers(self) -> FeeTiers | None:
        data = self._json("/fee-estimates")  # one request for every target
        tiers: dict[str, int] = {}
        for name, target in TARGETS.items():
            found = _pick_estimate(data, target)
            if found is None:
                return None
            tiers[name] = -(-found.sat_per_kvb // 1000)
        return FeeTiers(tiers, "esplora")

    def get_difficulty(self) -> Decimal:
        tip_hash = self._text("/blocks/tip/hash")
        _check_hash(tip_hash)
        block = self._json(f"/block/{tip_hash}")
        if not isinstance(block, dict) or block.get("difficulty") is None:
            raise ChainError("Esplora /block: no difficulty in the answer")
        return Decimal(block["difficulty"])

    def get_mempool_summary(self) -> tuple[int, int]:
        data = self._json("/mempool")
        if not isinstance(data, dict):
            raise ChainError("Esplora /mempool: expected an object")
        return int(data.get("count", 0)), int(data.get("vsize", 0))

    def _tx_block_hash(self, txid: str) -> tuple[str | None, bool]:
        _check_hash(txid)
        try:
            status = self._json(f"/tx/{txid}/status")
        except NotFound:
            return None, False
        if isinstance(status, dict) and status.get("confirmed"):
            return str(status["block_hash"]), False
        return None, True


def _check_hash(value: str) -> None:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ChainError(f"not a block/transaction hash: {value[:80]!r}")


def _pick_estimate(data: Any, target_blocks: int) -> FeeEstimate | None:
    """Esplora gives targets 1-25, 144, 504, 1008 (sat/vB): take the nearest target not
    slower than asked; if none, the fastest it has."""
    if not isinstance(data, dict) or not data:
        return None
    targets = sorted(int(k) for k in data if str(k).isdigit())
    eligible = [t for t in targets if t <= target_blocks] or targets[:1]
    if not eligible:
        return None
    chosen = eligible[-1]
    rate = Decimal(data[str(chosen)])
    if rate <= 0:
        return None
    sat_per_kvb = int((rate * 1000).to_integral_value(rounding=ROUND_CEILING))
    return FeeEstimate(int(target_blocks), sat_per_kvb, f"esplora:{chosen}")
