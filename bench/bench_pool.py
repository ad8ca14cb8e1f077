"""Connection pooling (ADR 18): ``python bench/bench_pool.py``.

A PostgreSQL of its own with max_connections=50 (scripts/services.sh, in <var dir>/bench/
pool-services) and one ``manage.py serve`` with 200 request threads, so a burst can want
more connections than the server allows. Three arrangements, each the same server:

- ``no pool``: a new connection per request (CRYPTOSHOP_DB_POOL=off, what ran before);
- ``psycopg pool``: Django's OPTIONS["pool"], max_size 20 per process (the default now);
- ``pgbouncer``: no pool in Django, PgBouncer in transaction mode with 20 server
  connections in front of PostgreSQL (when the Debian package is installed).

For each: a burst of --burst clients (300) released at once, one request each to a view
that holds a database connection for 200 ms (/bench/db-hold), counted by status; then wrk
at 32 connections for --duration seconds on the same view (req/s, p99). Rounds
interleave the arrangements; the machine may be shared, so compare figures of one run.
Ports: CRYPTOSHOP_BENCH_PORTS for the servers; PostgreSQL 54343, PgBouncer 54345.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchenv import PY, ROOT, bench_dir, free_port, wait_for
from bench_shop import WRK_LUA, load

PG_PORT, BOUNCER_PORT = 54343, 54345
MAX_CONNECTIONS, POOL_SIZE = 50, 20
PATH = "/bench/db-hold"  # holds a connection 200 ms, as a slow page's query would


def services(command: str, services_dir: Path) -> dict[str, str]:
    env = {**os.environ, "CRYPTOSHOP_SERVICES_DIR": str(services_dir),
           "CRYPTOSHOP_TEST_PG_PORT": str(PG_PORT), "CRYPTOSHOP_TEST_REDIS_PORT": "63842",
           "CRYPTOSHOP_PG_MAX_CONNECTIONS": str(MAX_CONNECTIONS), "CRYPTOSHOP_WITH_REPLICA": "0"}
    out = subprocess.run(["bash", "scripts/services.sh", command], env=env, cwd=ROOT,  # noqa: S603, S607
                         check=True, capture_output=True, text=True, timeout=300).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def start_pgbouncer(work: Path) -> subprocess.Popen[bytes] | None:
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer"
                                           if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        print("pgbouncer is not installed (scripts/ensure-packages.sh bench): skipped")
        return None
    ini = work / "pgbouncer.ini"
    ini.write_text(f"""[databases]
* = host=127.0.0.1 port={PG_PORT} user=cryptoshop
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {BOUNCER_PORT}
auth_type = any
pool_mode = transaction
default_pool_size = {POOL_SIZE}
max_client_conn = 2000
ignore_startup_parameters = extra_float_digits,options
unix_socket_dir =
""")
    command = [binary, str(ini)]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(work, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    proc = subprocess.Popen(command, stdout=(work / "pgbouncer.log").open("w"),  # noqa: S603
                            stderr=subprocess.STDOUT, start_new_session=True)
    time.sleep(1)
    return proc


def serve(name: str, database_url: str, pool: bool, var_dir: Path, logs: Path,
          threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL"}}
    env.update({"DATABASE_URL": database_url, "CRYPTOSHOP_DB_POOL": "on" if pool else "off",
                "CRYPTOSHOP_DB_POOL_MAX_SIZE": str(POOL_SIZE), "CRYPTOSHOP_DB_POOL_TIMEOUT": "30",
                "CRYPTOSHOP_WEB_THREADS": str(threads), "CRYPTOSHOP_VAR_DIR": str(var_dir),
                "CRYPTOSHOP_LOG_LEVEL": "ERROR", "CRYPTOSHOP_CHAIN_BACKEND": "none",
                "DJANGO_DEBUG": "0", "CRYPTOSHOP_DEMO_DATA": "0", "CRYPTOSHOP_BENCH": "1"})
    log = (logs / f"{name.replace(' ', '-')}.log").open("w")
    proc = subprocess.Popen([PY, "manage.py", "serve", "--no-jobs", "--port", str(port)],  # noqa: S603
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def burst(url: str, clients: int) -> tuple[Counter[str], float]:
    """clients requests released at once; their outcomes and the time until the last."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def one() -> None:
        start.wait()
        try:
            with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - loopback
                outcome = str(answer.status)
        except urllib.error.HTTPError as exc:
            outcome = str(exc.code)
        except OSError as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--path", default=PATH, help="the view to load (/api/health: one "
                        "quick query, to see what a new connection per request costs)")
    parser.add_argument("--threads", type=int, default=200,
                        help="request threads of the server (CRYPTOSHOP_WEB_THREADS)")
    args = parser.parse_args()
    work = bench_dir() / "pool"
    work.mkdir(parents=True, exist_ok=True)
    env_lines = services("up", work / "services")
    primary = env_lines["DATABASE_URL"]
    subprocess.run([PY, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, check=True,  # noqa: S603
                   env={**os.environ, "DATABASE_URL": primary, "CRYPTOSHOP_VAR_DIR": str(work)},
                   timeout=600)
    logs = Path(tempfile.mkdtemp(prefix="bench-pool-"))
    bouncer = start_pgbouncer(work)
    arrangements = [("no pool", primary, False), ("psycopg pool", primary, True)]
    if bouncer is not None:
        arrangements.append(("pgbouncer", primary.replace(f":{PG_PORT}/", f":{BOUNCER_PORT}/"),
                             False))
    try:
        results = run(arrangements, args, work, logs)
    finally:
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait(timeout=30)
        services("down", work / "services")
    report(results, args)


def run(arrangements: list[tuple[str, str, bool]], args: argparse.Namespace, work: Path,
        logs: Path) -> dict[str, list[dict[str, Any]]]:
    lua = logs / "report.lua"
    lua.write_text(WRK_LUA)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in arrangements}
    for round_no in range(args.rounds):
        for name, url, pool in arrangements:
            proc, target = serve(name, url, pool, work, logs, args.threads)
            try:
                wait_for(target + "/bench/trivial")
                outcomes, seconds = burst(target + args.path, args.burst)
                figures = load(target + args.path, args.duration, 32, lua)
                results[name].append({"burst": outcomes, "burst_s": seconds, **figures})
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        print(f"  round {round_no + 1}/{args.rounds} done (logs in {logs})", flush=True)
    return results


def report(results: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    print(f"\n{args.path}: burst of {args.burst} clients at once against "
          f"max_connections={MAX_CONNECTIONS}, {args.threads} server threads; "
          f"then wrk, 32 connections, {args.duration} s")
    print(f"{'arrangement':<14} {'burst outcomes (per round)':<44} {'burst s':>8} "
          f"{'req/s':>10} {'p99 ms':>8} {'non-2xx':>8}")
    for name, rounds in results.items():
        outcomes = "; ".join(", ".join(f"{k}×{v}" for k, v in sorted(r["burst"].items()))
                             for r in rounds)
        seconds = "/".join(f"{r['burst_s']:.1f}" for r in rounds)
        rps = "/".join(f"{r['rps']:.0f}" for r in rounds)
        p99 = "/".join(f"{r['p99_ms']:.0f}" for r in rounds)
        bad = "/".join(str(r["errors"]) for r in rounds)
        print(f"{name:<14} {outcomes:<44} {seconds:>8} {rps:>10} {p99:>8} {bad:>8}")


if __name__ == "__main__":
    main()
