"""Esplora client against a local server replaying the API's documented responses."""

from __future__ import annotations

import json

import pytest

from cryptoshop.chain.errors import ChainError, NodeUnavailable, NotFound, Rejected, WrongNetwork
from cryptoshop.chain.esplora import Esplora

from ._fixtures import BLOCK_HASH, BLOCK_RAW, PREV_HASH, REGTEST_GENESIS, TX_RAW, TXID
from .conftest import Replay, Reply


def _client(replay: Replay, **kw: float) -> Esplora:
    return Esplora(replay.url + "/api", "regtest", backoff=0.01, **kw)  # type: ignore[arg-type]


def test_tip_blocks_and_transactions(replay: Replay) -> None:
    r = replay.routes
    r[("GET", "/api/blocks/tip/hash")] = Reply(body=BLOCK_HASH.encode())
    r[("GET", f"/api/block/{BLOCK_HASH}/status")] = Reply(
        body=json.dumps({"in_best_chain": True, "height": 105, "next_best": None}).encode(),
        content_type="application/json",
    )
    r[("GET", "/api/block-height/105")] = Reply(body=BLOCK_HASH.encode())
    r[("GET", f"/api/block/{BLOCK_HASH}/raw")] = Reply(
        body=BLOCK_RAW, content_type="application/octet-stream"
    )
    r[("GET", f"/api/tx/{TXID}/hex")] = Reply(body=TX_RAW.hex().encode())
    r[("GET", f"/api/tx/{TXID}/status")] = Reply(
        body=json.dumps(
            {"confirmed": True, "block_height": 105, "block_hash": BLOCK_HASH, "block_time": 1}
        ).encode()
    )
    client = _client(replay)
    tip = client.get_tip()
    assert (tip.height, tip.hash) == (105, BLOCK_HASH)
    block = client.get_block(105)
    assert block.hash == BLOCK_HASH and block.prev_hash == PREV_HASH and block.height == 105
    assert [t.txid for t in block.transactions] == [TXID]
    assert block.transactions[0].outputs[0].value_sat == 250_000
    assert client.get_block(BLOCK_HASH) == block
    tx = client.get_transaction(TXID)
    assert tx.outputs[0].script_pubkey == "0014" + "ab" * 20
    status = client.get_tx_status(TXID)
    assert status.confirmed and status.confirmations == 1 and status.block_height == 105


def test_mempool_and_unconfirmed_status(replay: Replay) -> None:
    replay.routes[("GET", "/api/mempool/txids")] = Reply(body=json.dumps([TXID]).encode())
    replay.routes[("GET", f"/api/tx/{TXID}/status")] = Reply(body=b'{"confirmed": false}')
    client = _client(replay)
    assert client.get_mempool_txids() == [TXID]
    status = client.get_tx_status(TXID)
    assert status.in_mempool and status.confirmations == 0


def test_unknown_tx_is_not_found(replay: Replay) -> None:
    replay.routes[("GET", f"/api/tx/{TXID}/status")] = Reply(404, b"Transaction not found")
    with pytest.raises(NotFound):
        _client(replay).get_tx_status(TXID)


def test_orphaned_block_reports_no_height(replay: Replay) -> None:
    replay.routes[("GET", f"/api/block/{BLOCK_HASH}/status")] = Reply(
        body=b'{"in_best_chain": false}'
    )
    assert _client(replay).get_block_height(BLOCK_HASH) is None


def test_broadcast_ok_and_rejected(replay: Replay) -> None:
    replay.routes[("POST", "/api/tx")] = Reply(body=TXID.encode())
    client = _client(replay)
    assert client.broadcast(TX_RAW.hex()) == TXID
    assert replay.requests[-1][2] == TX_RAW.hex().encode()
    replay.routes[("POST", "/api/tx")] = Reply(
        400,
        b'sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met"}',
    )
    with pytest.raises(Rejected, match="min relay fee"):
        client.broadcast(TX_RAW.hex())


def test_fee_estimates_are_exact(replay: Replay) -> None:
    replay.routes[("GET", "/api/fee-estimates")] = Reply(
        body=b'{"1": 87.882, "2": 87.882, "3": 87.882, "6": 68.285, "144": 1.027, "1008": 1.0}'
    )
    client = _client(replay)
    est = client.estimate_fee(6)
    assert est is not None and est.sat_per_kvb == 68_285 and est.source == "esplora:6"
    assert client.estimate_fee(5).sat_per_kvb == 87_882  # type: ignore[union-attr]
    replay.routes[("GET", "/api/fee-estimates")] = Reply(body=b"{}")
    assert client.estimate_fee(1) is None  # "unavailable", never a made-up number


def test_network_check(replay: Replay) -> None:
    replay.routes[("GET", "/api/block-height/0")] = Reply(body=REGTEST_GENESIS.encode())
    _client(replay).check_network()
    main = Esplora(replay.url + "/api", "main")
    with pytest.raises(WrongNetwork):
        main.check_network()


def test_server_errors_are_retried_then_reported(replay: Replay) -> None:
    calls = {"n": 0}

    def flaky(body: bytes, headers: dict[str, str]) -> Reply:
        calls["n"] += 1
        return Reply(503, b"busy") if calls["n"] < 3 else Reply(body=b"105")

    replay.routes[("GET", "/api/blocks/tip/height")] = flaky
    assert _client(replay)._text("/blocks/tip/height") == "105"
    assert calls["n"] == 3
    replay.routes[("GET", "/api/blocks/tip/hash")] = Reply(429, b"Too Many Requests")
    with pytest.raises(ChainError, match="429"):
        _client(replay).get_tip()


def test_slow_answer_times_out(replay: Replay) -> None:
    replay.routes[("GET", "/api/blocks/tip/hash")] = Reply(body=BLOCK_HASH.encode(), delay=1.0)
    client = Esplora(replay.url + "/api", "regtest", timeout=0.2, retries=1, backoff=0.01)
    with pytest.raises(NodeUnavailable, match="unreachable"):
        client.get_tip()


def test_garbage_is_a_chain_error(replay: Replay) -> None:
    replay.routes[("GET", "/api/blocks/tip/hash")] = Reply(body=b"<html>oops</html>")
    replay.routes[("GET", "/api/mempool/txids")] = Reply(body=b"{not json")
    client = _client(replay)
    with pytest.raises(ChainError):
        client.get_tip()
    with pytest.raises(ChainError):
        client.get_mempool_txids()


def test_unreachable() -> None:
    client = Esplora("http://127.0.0.1:9", "regtest", timeout=0.5, retries=1, backoff=0.01)
    with pytest.raises(NodeUnavailable):
        client.get_mempool_txids()
