"""The production topology on one machine: HAProxy in front of N web processes, two
workers (one leads the chain watcher), PostgreSQL primary + streaming replica and Redis
(scripts/services.sh), and a regtest node (`manage.py regtest`). Web processes and workers
come from the shipped unit files, the proxy from the shipped haproxy.cfg (tests/deploy_units.py).

Faults are methods here; each returns once the fault is injected and repaired the way
systemd or an operator would (a restart), so the caller can time the recovery."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import LiteralString

import psycopg

from cryptoshop.chain.regtest import RegtestNode
from tests.deploy_units import ROOT, read_unit, render_haproxy
from tests.soak.noderelay import NodeRelay, restart_keeping_chain
from tests.soak.procs import Proc, Supervisor

SERVICES = ROOT / "scripts" / "services.sh"


def bindable(*ports: int) -> bool:
    """Free to listen on now. Ports inside the kernel's ephemeral range (PostgreSQL's and
    Redis's here) can be taken for a while by any process's outgoing connection."""
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def first_bindable(first: int, count: int, width: int = 1) -> int:
    for port in range(first, first + count - width + 1):
        if bindable(*range(port, port + width)):
            return port
    raise RuntimeError(f"no free port in {first}-{first + count - 1}")


@dataclass
class Ports:
    """The soak's own ports (HTTP 8800-8899, PostgreSQL 54350-54359 with the replica on
    the next one, Redis 63850-63859 by default)."""

    proxy: int = 8800
    stats: int = 8801
    first_web: int = 8810
    postgres: int = 54350
    redis: int = 63850

    def settle(self) -> None:
        """Move PostgreSQL and Redis to ports of their ranges that are free right now."""
        self.postgres = first_bindable(self.postgres, 10, width=2)
        self.redis = first_bindable(self.redis, 10)


@dataclass
class Topology:
    var_dir: Path
    webs: int = 2
    workers: int = 2
    ports: Ports = field(default_factory=Ports)
    with_node: bool = True
    with_replica: bool = True
    # Settings the load test needs on top of the units' (all buyers come from 127.0.0.1).
    overrides: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    supervisor: Supervisor = field(default_factory=Supervisor)
    web_procs: list[Proc] = field(default_factory=list)
    worker_procs: list[Proc] = field(default_factory=list)
    haproxy: Proc | None = None
    relay: NodeRelay | None = None
    # Held while the node restarts: nobody mines or broadcasts onto a half-restored chain.
    node_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.proxy}"

    @property
    def services_dir(self) -> Path:
        return self.var_dir / "services"

    @property
    def logs(self) -> Path:
        return self.var_dir / "logs"

    # -- bring-up ---------------------------------------------------------------------

    def start(self) -> None:
        if self.var_dir.exists():
            self._services("down", check=False)
            self._stop_node()
            shutil.rmtree(self.var_dir)
        self.logs.mkdir(parents=True)
        self.ports.settle()
        self.env = self._base_env()
        for line in self._services("up").splitlines():
            key, _, value = line.partition("=")
            if key in {"DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL"}:
                self.env[key] = value
        self.manage("migrate", "--noinput")
        if self.with_node:
            self.manage("regtest", "start")
            self._relay_node()
        web_unit = "cryptoshop-web@.service"
        for n in range(self.webs):
            unit = read_unit(web_unit, str(self.ports.first_web + n))
            self.web_procs.append(self.supervisor.add(Proc.from_unit(unit, self.env, self.logs)))
        for n in range(1, self.workers + 1):
            unit = read_unit("cryptoshop-worker@.service", str(n))
            self.worker_procs.append(self.supervisor.add(Proc.from_unit(unit, self.env,
                                                                         self.logs)))
        self.haproxy = self.supervisor.add(self._haproxy_proc())
        self.supervisor.start()

    def _relay_node(self) -> None:
        """The shop reaches the node through the relay (noderelay.py), by its RPC settings
        as a real shop would be configured, not through the regtest state file."""
        state = self.node().state
        self.relay = NodeRelay(state.rpc_port, range(self.ports.proxy + 3, self.ports.proxy + 10))
        self.env.update({"CRYPTOSHOP_CHAIN_BACKEND": "rpc",
                         "CRYPTOSHOP_RPC_URL": f"http://127.0.0.1:{self.relay.port}",
                         "CRYPTOSHOP_RPC_USER": state.rpc_user,
                         "CRYPTOSHOP_RPC_PASSWORD": state.rpc_password})

    def _base_env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("CRYPTOSHOP_", "DATABASE_", "DJANGO_")) and k != "REDIS_URL"}
        return {**keep, "CRYPTOSHOP_VAR_DIR": str(self.var_dir),
                "DJANGO_SETTINGS_MODULE": "config.settings", "CRYPTOSHOP_LOG_LEVEL": "WARNING",
                "CRYPTOSHOP_FIXED_RATES": "USD:65000,EUR:60000", **self.overrides}

    def _haproxy_proc(self) -> Proc:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        config = self._write_haproxy_cfg(self.webs)
        # -db: stay in the foreground (the supervisor watches it), -W: master-worker.
        return Proc("haproxy", [binary, "-W", "-db", "-f", str(config)], self.env,
                    self.logs / "haproxy.log", restart_sec=0.5)

    def _write_haproxy_cfg(self, webs: int) -> Path:
        config = self.var_dir / "haproxy.cfg"
        ports = [self.ports.first_web + n for n in range(webs)]
        config.write_text(render_haproxy(ports, self.ports.proxy, self.ports.stats))
        return config

    def route_to(self, webs: int) -> None:
        """Send the proxy's traffic to the first ``webs`` web processes only (benchmarks):
        a new config, and HAProxy started again on it (the supervisor restarts it)."""
        assert self.haproxy is not None
        self._write_haproxy_cfg(webs)
        starts = len(self.haproxy.starts)
        self.haproxy.kill(signal.SIGTERM)
        while len(self.haproxy.starts) == starts or not self.haproxy.alive():
            time.sleep(0.1)

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _services(self, *args: str, check: bool = True) -> str:
        env = {**os.environ, "CRYPTOSHOP_SERVICES_DIR": str(self.services_dir),
               "CRYPTOSHOP_TEST_PG_PORT": str(self.ports.postgres),
               "CRYPTOSHOP_TEST_REDIS_PORT": str(self.ports.redis),
               "CRYPTOSHOP_WITH_REPLICA": "1" if self.with_replica else "0"}
        done = subprocess.run(["bash", str(SERVICES), *args], env=env,
                              capture_output=True, text=True, timeout=180, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"services.sh {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def node(self) -> RegtestNode:
        return RegtestNode.attach(self.var_dir / "regtest")

    def _stop_node(self) -> None:
        if self.with_node and RegtestNode.has_state(self.var_dir / "regtest"):
            node = self.node()
            if node.is_running():
                node.stop()

    def stop(self) -> None:
        self.supervisor.stop()
        if self.relay is not None:
            self.relay.close()
        self._stop_node()
        self._services("down", check=False)

    # -- what is where ----------------------------------------------------------------

    @property
    def has_replica(self) -> bool:
        return "DATABASE_REPLICA_URL" in self.env

    def sql(self, query: LiteralString, params: tuple[object, ...] = ()
            ) -> list[tuple[object, ...]]:
        url = self.env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())

    def leader(self) -> str:
        rows = self.sql("SELECT leader, lease_until > now() FROM payments_watcherstate "
                        "WHERE name = 'chain'")
        return str(rows[0][0]) if rows and rows[0][1] else ""

    def leader_proc(self) -> Proc | None:
        holder = self.leader()
        pid = holder.rpartition(":")[2]
        return next((p for p in self.worker_procs if str(p.pid) == pid), None)

    # -- faults (each returns when the repair was started) ----------------------------

    def _pg_ctl(self, *args: str) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                      key=lambda p: int(p.parts[-3]))
        argv = [str(bins[-1]), "-D", str(self.services_dir / "pg"), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        # No pipes: a server started here would hold them open (and us waiting) for good.
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60, check=True)

    def restart_postgres(self) -> None:
        """Stop the primary (fast: connections are cut) and start it as services.sh does."""
        self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")
        self._services("up")

    def stop_replica(self) -> None:
        self._services("replica-stop")

    def start_replica(self) -> None:
        self._services("replica-start")

    def restart_redis(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.ports.redis), "shutdown", "nosave"],
                       capture_output=True, timeout=10, check=False)
        self._services("up")  # starts what is down, leaves the rest

    def kill_leader_worker(self) -> str:
        proc = self.leader_proc()
        if proc is None:
            raise RuntimeError(f"no worker holds the lease ({self.leader()!r})")
        holder = self.leader()
        proc.kill(signal.SIGKILL)
        return holder

    def kill_web(self, index: int = 0) -> None:
        self.web_procs[index].kill(signal.SIGKILL)

    def restart_node(self) -> None:
        assert self.relay is not None
        restart_keeping_chain(self.node(), self.relay, self.node_lock)

    def mine(self, blocks: int) -> None:
        with self.node_lock:
            self.node().mine(blocks)

    def wait_for_new_leader(self, old: str, timeout: float) -> float | None:
        """Seconds until a holder other than ``old`` has the lease (None: not in time)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                now = self.leader()
            except psycopg.Error:
                now = ""
            if now and now != old:
                return time.monotonic() - started
            time.sleep(0.2)
        return None
