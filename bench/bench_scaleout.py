"""Scale-out: ``python bench/bench_scaleout.py`` (part of ``make bench``).

The soak's topology (tests/soak: HAProxy from deploy/haproxy.cfg in front of web
processes started from deploy/systemd/cryptoshop-web@.service, PostgreSQL, Redis) with
one, two and four web processes behind the proxy, in interleaved rounds: wrk's req/s and
p99 on a listing page (a category page) and on GET /api/products. Then fan-out: 2,000
Socket.IO clients connected through the proxy (spread over the web processes by
leastconn), one event published into the room they share from another process through
Redis, and the time until the last client has it.

Options: --rounds N (2), --duration S (8), --connections C (64), --clients N (2000).
The machine may be shared: compare the ratios (against one process, same run)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio
from _benchenv import PY, ROOT, bench_dir, http_get
from bench_shop import WRK_LUA, load

from tests.soak.topology import Ports, Topology

COUNTS = (1, 2, 4)
PORTS = Ports(proxy=8850, stats=8851, first_web=8860)  # PostgreSQL, Redis: the soak's ranges
PUBLISH = """
import time, django
django.setup()
from cryptoshop.accounts.sessions import user_for_session_token
from cryptoshop.realtime import publish, user_room
user, _ = user_for_session_token({session!r})
print(time.time(), flush=True)
publish(user_room(user.public_id), "notification", {{"type": "bench"}})
time.sleep(2)  # the write-only Redis manager sends from a background thread
"""


def wait_proxy(url: str) -> None:
    """Until the proxy answers (an HTTP status, even 503, means it is listening)."""
    for _ in range(300):
        with contextlib.suppress(OSError):
            if http_get(url)[0] in (200, 503):
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def throughput(topology: Topology, args: argparse.Namespace, lua: Path, category: str
               ) -> dict[tuple[int, str], list[dict[str, Any]]]:
    paths = {"listing page": f"/c/{category}/", "GET /api/products": "/api/products"}
    results: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for _ in range(args.rounds):
        for webs in COUNTS:
            topology.route_to(webs)
            wait_proxy(topology.base_url + "/api/health")
            for label, path in paths.items():
                url = topology.base_url + path
                for _warm in range(5):
                    http_get(url)
                results.setdefault((webs, label), []).append(
                    load(url, args.duration, args.connections, lua))
    return results


async def _connect(base: str, cookie: str, got: list[float], clients: list[Any]) -> None:
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)

    async def on_note(data: dict[str, Any]) -> None:
        got.append(time.time())

    sio.on("notification", on_note)
    await sio.connect(base, transports=["websocket"], headers={"Cookie": cookie},
                      wait_timeout=30)
    clients.append(sio)


async def fanout(topology: Topology, session: str, count: int) -> dict[str, float]:
    got: list[float] = []
    clients: list[Any] = []
    cookie = "cs_session=" + session.removeprefix("css_")
    started = time.monotonic()
    for first in range(0, count, 100):
        await asyncio.gather(*(_connect(topology.base_url, cookie, got, clients)
                               for _ in range(first, min(count, first + 100))))
    connected_s = time.monotonic() - started
    await asyncio.sleep(2)
    publisher = await asyncio.create_subprocess_exec(
        PY, "-c", PUBLISH.format(session=session), cwd=ROOT, env=topology.env,
        stdout=asyncio.subprocess.PIPE)
    assert publisher.stdout is not None
    sent = float((await publisher.stdout.readline()).decode())
    deadline = time.monotonic() + 30
    while len(got) < len(clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await publisher.wait()
    for sio in clients:
        await sio.disconnect()
    return {"clients": len(clients), "received": len(got), "connect_s": connected_s,
            "last_ms": (max(got) - sent) * 1000 if got else -1,
            "median_ms": (statistics.median(got) - sent) * 1000 if got else -1}


def report(results: dict[tuple[int, str], list[dict[str, Any]]]) -> None:
    print(f"{'web processes':<15}{'page':<20}{'req/s':>9}{'x one':>8}{'p99 ms':>9}{'non-2xx':>9}")
    for label in ("listing page", "GET /api/products"):
        base = None
        for webs in COUNTS:
            runs = results[(webs, label)]
            rps = statistics.median(r["rps"] for r in runs)
            p99 = statistics.median(r["p99_ms"] for r in runs)
            base = base or rps
            bad = sum(sum(r["errors"].values()) if r["errors"] else 0 for r in runs)
            print(f"{webs:<15}{label:<20}{rps:>9.0f}{rps / base:>8.2f}{p99:>9.1f}{bad:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--clients", type=int, default=2000)
    args = parser.parse_args()
    topology = Topology(bench_dir() / "scaleout", webs=max(COUNTS), workers=0, ports=PORTS,
                        with_node=False, with_replica=False,
                        overrides={"CRYPTOSHOP_CHAIN_BACKEND": "none"})
    try:
        topology.start()
        wait_proxy(topology.base_url + "/api/health")
        out = topology.var_dir / "seed.json"
        subprocess.run([PY, "-m", "tests.soak.shopdata", "seed", str(out), "--buyers", "1",  # noqa: S603
                        "--listings", "200"], cwd=ROOT, env=topology.env, check=True)
        data = json.loads(out.read_text())
        print(f"Scale-out behind HAProxy: {args.rounds} interleaved rounds of {args.duration} s, "
              f"{args.connections} connections, 1/2/4 web processes (2-core machine, shared)")
        with tempfile.TemporaryDirectory(prefix="cs-bench-scaleout-") as tmp:
            lua = Path(tmp) / "report.lua"
            lua.write_text(WRK_LUA)
            report(throughput(topology, args, lua, "home"))
        topology.route_to(max(COUNTS))
        wait_proxy(topology.base_url + "/api/health")
        result = asyncio.run(fanout(topology, data["buyers"][0]["session"], args.clients))
        print(f"Fan-out: {result['received']}/{result['clients']} Socket.IO clients over "
              f"{max(COUNTS)} web processes got one event; last after "
              f"{result['last_ms']:.0f} ms, median {result['median_ms']:.0f} ms "
              f"(connecting them took {result['connect_s']:.1f} s)")
    finally:
        topology.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
