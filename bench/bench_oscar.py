"""Side by side with django-oscar: ``python bench/bench_oscar.py`` (part of ``make bench``).

The same 100,000-item catalogue in both shops, served the same way, loaded in one run:

- CryptoShop: bench_shop.py's data (``bench_shop.py --prepare N``: the demo shop plus N
  bulk-inserted listings), served by ``manage.py serve`` (uvicorn, Django as WSGI in an
  8-thread pool, config/asgi.py);
- django-oscar 4.2.1 (bench/oscar_site/: oscar's default apps and middleware, SQLite, a
  Whoosh index because haystack's simple backend can't browse or filter): N products from
  the same word lists, seed and title pattern, in the same leaf categories (read from our
  database, assigned round-robin like ours), served by uvicorn with the same a2wsgi pool
  (bench/oscar_site/asgi.py). Oscar and its dependencies live in a throwaway venv under
  <var dir>/bench/oscar-venv (bench/_benchenv.py), never in CryptoShop's.

Pages: a product page, the first page of the newest-first listing, a category page and a
search for a word both catalogues hold ("wallet"). Both servers run at once; wrk (64
connections) loads the pages in interleaved rounds (ours, oscar, ours, …) so a busy moment
of the shared machine hits both alike. Printed: req/s and p99 per page and shop, and the
ratio ours/oscar, plus each page's latency alone (one request at a time).

Both built catalogues are cached under <var dir>/bench/ keyed by size and by what built
them (ours: bench_shop.py and our migrations; oscar's: its loader and our category tree),
since oscar's build takes 10-20 minutes at 100,000 products on a busy 2-core machine.
Options: --products N (100000), --rounds R (3), --duration S (8; longer for slow pages,
up to --max-duration, 30), --connections C (64), --rebuild.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _benchenv import PY, ROOT, bench_dir, ensure_venv, free_port, http_get, wait_for
from bench_shop import WRK_LUA, load

BENCH = Path(__file__).resolve().parent
OSCAR_PINS = ["django-oscar==4.2.1", "sorl-thumbnail==13.4.0", "Whoosh==2.7.4",
              # The same Django and server as CryptoShop's requirements.lock.
              "Django==5.2.19", "uvicorn==0.54.0", "uvloop==0.23.0", "httptools==0.9.0",
              "a2wsgi==1.10.10"]
SEARCH_WORD = "wallet"


def _cs_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"CRYPTOSHOP_BENCH": "1", "DJANGO_DEBUG": "0", "PYTHONHASHSEED": "0",
                "CRYPTOSHOP_LOG_LEVEL": "WARNING", "CRYPTOSHOP_DEMO_DATA": "0",
                "CRYPTOSHOP_VAR_DIR": str(var_dir)})
    return env


def _cs_key(n: int) -> str:
    """Our cached catalogue is rebuilt when the generator or a migration changes."""
    digest = hashlib.sha256((BENCH / "bench_shop.py").read_bytes())
    for migration in sorted(ROOT.glob("cryptoshop/*/migrations/0*.py")):
        digest.update(migration.relative_to(ROOT).as_posix().encode())
    return f"cs-data-{n}-{digest.hexdigest()[:12]}"


def _built(final: Path, build: Any) -> dict[str, Any]:
    """``build(tmp_dir)`` once into a temporary directory renamed when complete; the JSON
    it returned is kept beside the data."""
    ready = final / "ready.json"
    if ready.is_file():
        return dict(json.loads(ready.read_text()))
    tmp = final.with_name(final.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    info = build(tmp)
    (tmp / "ready.json").write_text(json.dumps(info))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return dict(info)


def cs_catalogue(n: int) -> tuple[Path, dict[str, Any]]:
    for old in bench_dir().glob(f"cs-data-{n}-*"):
        if old.name != _cs_key(n):
            shutil.rmtree(old, ignore_errors=True)
    final = bench_dir() / _cs_key(n)

    def build(tmp: Path) -> dict[str, Any]:
        print(f"building CryptoShop's {n:,}-listing catalogue in {tmp} …", flush=True)
        out = subprocess.run(  # noqa: S603 (bench_shop.py's own data builder)
            [PY, str(BENCH / "bench_shop.py"), "--prepare", str(n)], env=_cs_env(tmp),
            cwd=ROOT, capture_output=True, text=True, timeout=3600)
        if out.returncode != 0:
            raise RuntimeError(f"bench_shop.py --prepare failed:\n{out.stderr[-4000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    info = _built(final, build)
    return final, info


def _cs_paths(var_dir: Path) -> dict[str, Any]:
    """Pages to load in our shop, and our leaf categories in bench_shop.py's order."""
    with sqlite3.connect(var_dir / "cryptoshop.sqlite3") as db:
        tree = db.execute(
            "SELECT p.name, p.slug, c.name, c.slug FROM catalog_category c "
            "JOIN catalog_category p ON p.id = c.parent_id WHERE NOT c.prohibited "
            "ORDER BY c.position, c.name").fetchall()
        # A bulk-inserted listing (not a hand-made demo one), the 500th visible by id,
        # as oscar's sample is its 500th public product.
        public_id, slug = db.execute(
            "SELECT l.public_id, l.slug FROM catalog_listing l "
            "JOIN stores_store s ON s.id = l.store_id "
            "WHERE l.status = 'active' AND NOT l.blocked AND s.slug LIKE 'bench-store-%' "
            "ORDER BY l.id LIMIT 1 OFFSET 500").fetchone()
    return {"tree": [list(row) for row in tree],
            "product": f"/l/{public_id}/{slug}/", "category": f"/c/{tree[0][3]}/"}


def _oscar_key(n: int, tree: list[list[str]]) -> str:
    """Oscar's cached catalogue is rebuilt when the loader or our category tree changes."""
    digest = hashlib.sha256((BENCH / "oscar_site" / "load.py").read_bytes())
    digest.update(json.dumps(tree).encode())
    return f"oscar-data-{n}-{digest.hexdigest()[:12]}"


def oscar_catalogue(python: Path, n: int, tree: list[list[str]]) -> tuple[Path, dict[str, Any]]:
    final = bench_dir() / _oscar_key(n, tree)
    for old in bench_dir().glob(f"oscar-data-{n}*"):
        if old != final:  # an older build (~10 minutes of indexing each): drop it
            shutil.rmtree(old, ignore_errors=True)

    def build(tmp: Path) -> dict[str, Any]:
        print(f"building oscar's {n:,}-product catalogue and Whoosh index in {tmp} "
              f"(~{n / 230 / 60:.0f} min of indexing) …", flush=True)
        categories = tmp / "categories.json"
        categories.write_text(json.dumps(tree))
        out = subprocess.run(  # noqa: S603 (the oscar venv's python, our loader)
            [str(python), "-m", "oscar_site.load", str(n), str(categories)],
            env=_oscar_env(tmp), cwd=BENCH, capture_output=True, text=True, timeout=7200)
        if out.returncode != 0:
            raise RuntimeError(f"oscar_site.load failed:\n{out.stderr[-4000:]}")
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))

    info = _built(final, build)
    # The index and database were built in the temporary directory: same relative layout.
    return final, info


def _oscar_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}}
    env.update({"OSCAR_BENCH_DIR": str(data_dir), "PYTHONHASHSEED": "0",
                "DJANGO_SETTINGS_MODULE": "oscar_site.settings"})
    return env


def _start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(  # noqa: S603 (loopback servers of this benchmark)
            cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _alone_ms(url: str) -> float:
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        status, _body = http_get(url)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"{url}: HTTP {status}")
    return statistics.median(times[2:])


def drain(probe: str, limit_s: float = 600) -> None:
    """Wait until ``probe`` (a cheap page) answers quickly again: the server is idle."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        try:
            http_get(probe)
        except OSError:  # timed out: still busy
            continue
        if time.perf_counter() - t0 < 0.25:
            return
        time.sleep(0.5)
    print(f"  warning: {probe} still slow after {limit_s:.0f} s", flush=True)


def measure(urls: dict[tuple[str, str], str], probes: dict[str, str],
            args: argparse.Namespace, lua: Path) -> dict[tuple[str, str], dict[str, Any]]:
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in urls}
    alone = {key: _alone_ms(url) for key, url in urls.items()}
    # Long enough for every connection to finish a few requests of the slower shop's page
    # (as bench_shop.py does), at most --max-duration; both shops get the same time per page.
    slower_ms = {page: max(alone[(page, "ours")], alone[(page, "oscar")]) for page in PAGES}
    durations = {page: int(min(args.max_duration, max(
        args.duration, 3 * args.connections * slower_ms[page] / 1000))) for page in PAGES}
    # The alone requests warmed every page up. Between loads, wait for the server to
    # finish what wrk left in flight: a thread keeps working on a request whose client
    # has gone (WSGI can't tell), so 64 slow requests left behind would eat the next
    # page's time (the first version of this benchmark measured 0 req/s that way).
    for round_no in range(args.rounds):
        for key, url in urls.items():
            drain(probes[key[1]])
            runs[key].append(load(url, durations[key[0]], args.connections, lua))
        print(f"  round {round_no + 1}/{args.rounds} done", flush=True)
    return {key: {"rps": statistics.median(r["rps"] for r in rs),
                  "p99_ms": statistics.median(r["p99_ms"] for r in rs),
                  "errors": [r["errors"] for r in rs if r["errors"]],
                  "rounds": [round(r["rps"], 1) for r in rs], "alone_ms": alone[key],
                  "duration_s": durations[key[0]]}
            for key, rs in runs.items()}


PAGES = ["product page", "newest listing, page 1", "category page", f"search ?q={SEARCH_WORD}"]


def report(s: dict[tuple[str, str], dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\n== side by side, {args.products:,} items, {args.connections} connections, "
          f"median of {args.rounds} interleaved rounds ==")
    print(f"  {'page':<24} {'CryptoShop req/s (p99)':>24} {'oscar req/s (p99)':>22} "
          f"{'ours/oscar':>10}   alone: ours / oscar")
    for page in PAGES:
        ours, oscar = s[(page, "ours")], s[(page, "oscar")]
        errs = (f"  errors: ours {ours['errors']}, oscar {oscar['errors']}"
                if ours["errors"] or oscar["errors"] else "")
        ratio = f"{ours['rps'] / oscar['rps']:9.2f}×" if oscar["rps"] else "        —"
        print(f"  {page:<24} {ours['rps']:10.1f} ({ours['p99_ms']:8.1f} ms) "
              f"{oscar['rps']:9.1f} ({oscar['p99_ms']:8.1f} ms) "
              f"{ratio}   "
              f"{ours['alone_ms']:.1f} / {oscar['alone_ms']:.1f} ms, {ours['duration_s']} s{errs}")
    print("  per round (req/s):",
          json.dumps({f"{k[0]}/{k[1]}": v["rounds"] for k, v in s.items()}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--max-duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rebuild", action="store_true", help="rebuild both catalogues")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        print("note: wrk not found (apt-get install wrk); using the slower asyncio client")
    if args.rebuild:
        for old in [*bench_dir().glob(f"cs-data-{args.products}-*"),
                    *bench_dir().glob(f"oscar-data-{args.products}-*")]:
            shutil.rmtree(old, ignore_errors=True)
    python = ensure_venv("oscar-venv", OSCAR_PINS)
    cs_dir, cs_info = cs_catalogue(args.products)
    paths = _cs_paths(cs_dir)
    oscar_dir, oscar_info = oscar_catalogue(python, args.products, paths["tree"])
    print(f"CryptoShop: {cs_info['listings']:,} listings ({cs_info['visible']:,} visible); "
          f"oscar: {oscar_info['products']:,} products")
    cs_port, oscar_port = free_port(), free_port()
    procs = []
    try:
        procs.append(_start([PY, "manage.py", "serve", "--no-jobs", "--host", "127.0.0.1",
                             "--port", str(cs_port)], _cs_env(cs_dir), ROOT,
                            cs_dir / "server.log"))
        procs.append(_start(
            [str(python), "-m", "uvicorn", "--no-access-log", "--log-level", "warning",
             "--lifespan", "off", "--host", "127.0.0.1", "--port", str(oscar_port),
             "oscar_site.asgi:application"], _oscar_env(oscar_dir), BENCH,
            oscar_dir / "server.log"))
        cs, oscar = f"http://127.0.0.1:{cs_port}", f"http://127.0.0.1:{oscar_port}"
        wait_for(cs + "/bench/trivial")
        wait_for(oscar + "/catalogue/")
        ours = [paths["product"], "/search/", paths["category"], f"/search/?q={SEARCH_WORD}"]
        theirs = [oscar_info["product_path"], "/catalogue/?sort_by=newest",
                  oscar_info["category_path"], f"/search/?q={SEARCH_WORD}"]
        urls: dict[tuple[str, str], str] = {}
        for page, mine, other in zip(PAGES, ours, theirs, strict=True):
            urls[(page, "ours")] = cs + mine
            urls[(page, "oscar")] = oscar + other
        print("pages:", json.dumps({f"{k[0]}/{k[1]}": v for k, v in urls.items()}))
        with tempfile.TemporaryDirectory(prefix="cs-bench-oscar-") as tmp:
            lua = Path(tmp) / "report.lua"
            lua.write_text(WRK_LUA)
            probes = {"ours": cs + "/bench/trivial", "oscar": urls[(PAGES[0], "oscar")]}
            report(measure(urls, probes, args, lua), args)
    finally:
        _stop(procs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
