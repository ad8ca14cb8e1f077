"""network_stats() on each backend against replayed answers: Bitcoin Core with its
estimator, Core without data (falls back to its mempool's fees.base), and Esplora.
(btcd, which has no estimator, runs for real in tests/regtest/test_network_stats.py.)"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from cryptoshop.chain.esplora import Esplora
from cryptoshop.chain.rpc import BitcoinRPC

from .conftest import Replay, Reply

TIP = "00" * 31 + "ab"
DIFFICULTY = b"102289407543323.8"


def _core(replay: Replay, smart: dict[int, bytes] | None) -> BitcoinRPC:
    answers: dict[str, bytes] = {
        "getbestblockhash": json.dumps(TIP).encode(),
        "getblockheader": json.dumps({"height": 870_000, "hash": TIP}).encode(),
        "getdifficulty": DIFFICULTY,
        "getmempoolinfo": b'{"size": 41000, "bytes": 23500000}',
        # Core's verbose mempool: fees.base in BTC (parsed as Decimal), vsize.
        "getrawmempool": b'{"a": {"vsize": 200, "fees": {"base": 0.00004000}},'
                         b' "b": {"vsize": 100, "fees": {"base": 0.00000150}}}',
    }

    def route(body: bytes, headers: dict[str, str]) -> Reply:
        req: dict[str, Any] = json.loads(body)
        method, rid = req["method"], req["id"]
        if method == "estimatesmartfee":
            if smart is None:
                raw = b'{"errors": ["Insufficient data or no feerate found"], "blocks": 0}'
            else:
                raw = b'{"feerate": ' + smart[req["params"][0]] + b', "blocks": 2}'
        else:
            raw = answers[method]
        return Reply(body=b'{"result": ' + raw + b', "error": null, "id": '
                     + str(rid).encode() + b"}")

    replay.routes[("POST", "/")] = route
    return BitcoinRPC(replay.url + "/", "regtest", user="u", password="p", backoff=0.01)


def test_core_with_its_estimator(replay: Replay) -> None:
    rpc = _core(replay, {1: b"0.00025001", 3: b"0.00020000", 6: b"0.00012345", 144: b"0.00001"})
    stats = rpc.network_stats()
    assert (stats.height, stats.tip_hash) == (870_000, TIP)
    assert stats.difficulty == Decimal("102289407543323.8")
    assert stats.hashrate_hs == 732_216_100_209_652_373_564
    assert (stats.mempool_count, stats.mempool_vsize) == (41_000, 23_500_000)
    assert stats.fees.source == "estimatesmartfee"
    # BTC/kvB -> sat/vB rounded up: 25.001 -> 26, 20 -> 20, 12.345 -> 13, 1 -> 1.
    assert stats.fees.tiers_sat_vb == {"nextBlock": 26, "halfHour": 20, "hour": 13,
                                       "economy": 1}
    assert stats.fees.percentiles_sat_vb is None


def test_core_without_data_uses_its_mempool(replay: Replay) -> None:
    stats = _core(replay, None).network_stats()
    assert stats.fees.source == "mempool"
    # 4000 sat / 200 vB = 20, 150 / 100 = 1.5 -> 2; block 1 median (by vsize) = 20.
    assert stats.fees.tiers_sat_vb == {"nextBlock": 20, "halfHour": 1, "hour": 1,
                                       "economy": 1}
    assert stats.fees.percentiles_sat_vb == {10: 2, 25: 2, 50: 20, 75: 20, 90: 20}
    assert (stats.mempool_count, stats.mempool_vsize) == (2, 300)  # counted from entries


def test_esplora(replay: Replay) -> None:
    replay.routes[("GET", "/api/blocks/tip/hash")] = Reply(body=TIP.encode())
    replay.routes[("GET", f"/api/block/{TIP}/status")] = Reply(
        body=b'{"in_best_chain": true, "height": 870000}')
    replay.routes[("GET", f"/api/block/{TIP}")] = Reply(
        body=b'{"id": "' + TIP.encode() + b'", "height": 870000, "difficulty": ' + DIFFICULTY
        + b"}")
    replay.routes[("GET", "/api/mempool")] = Reply(
        body=b'{"count": 5120, "vsize": 3100000, "total_fee": 9000000, "fee_histogram": []}')
    replay.routes[("GET", "/api/fee-estimates")] = Reply(
        body=b'{"1": 87.882, "2": 80.1, "3": 60.5, "6": 30.0, "144": 1.027, "1008": 1.0}')
    stats = Esplora(replay.url + "/api", "regtest", backoff=0.01).network_stats()
    assert stats.height == 870_000 and stats.difficulty == Decimal("102289407543323.8")
    assert (stats.mempool_count, stats.mempool_vsize) == (5120, 3_100_000)
    assert stats.fees.source == "esplora"
    assert stats.fees.tiers_sat_vb == {"nextBlock": 88, "halfHour": 61, "hour": 30,
                                       "economy": 2}
