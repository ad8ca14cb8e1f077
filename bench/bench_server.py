"""The server's own ceiling: ``python bench/bench_server.py`` (part of ``make bench``).

CryptoShop's trivial view (/bench/trivial: the whole middleware stack, no work) against a
bare Django hello view (bench/hello_site.py: no apps, no middleware, no database) under the
same servers, each one process:

- ``uvicorn, Django ASGI``: what ``manage.py serve`` ran before ADR 16 (Django's ASGI
  handler behind Socket.IO; bench/cs_apps.py);
- ``uvicorn + a2wsgi``: what ``manage.py serve`` runs now (config/asgi.py): the same
  uvicorn and Socket.IO app, Django run as WSGI in a thread pool;
- ``gunicorn gthread``: WSGI, one process, 8 threads (pages and API only);
- ``granian WSGI``: WSGI in a Rust HTTP server, one process (pages and API only).

All servers run at once; wrk (64 connections) loads them in interleaved rounds, so a busy
moment of the shared machine hits every arrangement alike. Then, in-process (no server,
no sockets), what each middleware adds to one request: the stack without it against the
whole stack, best of several batches.

The servers under comparison are installed (pinned, cached) under <var dir>/bench/servers
by bench/_benchenv.py; they are not CryptoShop dependencies. Options: --rounds N (3),
--duration S (5), --connections C (64), --no-profile, --only-profile.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchenv import PY, ROOT, bench_dir, ensure_lib, free_port, wait_for
from bench_shop import WRK_LUA, load

SERVER_PINS = ["gunicorn==27.0.1", "a2wsgi==1.10.10", "granian==2.8.9"]
THREADS = 8
PATH = "/bench/trivial"


def _commands(kind: str, app: str, port: int) -> list[str]:
    """The command serving ``app`` ("cs" or "bare") under server ``kind``."""
    module = {"cs": "cs_apps", "bare": "hello_site"}[app]
    bind = ["--host", "127.0.0.1", "--port", str(port)]
    uvicorn = [PY, "-m", "uvicorn", "--app-dir", "bench", "--no-access-log",
               "--log-level", "warning", *bind]
    if kind == "uvicorn, Django ASGI":
        if app == "cs":
            return [*uvicorn, "--lifespan", "on", "cs_apps:django_asgi_app"]
        return [*uvicorn, "--lifespan", "off", "hello_site:asgi_app"]
    if kind == "uvicorn + a2wsgi":
        if app == "cs":  # exactly what ships
            return [PY, "manage.py", "serve", "--no-jobs", *bind]
        return [*uvicorn, "--lifespan", "off", "hello_site:hybrid_app"]
    if kind == "gunicorn gthread":
        return [PY, "-m", "gunicorn", "--chdir", "bench", "-k", "gthread", "-w", "1",
                "--threads", str(THREADS), "--log-level", "warning",
                "-b", f"127.0.0.1:{port}", f"{module}:wsgi_app"]
    if kind == "granian WSGI":
        return [PY, "-m", "granian", "--interface", "wsgi", "--workers", "1",
                "--blocking-threads", str(THREADS), "--no-access-log",
                "--log-level", "warning", "--working-dir", "bench", *bind,
                f"{module}:wsgi_app"]
    raise ValueError(kind)


KINDS = ["uvicorn, Django ASGI", "uvicorn + a2wsgi", "gunicorn gthread", "granian WSGI"]


def _site_env(lib: Path, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"CRYPTOSHOP_BENCH": "1", "DJANGO_DEBUG": "0", "PYTHONHASHSEED": "0",
                "CRYPTOSHOP_LOG_LEVEL": "WARNING", "CRYPTOSHOP_DEMO_DATA": "0",
                "CRYPTOSHOP_VAR_DIR": str(var_dir),
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench"), str(lib)])})
    return env


def _prepare_site(env: dict[str, str]) -> None:
    """A migrated SQLite database (the trivial view reads nothing, but the shop checks)."""
    marker = Path(env["CRYPTOSHOP_VAR_DIR"]) / ".migrated"
    if not marker.exists():
        subprocess.run([PY, "manage.py", "migrate", "--verbosity", "0"],  # noqa: S603
                       env=env, cwd=ROOT, check=True, timeout=600)
        marker.touch()


def run_servers(args: argparse.Namespace, lua: Path, env: dict[str, str],
                logs: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    procs: dict[tuple[str, str], tuple[subprocess.Popen[bytes], str]] = {}
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    try:
        for kind in KINDS:
            for app in ("cs", "bare"):
                port = free_port()
                app_env = dict(env)
                if app == "bare":
                    app_env["DJANGO_SETTINGS_MODULE"] = "hello_site"
                log = (logs / f"{kind.split()[0]}-{app}.log").open("w")
                proc = subprocess.Popen(  # noqa: S603 (loopback servers of this benchmark)
                    _commands(kind, app, port), env=app_env, cwd=ROOT, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True)
                procs[(kind, app)] = (proc, f"http://127.0.0.1:{port}{PATH}")
        for key, (_proc, url) in procs.items():
            wait_for(url)
            load(url, 1, args.connections, lua)  # warm-up
            results[key] = []
        for round_no in range(args.rounds):
            for key, (_proc, url) in procs.items():
                results[key].append(load(url, args.duration, args.connections, lua))
            print(f"  round {round_no + 1}/{args.rounds} done", flush=True)
    finally:
        for proc, _url in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc, _url in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return results


def _summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {"rps": statistics.median(r["rps"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(1 for r in runs if r["errors"])}


def report(results: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
    s = {key: _summary(runs) for key, runs in results.items()}
    base_cs, base_bare = s[(KINDS[0], "cs")]["rps"], s[(KINDS[0], "bare")]["rps"]
    print("\n== trivial view, req/s at 64 connections (median of rounds; p50 / p99 ms) ==")
    print(f"  {'server':<20} {'CryptoShop':>30} {'bare Django':>30} {'ours/bare':>9} "
          f"{'vs Django ASGI':>15}")
    for kind in KINDS:
        cs, bare = s[(kind, "cs")], s[(kind, "bare")]
        errs = " (errors in some rounds)" if cs["errors"] or bare["errors"] else ""
        print(f"  {kind:<20} {cs['rps']:8.0f} ({cs['p50_ms']:6.1f} / {cs['p99_ms']:6.1f}) "
              f"{bare['rps']:11.0f} ({bare['p50_ms']:6.1f} / {bare['p99_ms']:6.1f}) "
              f"{cs['rps'] / bare['rps']:8.2f}× {cs['rps'] / base_cs:13.2f}× "
              f"(bare {bare['rps'] / base_bare:.2f}×){errs}")
    shipped = s[(KINDS[1], "cs")]["rps"]
    print(f"  what `serve` ships (uvicorn + a2wsgi) against what it ran before (Django ASGI): "
          f"{shipped / base_cs:.2f}× the trivial view's req/s")
    for kind in KINDS[2:]:
        print(f"  {kind} against what `serve` ships: {s[(kind, 'cs')]['rps'] / shipped:.2f}× "
              "(no Socket.IO in that process)")
    per_round = {key: [round(r["rps"]) for r in runs] for key, runs in results.items()}
    print("  per round:", json.dumps({f"{k[0]}/{k[1]}": v for k, v in per_round.items()}))


# --- in-process middleware profile (child process with the shop's settings) ---------------

def _environ() -> dict[str, Any]:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0)}


def _per_request_us(handlers: list[Any], n: int = 1000, batches: int = 7) -> list[float]:
    """Best CPU time per request of each handler (this thread's CPU time, so other work on
    a shared machine doesn't count), batches interleaved."""
    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        assert status.startswith("200"), status

    best = [float("inf")] * len(handlers)
    for _ in range(batches):
        for i, handler in enumerate(handlers):
            t0 = time.thread_time()
            for _ in range(n):
                response = handler(_environ(), start_response)
                response.close()
            best[i] = min(best[i], (time.thread_time() - t0) / n * 1e6)
    return best


def profile_middleware() -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    # Stacks of growing length: each middleware's cost is what adding it to the ones before
    # it adds (removing one instead would break the ones that need it: auth needs sessions).
    full = list(settings.MIDDLEWARE)
    handlers = []
    for k in range(len(full) + 1):
        settings.MIDDLEWARE = full[:k]
        handlers.append(WSGIHandler())  # reads the stack when made
    settings.MIDDLEWARE = full
    times = _per_request_us(handlers)
    costs = {name: times[k + 1] - times[k] for k, name in enumerate(full)}
    return {"whole_us": times[-1], "no_middleware_us": times[0], "costs_us": costs}


def profile_bare() -> float:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "hello_site"
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    return _per_request_us([WSGIHandler()])[0]


def run_profile(env: dict[str, str]) -> None:
    script = Path(__file__).resolve()
    shop = json.loads(subprocess.run(  # noqa: S603 (this script, re-run)
        [PY, str(script), "--profile-child", "cs"], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=600).stdout.splitlines()[-1])
    bare = json.loads(subprocess.run(  # noqa: S603 (this script, re-run)
        [PY, str(script), "--profile-child", "bare"], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=600).stdout.splitlines()[-1])
    print("\n== one request in-process (WSGI handler, no server), µs of CPU, best of 7 × 1,000 ==")
    print(f"  bare Django hello view        {bare:8.1f}")
    print(f"  CryptoShop, no middleware     {shop['no_middleware_us']:8.1f}  "
          f"({shop['no_middleware_us'] / bare:.2f}× bare: URL resolution, signals, settings)")
    print(f"  CryptoShop, whole stack       {shop['whole_us']:8.1f}  "
          f"({shop['whole_us'] / bare:.2f}× bare)")
    print("  what each middleware adds to the ones above it, in stack order:")
    for name, cost in shop["costs_us"].items():
        print(f"    {cost:7.1f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--only-profile", action="store_true")
    parser.add_argument("--profile-child", choices=["cs", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_child == "cs":
        print(json.dumps(profile_middleware()))
        return 0
    if args.profile_child == "bare":
        print(json.dumps(profile_bare()))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lib = ensure_lib("servers", SERVER_PINS)
    env = _site_env(lib, bench_dir() / "server-site")
    _prepare_site(env)
    print(f"Server ceiling: {PATH}, {args.connections} connections, {args.rounds} interleaved "
          f"rounds of {args.duration} s per server, each server one process")
    if not args.only_profile:
        with tempfile.TemporaryDirectory(prefix="cs-bench-server-") as tmp:
            lua = Path(tmp) / "report.lua"
            lua.write_text(WRK_LUA)
            report(run_servers(args, lua, env, bench_dir()))
    if not args.no_profile:
        run_profile(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
