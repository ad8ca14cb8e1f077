"""The fault schedule: each fault is injected, repaired as systemd or an operator would
(restart what stopped), and timed until the service is back, as a probe buyer sees it
through the proxy (a catalogue read and a cart write both answer 2xx) — or, for the
worker, until another worker holds the watcher's lease."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.soak.load import Shop
from tests.soak.topology import Topology

# A fault window lasts until the service is back plus this margin (requests in flight
# when it came back finish inside the window).
SETTLE_S = 3.0
BACK_WITHIN_S = 10.0
REPLICA_DOWN_S = 15.0
GIVE_UP_S = 60.0

FAULTS = ("postgres-restart", "replica-stop", "redis-restart", "leader-kill", "web-kill",
          "node-restart")


@dataclass
class Outcome:
    name: str
    recovery_s: float | None
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.recovery_s is not None and self.recovery_s <= BACK_WITHIN_S


async def probe_ok(shop: Shop, session: str, product_id: str) -> bool:
    status, _ = await shop.call("probe read", "GET", "/api/products?limit=5")
    if status != 200:
        return False
    status, _cart = await shop.call("probe write", "POST", "/api/cart", session,
                                   {"productId": product_id, "quantity": 1})
    if status != 201:
        return False
    await shop.call("probe write", "DELETE", "/api/cart", session)
    return True


async def chain_ok(shop: Shop) -> bool:
    _status, health = await shop.call("probe health", "GET", "/api/health")
    return bool(health) and health["data"]["components"].get("chain") == "ok"


async def wait_until(check: Callable[[], Awaitable[bool]], started: float,
                     timeout: float = GIVE_UP_S) -> float | None:
    while time.monotonic() - started < timeout:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.25)
    return None


class Faults:
    def __init__(self, topology: Topology, shop: Shop) -> None:
        self.topology = topology
        self.shop = shop
        probe = shop.data["probe"]
        self.session = probe["session"]
        self.product = shop.data["products"][0]["id"]

    async def served(self) -> bool:
        return await probe_ok(self.shop, self.session, self.product)

    async def run(self, name: str) -> Outcome:
        phase = self.shop.stats.begin(name, fault=True)
        started = time.monotonic()
        step: Callable[[float], Awaitable[Outcome]] = getattr(self, "_" + name.replace("-", "_"))
        outcome = await step(started)
        phase.recovery_s, phase.note = outcome.recovery_s, outcome.note
        end = time.monotonic() + SETTLE_S
        self.shop.stats.windows.append((started - 0.5, end))
        await asyncio.sleep(SETTLE_S)
        return outcome

    async def _postgres_restart(self, started: float) -> Outcome:
        await asyncio.to_thread(self.topology.restart_postgres)
        return Outcome("postgres-restart", await wait_until(self.served, started))

    async def _replica_stop(self, started: float) -> Outcome:
        if not self.topology.has_replica:
            return Outcome("replica-stop", None, "no replica in this topology (services.sh)")
        await asyncio.to_thread(self.topology.stop_replica)
        back = await wait_until(self.served, started)
        await asyncio.sleep(max(0.0, REPLICA_DOWN_S - (time.monotonic() - started)))
        reads_ok = await self.served()
        await asyncio.to_thread(self.topology.start_replica)
        note = "reads on the primary while it was down" if reads_ok else "reads failed"
        return Outcome("replica-stop", back if reads_ok else None, note)

    async def _redis_restart(self, started: float) -> Outcome:
        await asyncio.to_thread(self.topology.restart_redis)
        return Outcome("redis-restart", await wait_until(self.served, started))

    async def _leader_kill(self, started: float) -> Outcome:
        old = await asyncio.to_thread(self.topology.kill_leader_worker)
        took = await asyncio.to_thread(self.topology.wait_for_new_leader, old, GIVE_UP_S)
        return Outcome("leader-kill", took, f"lease taken over from {old}")

    async def _web_kill(self, started: float) -> Outcome:
        proc = self.topology.web_procs[0]
        before = len(proc.starts)
        self.topology.kill_web(0)
        back = await wait_until(self.served, started)
        restarted = await wait_until(self._restarted(proc, before), started)
        note = (f"{proc.name} restarted after {restarted:.1f}s" if restarted is not None
                else f"{proc.name} did not restart")
        return Outcome("web-kill", back, note)

    @staticmethod
    def _restarted(proc: object, before: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return len(proc.starts) > before and proc.alive()  # type: ignore[attr-defined]
        return check

    async def _node_restart(self, started: float) -> Outcome:
        await asyncio.to_thread(self.topology.restart_node)
        back = await wait_until(self.served, started)
        chain = await wait_until(lambda: chain_ok(self.shop), started)
        note = f"chain ok after {chain:.1f}s" if chain is not None else "chain not back"
        return Outcome("node-restart", None if back is None or chain is None
                       else max(back, chain), note)


def schedule(duration: float, faults: list[str]) -> list[tuple[float, str]]:
    """Faults spread evenly between 15% and 80% of the run (steady phases around them)."""
    if not faults:
        return []
    first, last = duration * 0.15, duration * 0.80
    step = (last - first) / max(1, len(faults) - 1) if len(faults) > 1 else 0
    return [(first + n * step, name) for n, name in enumerate(faults)]
