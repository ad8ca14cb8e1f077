"""BitcoinRPC error handling against a local server speaking Core/btcd JSON-RPC."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cryptoshop.chain.errors import (
    NodeSyncing,
    NodeUnavailable,
    NotFound,
    Rejected,
    RPCError,
    WrongNetwork,
)
from cryptoshop.chain.rpc import BitcoinRPC

from ._fixtures import TX_RAW, TXID
from .conftest import Replay, Reply


def _rpc(replay: Replay, handler):  # type: ignore[no-untyped-def]
    def route(body: bytes, headers: dict[str, str]) -> Reply:
        req = json.loads(body)
        assert "id" in req  # btcd ignores requests without one
        status, payload = handler(req["method"], req["params"], headers)
        payload.setdefault("id", req["id"])
        return Reply(status, json.dumps(payload).encode(), "application/json")

    replay.routes[("POST", "/")] = route


def _client(replay: Replay, **kw: object) -> BitcoinRPC:
    return BitcoinRPC(replay.url + "/", "regtest", user="u", password="p", backoff=0.01, **kw)  # type: ignore[arg-type]


def ok(result: object) -> tuple[int, dict[str, object]]:
    return 200, {"result": result, "error": None}


def err(code: int, message: str, status: int = 500) -> tuple[int, dict[str, object]]:
    return status, {"result": None, "error": {"code": code, "message": message}}


def test_raw_fetch_and_integer_flags(replay: Replay) -> None:
    seen: list[tuple[str, list[object]]] = []

    def handler(method: str, params: list[object], headers: dict[str, str]):  # type: ignore[no-untyped-def]
        seen.append((method, params))
        assert headers["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
        if method == "getrawtransaction":
            return ok(TX_RAW.hex()) if params[1] == 0 else ok({"txid": TXID})
        if method == "getrawmempool":
            return ok([TXID])
        if method == "getmempoolentry":
            return err(-1, "Command unimplemented", 200)  # btcd
        return err(-32601, "Method not found", 200)

    _rpc(replay, handler)
    client = _client(replay)
    tx = client.get_transaction(TXID)
    assert tx.txid == TXID and tx.outputs[0].value_sat == 250_000
    status = client.get_tx_status(TXID)
    assert status.in_mempool and status.confirmations == 0
    assert ("getrawtransaction", [TXID, 0]) in seen and ("getrawtransaction", [TXID, 1]) in seen


def test_rpc_error_and_not_found(replay: Replay) -> None:
    def handler(method: str, params: list[object], headers: dict[str, str]):  # type: ignore[no-untyped-def]
        if method == "getrawtransaction":
            return err(-5, "No such mempool or blockchain transaction")
        if method == "sendrawtransaction":
            return err(-26, "min relay fee not met")
        return err(-32601, "Method not found", 404)

    _rpc(replay, handler)
    client = _client(replay)
    with pytest.raises(NotFound):
        client.get_raw_transaction(TXID)
    with pytest.raises(NotFound):
        client.get_tx_status(TXID)
    with pytest.raises(Rejected, match="min relay fee"):
        client.broadcast("00")
    with pytest.raises(RPCError) as info:
        client.call("nosuchmethod")
    assert info.value.code == -32601


def test_btc_amounts_are_decimal_and_fee_estimate_fallback(replay: Replay) -> None:
    def handler(method: str, params: list[object], headers: dict[str, str]):  # type: ignore[no-untyped-def]
        if method == "estimatesmartfee":
            return err(-32601, "Method not found", 200)  # btcd
        if method == "estimatefee":
            return 200, {"result": None, "error": None, "_raw": True}
        return err(-32601, "Method not found", 200)

    _rpc(replay, handler)
    # A float like 0.00012345 must arrive as Decimal, not float: replay it raw.
    replay.routes[("POST", "/")] = lambda body, headers: Reply(
        body=(
            b'{"result": 0.00012345, "error": null, "id": 1}'
            if json.loads(body)["method"] == "estimatefee"
            else b'{"result": null, "error": {"code": -32601, "message": "Method not found"}, "id": 1}'
        )
    )
    est = _client(replay).estimate_fee(2)
    assert est is not None and est.sat_per_kvb == 12_345 and est.source == "estimatefee"
    replay.routes[("POST", "/")] = lambda body, headers: Reply(
        body=b'{"result": {"feerate": 0.00001000, "blocks": 2}, "error": null, "id": 1}'
    )
    est = _client(replay).estimate_fee(2)
    assert est is not None and est.sat_per_kvb == 1_000
    assert isinstance(_client(replay).call("estimatesmartfee", 2)["feerate"], Decimal)


def test_wrong_network_and_syncing(replay: Replay) -> None:
    info = {"chain": "main", "blocks": 10, "headers": 800_000, "initialblockdownload": True}
    _rpc(replay, lambda m, p, h: ok(info))
    with pytest.raises(WrongNetwork, match="main"):
        _client(replay).check_network()
    info["chain"] = "regtest"
    with pytest.raises(NodeSyncing, match="syncing"):
        _client(replay).check_network()
    info["initialblockdownload"] = False
    _client(replay).check_network()


def test_warmup_is_retried(replay: Replay) -> None:
    calls = {"n": 0}

    def handler(method: str, params: list[object], headers: dict[str, str]):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return err(-28, "Loading block index...") if calls["n"] < 3 else ok(7)

    _rpc(replay, handler)
    assert _client(replay, retries=3).call("getblockcount") == 7
    calls["n"] = -100
    with pytest.raises(NodeSyncing, match="starting"):
        _client(replay, retries=1).call("getblockcount")


def test_auth_failure(replay: Replay) -> None:
    replay.routes[("POST", "/")] = Reply(401, b"")
    with pytest.raises(NodeUnavailable, match="authentication"):
        _client(replay).call("getblockcount")


def test_cookie_auth(replay: Replay, tmp_path: Path) -> None:
    cookie = tmp_path / ".cookie"
    cookie.write_text("__cookie__:secret")
    _rpc(replay, lambda m, p, h: ok(h["authorization"]))
    client = BitcoinRPC(replay.url, "regtest", cookie_file=cookie)
    assert client.call("x") == "Basic " + base64.b64encode(b"__cookie__:secret").decode()
    missing = BitcoinRPC(replay.url, "regtest", cookie_file=tmp_path / "nope", retries=0)
    with pytest.raises(NodeUnavailable, match="cookie"):
        missing.call("x")


def test_node_down_and_slow(replay: Replay) -> None:
    down = BitcoinRPC(
        "http://127.0.0.1:9", "regtest", user="u", password="p", retries=1, backoff=0.01
    )
    with pytest.raises(NodeUnavailable, match="unreachable"):
        down.call("getblockcount")
    replay.routes[("POST", "/")] = Reply(body=b'{"result": 1, "error": null, "id": 1}', delay=1.0)
    slow = _client(replay, timeout=0.2, retries=0)
    with pytest.raises(NodeUnavailable):
        slow.call("getblockcount")


def test_decimal_params_are_sent_exactly(replay: Replay) -> None:
    bodies: list[bytes] = []

    def route(body: bytes, headers: dict[str, str]) -> Reply:
        bodies.append(body)
        return Reply(
            body=b'{"result": [{"txid": "%s", "allowed": true, "vsize": 141, "fees": {"base": 0.00000282}}], "error": null, "id": 1}'
            % TXID.encode()
        )

    replay.routes[("POST", "/")] = route
    verdict = _client(replay).test_mempool_accept(TX_RAW.hex())
    assert verdict.allowed and verdict.fee_sat == 282 and verdict.vsize == 141
    assert b"0.10]" in bodies[0]
