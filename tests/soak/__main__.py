"""`make soak` / `python -m tests.soak`: the production topology on one machine under
load while parts of it fail. See docs/operations.md, "Production topology".

    python -m tests.soak --users 200 --duration 300           # the full run
    python -m tests.soak --users 30 --duration 60 --faults none   # a quick smoke run

Exit status 0 only when every pass criterion holds (printed at the end)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp

from tests.deploy_units import ROOT
from tests.soak import load
from tests.soak.faults import FAULTS, Faults, Outcome, schedule
from tests.soak.hooks import Hooks
from tests.soak.stats import Stats, table
from tests.soak.topology import Topology
from tests.soak.wallet import Wallet

# Settings only the load test needs, on top of the unit files': every simulated buyer
# comes from 127.0.0.1, so the per-IP and per-account limits would stop them, not a bot.
OVERRIDES = {
    "CRYPTOSHOP_CHECKOUT_LIMIT_PER_ACCOUNT": "100000",
    "CRYPTOSHOP_INVOICE_LIMIT_PER_ACCOUNT": "100000",
    "CRYPTOSHOP_INVOICE_LIMIT_PER_IP": "1000000",
    "CRYPTOSHOP_MAX_OPEN_INVOICES": "100",
    "CRYPTOSHOP_REGISTER_LIMIT_PER_IP": "100000",  # the seed registers every buyer
    # The sellers' webhook receiver runs on this machine (regtest allows it by default).
    "CRYPTOSHOP_WEBHOOK_ALLOW_PRIVATE": "true",
    "CRYPTOSHOP_WEBHOOK_POLL_SECONDS": "2",
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.soak")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--faults", default="all",
                        help=f"all, none, or a comma list of {', '.join(FAULTS)}")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--checkout", type=float, default=0.35,
                        help="chance a buyer checks out after adding to the cart")
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "soak")
    parser.add_argument("--limit", type=float, default=14 * 60,
                        help="hard limit for the whole run, seconds")
    args = parser.parse_args()
    args.fault_list = (list(FAULTS) if args.faults == "all" else
                       [] if args.faults == "none" else args.faults.split(","))
    unknown = set(args.fault_list) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    return args


def say(text: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {text}", flush=True)


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return  # an answer, even 503, means the proxy reached a web process
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f}s") from None
            time.sleep(0.3)


def shopdata(topology: Topology, *args: str) -> dict[str, Any]:
    out = topology.var_dir / f"{args[0]}-out.json"
    subprocess.run([sys.executable, "-m", "tests.soak.shopdata", *args, str(out)],
                   cwd=ROOT, env=topology.env, check=True, timeout=300)
    return dict(json.loads(out.read_text()))


async def miner(shop: load.Shop, node_mine: Any, every: float = 10.0) -> None:
    """Blocks keep coming, as on a real chain (the stores ask for one confirmation)."""
    while not shop.stopping.is_set():
        try:
            await asyncio.wait_for(shop.stopping.wait(), every)
        except TimeoutError:
            try:
                await asyncio.to_thread(node_mine, 1)
            except Exception as exc:
                say(f"mining skipped: {exc}")


async def drive(args: argparse.Namespace, topology: Topology, data: dict[str, Any],
                wallet: Wallet) -> tuple[Stats, load.Ledger, list[Outcome]]:
    stats, ledger = Stats(), load.Ledger()
    # Payments are signed and sent from threads: more of them than asyncio's default.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(32))
    timeout = aiohttp.ClientTimeout(total=20)
    connector = aiohttp.TCPConnector(limit=args.users + 50)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        shop = load.Shop(topology.base_url, http, stats, ledger, wallet, data)
        stats.begin("steady 1")
        tasks = load.start_users(shop, args.users, args.checkout)
        mining = asyncio.create_task(miner(shop, topology.mine))
        faults, outcomes = Faults(topology, shop), []
        started = time.monotonic()
        for n, (at, name) in enumerate(schedule(args.duration, args.fault_list), 2):
            await asyncio.sleep(max(0.0, started + at - time.monotonic()))
            say(f"fault: {name}")
            outcome = await faults.run(name)
            say(f"  back in {outcome.recovery_s}s {outcome.note}")
            outcomes.append(outcome)
            stats.begin(f"steady {n}")
        await asyncio.sleep(max(0.0, started + args.duration - time.monotonic()))
        say("load done; waiting for users to finish what they started")
        shop.stopping.set()
        _, pending = await asyncio.wait([*tasks, mining], timeout=45)
        for task in pending:
            task.cancel()
        stats.finish()
    return stats, ledger, outcomes


def settle(topology: Topology, ledger: load.Ledger, timeout: float = 120) -> int:
    """Mine until every paid invoice has settled (or the time is up); unsettled count."""
    addresses = sorted({p["address"] for p in ledger.payments})
    if not addresses:
        return 0
    deadline = time.monotonic() + timeout
    history: list[int] = []
    while True:
        topology.mine(1)
        time.sleep(3)
        rows = topology.sql("SELECT count(*) FROM payments_invoice WHERE status = 'settled' "
                            "AND address = ANY(%s)", (addresses,))
        left = len(addresses) - int(str(rows[0][0]))
        history.append(left)
        stuck = len(history) > 10 and history[-10] == left  # 30 s without progress
        if left <= 0 or stuck or time.monotonic() > deadline:
            return left
        say(f"settling: {left} invoices left")


def wait_hooks(hooks: Hooks, ledger: load.Ledger, timeout: float = 45
               ) -> tuple[list[str], dict[str, int]]:
    """Deliveries trail the payments by a job turn or two: wait for them, then check."""
    paid = {p["orderId"] for p in ledger.payments}
    deadline = time.monotonic() + timeout
    while not paid <= set(hooks.paid_events()) and time.monotonic() < deadline:
        time.sleep(1)
    return hooks.check(paid)


def verdict(stats: Stats, outcomes: list[Outcome], checked: dict[str, Any],
            unsettled: int) -> list[str]:
    failures = [f"{o.name}: not back within 10 s ({o.recovery_s}, {o.note})"
                for o in outcomes if not o.passed]
    stray = stats.stray_5xx()
    if stray:
        kinds = sorted({f"{s.name} {s.kind}" for s in stray})[:8]
        failures.append(f"{len(stray)} 5xx outside fault windows: {', '.join(kinds)}")
    if unsettled:
        failures.append(f"{unsettled} paid invoices did not settle")
    if not checked["orders"] or not checked["payments"].get("payments"):
        failures.append("no order was acknowledged and paid: the run proved nothing")
    failures += checked["problems"]
    return failures


def main() -> int:
    args = parse()

    def out_of_time(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the soak ran past its {args.limit:.0f} s limit")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(int(args.limit))
    topology = Topology(args.var_dir, webs=args.webs, overrides=OVERRIDES)
    hooks = Hooks(topology.ports.proxy + 2)
    hooks.start()
    try:
        say(f"starting the topology in {args.var_dir} ({args.webs} web processes)")
        topology.start()
        wait_http(topology.base_url + "/api/health", 90)
        say(f"up: proxy {topology.base_url}, replica: {topology.has_replica}")
        data = shopdata(topology, "seed", "--buyers", str(args.users), "--hook-url", hooks.url)
        wallet = Wallet(topology.node(), topology.node_lock)
        coins = min(3000, int(args.users * args.duration / 20) + 50)
        wallet.prepare(coins)
        say(f"seeded; wallet has {coins} coins; {args.users} users for {args.duration:.0f}s")
        stats, ledger, outcomes = asyncio.run(drive(args, topology, data, wallet))
        unsettled = settle(topology, ledger)
        (args.var_dir / "ledger.json").write_text(json.dumps(ledger.as_json()))
        checked = shopdata(topology, "verify", str(args.var_dir / "ledger.json"))
        hook_problems, hook_counts = wait_hooks(hooks, ledger)
        checked["problems"] += hook_problems
    finally:
        hooks.stop()
        signal.alarm(0)
        say("stopping the topology")
        topology.stop()
    print(table(stats))
    print(f"orders acknowledged {checked['orders']}, payments {checked['payments']}, "
          f"shipped {ledger.shipped}, once-per-order notices {checked['notices']}, "
          f"unpaid (wallet empty) {ledger.unpaid_wallet_empty}")
    print(f"webhooks: order.paid for {hook_counts['orders']} orders, {hook_counts['delivered']} "
          f"deliveries, {hook_counts['repeats']} repeated deliveries of the same event "
          "(at-least-once)")
    for o in outcomes:
        print(f"fault {o.name:<18} back in {o.recovery_s}s  {'PASS' if o.passed else 'FAIL'}"
              f"  {o.note}")
    failures = verdict(stats, outcomes, checked, unsettled)
    for line in failures:
        print(f"FAIL: {line}")
    print("soak: PASSED" if not failures else f"soak: FAILED ({len(failures)} problems)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
