"""Prometheus metrics (`/metrics`), multi-process safe.

prometheus-client's multi-process mode is always on: every process (each `serve --workers
N` worker, `manage.py worker`) writes its samples to files under PROMETHEUS_MULTIPROC_DIR
(set in settings to var/metrics before this module is imported) and a scrape sums them, so
the answer is the same whichever worker the proxy sends the scraper to. Figures that live in
the database (invoices by state) are read at scrape time instead of being counted.

Names: cryptoshop_<what>_<unit>; labels stay low-cardinality (routes are URL patterns, never
raw paths).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter("cryptoshop_http_requests", "HTTP requests answered, by route",
                        ["route", "method", "status"])
HTTP_SECONDS = Histogram("cryptoshop_http_request_duration_seconds",
                         "Time to answer an HTTP request, by route", ["route"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
WATCHER_POLL_SECONDS = Histogram("cryptoshop_watcher_poll_duration_seconds",
                                 "Time of one chain-watcher poll (as leader)",
                                 buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
WATCHER_LAG_BLOCKS = Gauge("cryptoshop_watcher_lag_blocks",
                           "Blocks between the node's tip and the watcher's cursor",
                           multiprocess_mode="max")
CHAIN_PUSH_CONNECTED = Gauge("cryptoshop_chain_push_connected",
                             "1 while the watcher's push connection to the node is up",
                             multiprocess_mode="max")
CHAIN_PUSH_LAST_NOTIFICATION = Gauge("cryptoshop_chain_push_last_notification_timestamp_seconds",
                                     "When the node last pushed a block or transaction",
                                     multiprocess_mode="max")
CHAIN_PUSH_RECONNECTS = Counter("cryptoshop_chain_push_reconnects",
                                "Reconnect attempts of the push connection to the node")
WATCHER_MEMPOOL_TXS = Counter("cryptoshop_watcher_mempool_transactions",
                              "New mempool transactions the watcher applied, by where their "
                              "bytes came from (pushed by the node or fetched)", ["source"])
DB_REPLICA_LAG_SECONDS = Gauge("cryptoshop_db_replica_lag_seconds",
                               "How far the read replica's replay is behind (0 when it has "
                               "replayed all it received; -1 when down or not measured)",
                               multiprocess_mode="livemostrecent")
DB_REPLICA_USABLE = Gauge("cryptoshop_db_replica_usable",
                          "1 while catalogue reads may go to the replica (up, within the "
                          "lag limit), 0 while they fall back to the primary",
                          multiprocess_mode="livemostrecent")
JOB_RUNS = Counter("cryptoshop_job_runs", "Periodic job runs", ["job", "outcome"])
SOCKETIO_CONNECTIONS = Gauge("cryptoshop_socketio_connections",
                             "Socket.IO clients connected", multiprocess_mode="livesum")
RATE_LIMIT_REFUSALS = Counter("cryptoshop_rate_limit_refusals",
                              "Requests refused by a rate limit", ["scope"])
WEBHOOK_DELIVERIES = Counter("cryptoshop_webhook_deliveries",
                             "Webhook delivery attempts", ["event", "outcome"])

# name -> function returning {label value: count}; e.g. payments adds invoices by state.
GAUGE_FAMILIES: dict[str, tuple[str, str, Callable[[], Mapping[str, int]]]] = {}


def register_gauge_family(name: str, documentation: str, label: str,
                          read: Callable[[], Mapping[str, int]]) -> None:
    """A gauge whose values are read (from the database) at scrape time."""
    GAUGE_FAMILIES[name] = (documentation, label, read)


class _ScrapeTime(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (documentation, label, read) in GAUGE_FAMILIES.items():
            family = GaugeMetricFamily(name, documentation, labels=[label])
            try:
                values = read()
            except Exception:  # noqa: S112 - a database outage shows in health, not here
                continue
            for key, value in sorted(values.items()):
                family.add_metric([key], value)
            yield family


def clean_dead_processes(directory: Path | None = None) -> int:
    """Drop the sample files of processes that are gone (at `serve`/`worker` start), so a
    restarted shop doesn't report the live gauges of processes that died. Counters of dead
    processes go too: Prometheus reads that as a counter reset, which rate() handles."""
    directory = directory or Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""))
    removed = 0
    if not directory.is_dir():
        return 0
    for path in directory.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(directory))  # type: ignore[no-untyped-call]
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _client_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer "):
        return hmac.compare_digest(sent.removeprefix("Bearer ").encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False)
               for net in settings.METRICS_ALLOW)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: for the Prometheus scraper (a bearer token, or a client address in
    CRYPTOSHOP_METRICS_ALLOW); 404 for anybody else."""
    if request.method != "GET" or not _client_allowed(request):
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(_ScrapeTime())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every request by its URL pattern (bounded cardinality)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name or "unnamed") if match else "unmatched"
        route = "/" + route.lstrip("^/") if match else route
        HTTP_REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
        HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
        return response


def current_total(name: str) -> float:
    """One unlabelled metric summed over every process, as a scrape would see it (the live
    staff dashboard's connected clients, which no single process knows)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    for family in registry.collect():
        if family.name == name:
            return float(sum(s.value for s in family.samples if s.name == name))
    return 0.0
