"""Marketplace benchmark: ``python bench/bench_shop.py`` (part of ``make bench``).

With 100,000 listings bulk-inserted into a throwaway database (SQLite under a temporary
CRYPTOSHOP_VAR_DIR; PostgreSQL too when DATABASE_URL is set — a fresh database is created
on that server and dropped afterwards), it starts the real server (``manage.py serve``,
one uvicorn worker, CRYPTOSHOP_BENCH=1 so /bench/trivial exists) and measures, in the same
run and against the same server:

- requests/second of /bench/trivial (the baseline: the full middleware stack, no work),
  of the browse page (/search/, newest first), a top-level category page, a search page
  (/search/?q=coffee, by relevance), GET /api/products and a listing page (/l/<id>/<slug>/)
  — in --rounds interleaved rounds, each reported as a ratio to the trivial view of its
  round, with p50/p99 latency at 64 connections, the latency alone (sequential requests)
  and the first request's (which fills the catalogue cache; ADR 15), against issue 15's
  targets;
- full-text search p50/p95 through cryptoshop.catalog.search.filter_search (first page of
  24 by rank, and the match count).

Load comes from ``wrk`` (Debian's package) when it is on PATH, else from a small asyncio
keep-alive client. Loopback only; every phase is bounded in time and count.

Options: --listings N (100000), --duration S per URL (8), --connections C (64),
--rounds R (2), --port P (a free one), --sqlite-only, --postgresql-only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SEARCH_BUDGET_S = 90
IDLE_S = 3  # pause before measuring a path alone
SEARCH_PAGE_QUERY = "coffee"  # the search page measured over HTTP (~6% of listings match)
PY = sys.executable
SEARCH_QUERIES = [
    "coffee", "titanium", "wallet", "miner", "hoodie", "book", "vinyl", "grinder",
    "seed plate", "node kit", "organic cotton", "espresso blend", "steel", "print",
    "silver", "tea", "backpack", "tit", "har", "coff", "privacy guide", "solo miner",
    "limited edition", "notebook", "waterproof", "nonexistentword",
]
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"timeout\": %d, \"non2xx\": %d, " ..
    "\"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# --- the data (runs inside a child process with the benchmark's environment) ----------------

WORDS_ADJ = ["Vintage", "Compact", "Heavy-duty", "Organic", "Titanium", "Stainless", "Classic",
             "Limited", "Refurbished", "Handmade", "Wireless", "Portable", "Premium", "Minimal",
             "Rugged", "Silent", "Signed", "Waterproof", "Open-source", "Mechanical"]
WORDS_NOUN = ["Wallet", "Seed Plate", "Miner", "Hoodie", "Grinder", "Kettle", "Notebook",
              "Backpack", "Print", "Coin", "Node Kit", "Mug", "T-Shirt", "Cap", "Book",
              "Vinyl Record", "Tea Set", "Espresso Blend", "Power Supply", "Router",
              "Keyboard", "Lamp", "Journal", "Tote Bag", "Poster"]
WORDS_BODY = ["sturdy", "light", "warm", "quiet", "fast", "bright", "durable", "private",
              "secure", "local", "small", "batch", "hand", "crafted", "tested", "sealed",
              "recycled", "premium", "classic", "modern", "simple", "reliable", "efficient",
              "elegant", "compact", "portable", "robust", "gift", "collector", "edition",
              "numbered", "signed", "original", "certified", "genuine", "fresh", "roasted",
              "aged", "smooth", "rich"]


def prepare(n_listings: int) -> dict[str, Any]:
    """Migrate, seed the demo shop, bulk-insert listings, then time full-text search."""
    import random

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from cryptoshop.accounts.models import User
    from cryptoshop.catalog.actions import visible_listings
    from cryptoshop.catalog.models import Category, Listing, ListingImage, Tag
    from cryptoshop.catalog.search import filter_search
    from cryptoshop.stores.models import ShippingOption, Store

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    timings["seed_demo_s"] = time.perf_counter() - started

    rnd = random.Random(21)  # noqa: S311 (test data)
    started = time.perf_counter()
    categories = list(Category.objects.filter(prohibited=False, parent__isnull=False))
    demo_images = list(ListingImage.objects.values_list("path", "thumb_path", "width", "height"))
    tags = [Tag.objects.get_or_create(name=n)[0] for n in
            ("gift", "sale", "new", "bitcoin", "handmade", "limited", "eco", "vintage")]
    n_stores = 200
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(token_hash=f"bench{i:059d}", display_name=None) for i in range(n_stores))
        stores = Store.objects.bulk_create(
            Store(owner=u, name=f"Bench Store {i}", slug=f"bench-store-{i}",
                  description="A store made by the benchmark.") for i, u in enumerate(users))
        ShippingOption.objects.bulk_create(
            ShippingOption(store=s, name="Post", regions="Worldwide", cost_sat=10_000)
            for s in stores)
    now = timezone.now()
    batch = 5_000
    made = 0
    while made < n_listings:
        rows = []
        for i in range(made, min(made + batch, n_listings)):
            store = stores[i % n_stores]
            cat = categories[i % len(categories)]
            title = (f"{rnd.choice(WORDS_ADJ)} {rnd.choice(WORDS_NOUN)} "
                     f"{rnd.choice('ABCDEFGHKMNPRSTX')}{rnd.randint(1, 999)}")
            body = " ".join(rnd.choice(WORDS_BODY) for _ in range(rnd.randint(20, 60)))
            fiat = rnd.random() < 0.2
            price_sat = rnd.randint(1_000, 5_000_000)
            status = rnd.choices(["active", "hidden", "draft"], [95, 3, 2])[0]
            blocked = rnd.random() < 0.01
            rows.append(Listing(
                store=store, title=title, slug=title.lower().replace(" ", "-")[:80],
                description=f"{body}.\n\n- {rnd.choice(WORDS_BODY)}\n- {rnd.choice(WORDS_BODY)}",
                category=cat, price_mode="fiat" if fiat else "sat",
                price_sat=None if fiat else price_sat,
                price_fiat=round(price_sat / 1000, 2) if fiat else None,
                fiat_currency=rnd.choice(["USD", "EUR"]) if fiat else "",
                sort_price_sat=None if fiat else price_sat,
                stock=rnd.choice([None, None, 0, 1, 5, 20, 100]),
                kind="digital" if rnd.random() < 0.1 else "physical",
                status=status, blocked=blocked,
                # The maintained flag (catalog/visibility.py), as the actions would set it:
                # every bench store is active and no category used is prohibited.
                visible=status == "active" and not blocked,
                sold_count=rnd.randint(0, 500), rating_count=rnd.randint(0, 50),
                search_text="\n".join([title, cat.name, store.name, body]),
                created_at=now - timedelta(minutes=rnd.randint(0, 525_600)),
            ))
        with transaction.atomic():
            created = Listing.objects.bulk_create(rows, batch_size=1_000)
            images = []
            through = []
            for listing in created:
                path, thumb, width, height = rnd.choice(demo_images)
                images.append(ListingImage(listing=listing, path=path, thumb_path=thumb,
                                           width=width, height=height))
                for tag in rnd.sample(tags, 2):
                    through.append(Listing.tags.through(listing_id=listing.pk, tag_id=tag.pk))
            ListingImage.objects.bulk_create(images, batch_size=2_000)
            Listing.tags.through.objects.bulk_create(through, batch_size=5_000)
        made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["bulk_insert_s"] = time.perf_counter() - started

    # Full-text search through the one query function the pages and API use.
    # One warm-up round, then up to 5 measured rounds within SEARCH_BUDGET_S.
    first_page: list[float] = []
    counts: list[float] = []
    hits: dict[str, int] = {}
    search_started = time.perf_counter()
    for round_no in range(6):
        if round_no >= 2 and time.perf_counter() - search_started > SEARCH_BUDGET_S:
            break
        for q in SEARCH_QUERIES:
            t0 = time.perf_counter()
            list(filter_search(visible_listings(), q).order_by("-search_rank", "-id")[:24])
            t1 = time.perf_counter()
            hits[q] = filter_search(visible_listings(), q, rank=False).count()
            t2 = time.perf_counter()
            first_page.append((t1 - t0) * 1000)
            counts.append((t2 - t1) * 1000)
    first_page, counts = first_page[len(SEARCH_QUERIES):], counts[len(SEARCH_QUERIES):]

    sample = (Listing.objects.filter(featured=True, store__slug="cold-storage-co")
              .order_by("id").first())
    assert sample is not None
    # The flag agrees with the rule it stands for (what the write paths maintain).
    from cryptoshop.catalog.visibility import visible_condition

    assert visible_listings().count() == Listing.objects.filter(visible_condition()).count()
    top = categories[0].parent
    assert top is not None
    return {
        "vendor": connection.vendor,
        "listings": Listing.objects.count(),
        "visible": visible_listings().count(),
        "timings": timings,
        "search_first_page_ms": _pcts(first_page),
        "search_count_ms": _pcts(counts),
        "search_samples": len(first_page),
        "search_hits": hits,
        "listing_path": f"/l/{sample.public_id}/{sample.slug}/",
        "category_path": f"/c/{top.slug}/",
    }


def _pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": round(statistics.median(ordered), 2), "p95": round(q[94], 2),
            "max": round(ordered[-1], 2)}


# --- load generation ------------------------------------------------------------------------

def run_wrk(url: str, duration: int, connections: int, lua: Path) -> dict[str, Any]:
    threads = max(1, min(2, os.cpu_count() or 1))
    wrk = shutil.which("wrk") or "wrk"
    out = subprocess.run(  # noqa: S603 (our own arguments, loopback URL)
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s",
         "--timeout", f"{max(10, 2 * duration)}s",
         "-s", str(lua), url],
        capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = {k: raw[k] for k in ("connect", "read", "write", "timeout", "non2xx") if raw[k]}
    return {"rps": raw["requests"] / seconds, "requests": raw["requests"],
            "errors": errors or 0, "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "tool": "wrk"}


async def _asyncio_load(url: str, duration: float, connections: int) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
                length, chunked = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding" and "chunked" in value:
                        chunked = True
                if chunked:
                    while True:
                        size = int((await reader.readline()).strip(), 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                else:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if b" 200 " not in status_line:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"rps": len(ordered) / elapsed, "requests": len(ordered), "errors": errors,
            "p50_ms": statistics.median(ordered) * 1000, "p95_ms": q[94] * 1000,
            "p99_ms": q[98] * 1000, "tool": "asyncio"}


def load(url: str, duration: int, connections: int, lua: Path) -> dict[str, Any]:
    if shutil.which("wrk"):
        return run_wrk(url, duration, connections, lua)
    return asyncio.run(_asyncio_load(url, duration, connections))


# --- orchestration ----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _pg_database(base_url: str, name: str, action: str) -> str:
    import psycopg

    parts = urlsplit(base_url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if action == "create":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _measure(url: str, args: argparse.Namespace, lua: Path) -> dict[str, Any]:
    """One path: unloaded latency (sequential requests after the first, which may fill the
    cache), then req/s and latency percentiles at args.connections."""
    # Let the previous path's queued requests drain first (wrk stops sending, but the
    # server still has up to a connection's worth of them to answer).
    time.sleep(IDLE_S)
    t0 = time.perf_counter()
    status, body = _get(url)
    first_ms = (time.perf_counter() - t0) * 1000
    if status != 200:
        return {"status": status}
    serial = []
    for _ in range(15):
        t0 = time.perf_counter()
        _get(url)
        serial.append((time.perf_counter() - t0) * 1000)
    serial_ms = statistics.median(serial[2:])
    # Long enough for every connection to complete a few requests, at most 60 s.
    duration = int(min(60, max(args.duration, 3 * serial_ms / 1000 * args.connections)))
    load(url, 2, args.connections, lua)  # warm-up
    result = load(url, duration, args.connections, lua)
    result.update(bytes=len(body), serial_ms=serial_ms, first_ms=first_ms, duration_s=duration)
    return result


def bench_backend(label: str, env: dict[str, str], args: argparse.Namespace,
                  lua: Path) -> dict[str, Any]:
    print(f"\n[{label}] preparing {args.listings:,} listings …", flush=True)
    started = time.perf_counter()
    prep = subprocess.run(  # noqa: S603 (this script, re-run with --prepare)
        [PY, str(Path(__file__).resolve()), "--prepare", str(args.listings)], env=env,
        cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if prep.returncode != 0:
        raise RuntimeError(f"prepare failed:\n{prep.stderr[-4000:]}")
    data = json.loads(prep.stdout.strip().splitlines()[-1])
    print(f"[{label}] data ready in {time.perf_counter() - started:.0f} s "
          f"({data['listings']:,} listings, {data['visible']:,} visible)", flush=True)

    port = args.port or _free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(Path(env["CRYPTOSHOP_VAR_DIR"]) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 (manage.py serve on loopback)
        [PY, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                if _get(f"{base}/bench/trivial")[0] == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start (see server.log)")
        targets = {"trivial view": "/bench/trivial", "browse (newest)": "/search/",
                   "category page": data["category_path"],
                   "search page": f"/search/?q={SEARCH_PAGE_QUERY}",
                   "GET /api/products": "/api/products", "listing page": data["listing_path"]}
        results: dict[str, Any] = {name: {"rounds": []} for name in targets}
        # Rounds interleave the paths, so the machine's other load hits them alike; each
        # round's ratios are against that round's trivial view.
        for round_no in range(1, args.rounds + 1):
            for name, path in targets.items():
                r = _measure(base + path, args, lua)
                results[name]["rounds"].append(r)
                if "rps" not in r:
                    print(f"[{label}] {name} {path}: HTTP {r['status']} — skipped", flush=True)
                    continue
                print(f"[{label}] round {round_no} {name:<18} alone {r['serial_ms']:6.1f} ms "
                      f"(first {r['first_ms']:6.1f} ms); {r['duration_s']} s at "
                      f"{args.connections} connections: "
                      f"{r['rps']:7.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p95 {r['p95_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                      f"errors {r['errors']}  ({r['tool']})", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    return {"prepare": data, "http": results}


# Issue 15's targets: each page alone (ms) and its req/s as a share of the trivial view's.
TARGETS = {"browse (newest)": (15, 0.5), "category page": (15, 0.5), "search page": (15, 0.5),
           "GET /api/products": (15, 0.5), "listing page": (None, 0.6)}


def report(label: str, out: dict[str, Any]) -> None:
    http, prep = out["http"], out["prepare"]
    trivial = [r.get("rps") for r in http["trivial view"]["rounds"]]
    print(f"\n== {label}: {prep['listings']:,} listings, {len(trivial)} interleaved round(s); "
          "median of rounds ==")
    for name, entry in http.items():
        rounds = [r for r in entry["rounds"] if "rps" in r]
        if not rounds:
            print(f"  {name:<18} not measured (HTTP {entry['rounds'][0]['status']})")
            continue
        ratios = [r["rps"] / t for r, t in zip(entry["rounds"], trivial, strict=True)
                  if "rps" in r and t]
        rps = statistics.median(r["rps"] for r in rounds)
        alone = statistics.median(r["serial_ms"] for r in rounds)
        ratio = statistics.median(ratios) if ratios else 0.0
        verdict = ""
        if name in TARGETS:
            max_ms, min_ratio = TARGETS[name]
            met = ratio >= min_ratio and (max_ms is None or alone <= max_ms)
            want = f"≤ {max_ms} ms, " if max_ms else ""
            verdict = f"  target {want}≥ {min_ratio}×: {'met' if met else 'MISSED'}"
        print(f"  {name:<18} {rps:8.1f} req/s  {ratio:5.2f}× trivial "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)})  "
              f"p50/p99 {statistics.median(r['p50_ms'] for r in rounds):.1f} / "
              f"{statistics.median(r['p99_ms'] for r in rounds):.1f} ms  "
              f"alone {alone:.1f} ms (first {rounds[0]['first_ms']:.1f} ms)"
              f"{verdict}")
    s1, s2 = prep["search_first_page_ms"], prep["search_count_ms"]
    print(f"  full-text search, first 24 by rank: p50 {s1['p50']} ms, p95 {s1['p95']} ms; "
          f"count: p50 {s2['p50']} ms, p95 {s2['p95']} ms ({prep['search_samples']} queries)")
    print(f"  setup: {json.dumps({k: round(v, 1) for k, v in prep['timings'].items()})}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    # Ctrl+C or a SIGTERM still stops the server, drops the database and removes temp files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.prepare is not None:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(prepare(args.prepare)))
        return 0

    tool = "wrk" if shutil.which("wrk") else "asyncio client (apt-get install wrk for wrk)"
    print(f"Marketplace benchmark: {args.listings:,} listings, {args.connections} connections, "
          f"{args.duration} s per URL, load from {tool}")
    common = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    common.update({"CRYPTOSHOP_BENCH": "1", "DJANGO_DEBUG": "0", "PYTHONHASHSEED": "0",
                   "CRYPTOSHOP_LOG_LEVEL": "WARNING", "CRYPTOSHOP_DEMO_DATA": "0"})
    backends: list[tuple[str, dict[str, str]]] = [] if args.postgresql_only else [("SQLite", {})]
    pg_name = f"cs_bench_{os.getpid()}"
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and not args.sqlite_only:
        backends.append(("PostgreSQL", {"DATABASE_URL": database_url}))
    elif not args.sqlite_only:
        print("PostgreSQL: skipped (DATABASE_URL is not set; `bash scripts/services.sh up` "
              "prints one)")
    status = 0
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp:
        lua = Path(tmp) / "report.lua"
        lua.write_text(WRK_LUA)
        for label, extra in backends:
            var_dir = Path(tmp) / label.lower()
            var_dir.mkdir()
            env = {**common, "CRYPTOSHOP_VAR_DIR": str(var_dir)}
            try:
                if "DATABASE_URL" in extra:
                    env["DATABASE_URL"] = _pg_database(extra["DATABASE_URL"], pg_name, "create")
                report(label, bench_backend(label, env, args, lua))
            except Exception as exc:
                print(f"[{label}] failed: {exc}", file=sys.stderr)
                status = 1
            finally:
                if "DATABASE_URL" in extra:
                    _pg_database(extra["DATABASE_URL"], pg_name, "drop")
    return status


if __name__ == "__main__":
    sys.exit(main())
