"""The benchmarks' views, mounted only when CRYPTOSHOP_BENCH=1: /bench/trivial does nothing
(served by the same server and middleware as real pages); /bench/db-hold holds a database
connection for 200 ms, as a slow page's query would (bench/bench_pool.py's burst)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def db_hold(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:  # PostgreSQL only, like the benchmark
        cursor.execute("SELECT pg_sleep(0.2)")
    return HttpResponse(b"held", content_type="text/plain")
