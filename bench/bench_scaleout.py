"""Scale-out benchmark: ``python bench/bench_scaleout.py`` (part of ``make bench``).

The production topology's web tier on one machine (issue 16, deliverable 5): four web
processes (``manage.py serve --no-jobs``, each on its own port) sharing one SQLite
database of the demo shop and one Redis (cache, rate limits, Socket.IO fan-out), behind
HAProxy (Debian's package). One HAProxy process has three frontends, balancing round robin
over the first one, two and all four web processes, so the three arrangements are measured
in the same run, in interleaved rounds, against the same processes:

- req/s and p50/p99 at --connections (64) on a listing page and on ``GET /api/products``
  (wrk; each arrangement against one process reached directly, without the proxy, in the
  same round: so the proxy's own cost shows too);
- fan-out: --clients (2,000) Socket.IO clients (python-socketio, websocket transport, no
  sticky sessions) connected through the four-process frontend, all logged in as one
  account, so all are in its ``user-…`` room; then --events (3) events published in one
  web process (the CRYPTOSHOP_TEST_HOOKS=1 publish endpoint), and the time until the
  first, the median and the last client has each. The event goes through Redis to every
  web process, each emitting to its own sockets.

The machine has 2 cores, so more processes can't multiply throughput here; what the
figures show is what the proxy and the extra processes cost or gain on the same cores.
Loopback only; everything it starts is stopped, also on errors and Ctrl+C.

Options: --duration S (8) --connections C (64) --rounds R (2) --clients N (2000)
--events E (3) --processes 1,2,4.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchenv import free_port, http_get, wait_for
from bench_shop import WRK_LUA, run_wrk

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SESSION_COOKIE = "cs_session"  # settings.SESSION_COOKIE_NAME without CRYPTOSHOP_HTTPS
CONNECT_BATCH = 100  # clients connecting at once (a burst of 2,000 handshakes times out)
EVENT_TIMEOUT_S = 60.0


def log(message: str) -> None:
    print(message, flush=True)


# --- the processes ------------------------------------------------------------------------------

class Topology:
    """Redis, N web processes and one HAProxy with a frontend per arrangement."""

    def __init__(self, var_dir: Path, processes: list[int]) -> None:
        self.var_dir = var_dir
        self.arrangements = processes
        self.redis_port = free_port()
        self.web_ports = [free_port() for _ in range(max(processes))]
        self.front_ports = {n: free_port() for n in processes}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
            "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
            "CRYPTOSHOP_VAR_DIR": str(var_dir), "CRYPTOSHOP_LOG_LEVEL": "WARNING",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CRYPTOSHOP_CACHE_PREFIX": f"bench-scale-{os.getpid()}",
            "CRYPTOSHOP_TEST_HOOKS": "1", "CRYPTOSHOP_BENCH": "1",
            "CRYPTOSHOP_WATCHER_IN_WEB": "false", "CRYPTOSHOP_FIXED_RATES": "USD:65000,EUR:60000",
            # Behind one proxy every client has the proxy's address: the per-IP limits
            # would measure the limiter, not the servers.
            "CRYPTOSHOP_TRUSTED_PROXY_HOPS": "1",
        }

    def _start(self, name: str, command: list[str]) -> None:
        out = open(self.var_dir / f"{name}.log", "wb")  # noqa: SIM115 - handed to the child
        try:
            self.procs.append(subprocess.Popen(  # noqa: S603 - our own commands, loopback
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True))
        finally:
            out.close()

    def manage(self, *args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True,  # noqa: S603
                       capture_output=True, timeout=600)

    def up(self) -> None:
        self._start("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no"])
        self.manage("migrate", "--verbosity", "0")
        self.manage("seed_demo")
        for n, port in enumerate(self.web_ports, start=1):
            self._start(f"web{n}", [PY, "manage.py", "serve", "--no-jobs", "--host",
                                    "127.0.0.1", "--port", str(port)])
        config = self.var_dir / "haproxy.cfg"
        config.write_text(haproxy_config(self.front_ports, self.web_ports))
        self._start("haproxy", ["haproxy", "-db", "-f", str(config)])
        for port in self.web_ports:
            wait_for(f"http://127.0.0.1:{port}/bench/trivial", 90)
        for port in self.front_ports.values():
            wait_for(f"http://127.0.0.1:{port}/bench/trivial", 30)

    def down(self) -> None:
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def haproxy_config(fronts: dict[int, int], web_ports: list[int]) -> str:
    """One frontend per arrangement (the first n web processes). HTTP mode passes the
    WebSocket upgrade through; ``timeout tunnel`` keeps upgraded sockets open."""
    lines = ["global", "    maxconn 8000", "defaults", "    mode http",
             "    timeout connect 5s", "    timeout client 60s", "    timeout server 60s",
             "    timeout tunnel 1h", "    option forwardfor"]
    for n, port in fronts.items():
        lines += [f"frontend web{n}", f"    bind 127.0.0.1:{port}",
                  f"    default_backend pool{n}", f"backend pool{n}", "    balance roundrobin"]
        lines += [f"    server web{i} 127.0.0.1:{p} check inter 2s"
                  for i, p in enumerate(web_ports[:n], start=1)]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def topology(processes: list[int]) -> Iterator[Topology]:
    parent = os.environ.get("CRYPTOSHOP_VAR_DIR") or None
    with tempfile.TemporaryDirectory(prefix="cs-bench-scale-", dir=parent) as tmp:
        top = Topology(Path(tmp), processes)
        try:
            top.up()
            yield top
        except Exception:
            for name in ("haproxy", "web1", "redis"):
                path = top.var_dir / f"{name}.log"
                if path.exists():
                    log(f"--- {name}.log (tail)\n" + "\n".join(
                        path.read_text(errors="replace").splitlines()[-15:]))
            raise
        finally:
            top.down()


# --- throughput -------------------------------------------------------------------------------

def throughput(top: Topology, args: argparse.Namespace, paths: dict[str, str],
               lua: Path) -> dict[tuple[str, int], list[dict[str, Any]]]:
    results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for round_no in range(1, args.rounds + 1):
        for name, path in paths.items():
            for n in [0, *top.arrangements]:  # 0: one process without the proxy
                port = top.front_ports[n] if n else top.web_ports[0]
                url = f"http://127.0.0.1:{port}{path}"
                run_wrk(url, 2, args.connections, lua)  # warm-up (caches, keep-alive)
                r = run_wrk(url, args.duration, args.connections, lua)
                results.setdefault((name, n), []).append(r)
                log(f"[load] round {round_no} {name:<18} {_label(n)}: {r['rps']:7.1f} req/s"
                    f"  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}")
    return results


def _label(n: int) -> str:
    return "1 process, no proxy" if n == 0 else f"{n} process(es) behind HAProxy"


# --- fan-out ----------------------------------------------------------------------------------

def api(base: str, method: str, path: str, body: dict[str, Any] | None = None,
        bearer: str = "") -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(base + path, method=method, headers=headers,  # noqa: S310
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return dict(json.loads(answer.read()))


async def fan_out(base: str, clients: int, events: int) -> list[dict[str, float]]:
    import socketio

    token = api(base, "POST", "/api/auth/register", {})["data"]["token"]
    session = str(api(base, "POST", "/api/auth/login", {"token": token})["data"]["sessionToken"])
    me = api(base, "GET", "/api/auth/me", bearer=session)["data"]
    room = f"user-{me['id']}"
    received: dict[int, list[float]] = {}

    def handler(data: dict[str, Any]) -> None:
        if data.get("type") == "bench_fanout":
            received.setdefault(int(data["seq"]), []).append(time.perf_counter())

    socks: list[Any] = []
    started = time.perf_counter()
    try:
        for start in range(0, clients, CONNECT_BATCH):
            batch = [socketio.AsyncClient(reconnection=False)
                     for _ in range(min(CONNECT_BATCH, clients - start))]
            for sock in batch:
                sock.on("transaction-event", handler)
            await asyncio.gather(*(s.connect(
                base, headers={"Cookie": f"{SESSION_COOKIE}={session.removeprefix('css_')}"},
                transports=["websocket"], wait_timeout=30) for s in batch))
            socks += batch
        log(f"[fan-out] {len(socks)} clients connected through the proxy in "
            f"{time.perf_counter() - started:.1f} s")
        await asyncio.sleep(2)  # let every process's user-room join settle
        figures = []
        for seq in range(events):
            sent = time.perf_counter()
            await asyncio.to_thread(api, base, "POST", "/__test__/publish", {
                "room": room, "event": "transaction-event", "via": "thread",
                "data": {"type": "bench_fanout", "seq": seq}})
            deadline = sent + EVENT_TIMEOUT_S
            while len(received.get(seq, [])) < clients and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            times = sorted((t - sent) * 1000 for t in received.get(seq, []))
            figures.append({"delivered": len(times), "first_ms": times[0] if times else -1,
                            "p50_ms": statistics.median(times) if times else -1,
                            "last_ms": times[-1] if times else -1})
            log(f"[fan-out] event {seq + 1}: {len(times)}/{clients} clients; first "
                f"{figures[-1]['first_ms']:.0f} ms, median {figures[-1]['p50_ms']:.0f} ms, "
                f"last {figures[-1]['last_ms']:.0f} ms")
            await asyncio.sleep(1)
        return figures
    finally:
        await asyncio.gather(*(s.disconnect() for s in socks), return_exceptions=True)


# --- report -----------------------------------------------------------------------------------

def report(results: dict[tuple[str, int], list[dict[str, Any]]], arrangements: list[int],
           fan: list[dict[str, float]], clients: int) -> None:
    log("\n== Scale-out: web processes behind HAProxy, SQLite + Redis, same run ==")
    for name in dict.fromkeys(k[0] for k in results):
        base = results[(name, 0)]
        for n in [0, *arrangements]:
            rounds = results[(name, n)]
            ratios = [r["rps"] / b["rps"] for r, b in zip(rounds, base, strict=True)]
            log(f"  {name:<18} {_label(n):<29} "
                f"{statistics.median(r['rps'] for r in rounds):7.1f} req/s  "
                f"{statistics.median(ratios):.2f}× one process without proxy (rounds: "
                f"{', '.join(f'{x:.2f}' for x in ratios)})  p99 "
                f"{statistics.median(r['p99_ms'] for r in rounds):.0f} ms")
    if fan:
        def listed(key: str) -> str:
            return ", ".join(f"{f[key]:.0f}" for f in fan)

        log(f"  fan-out, {clients:,} Socket.IO clients over {arrangements[-1]} processes, one "
            f"event: last client after {listed('last_ms')} ms (median client "
            f"{listed('p50_ms')} ms); delivered {listed('delivered')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("--processes", default="1,2,4")
    args = parser.parse_args()
    missing = [tool for tool in ("haproxy", "wrk", "redis-server") if not shutil.which(tool)]
    if missing:
        log(f"bench_scaleout: skipped, not installed: {', '.join(missing)} "
            "(scripts/ensure-packages.sh bench, and the test packages)")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    arrangements = sorted(int(n) for n in args.processes.split(","))
    started = time.perf_counter()
    with topology(arrangements) as top:
        log(f"[setup] demo shop, Redis, {len(top.web_ports)} web processes, HAProxy "
            f"({time.perf_counter() - started:.0f} s)")
        front = f"http://127.0.0.1:{top.front_ports[arrangements[-1]]}"
        listing = api(front, "GET", "/api/products?limit=1")["data"][0]["url"]
        status, _ = http_get(front + listing)
        if status != 200:
            raise RuntimeError(f"{listing}: HTTP {status}")
        lua = top.var_dir / "wrk.lua"
        lua.write_text(WRK_LUA)
        results = throughput(top, args, {"listing page": listing,
                                         "GET /api/products": "/api/products"}, lua)
        fan = asyncio.run(fan_out(front, args.clients, args.events)) if args.clients else []
    report(results, arrangements, fan, args.clients)
    log(f"(whole run: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
