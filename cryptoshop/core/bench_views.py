"""The benchmark's baseline: a view that does nothing, served by the same server and the
same middleware as real pages. Mounted at /bench/trivial only when CRYPTOSHOP_BENCH=1."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
