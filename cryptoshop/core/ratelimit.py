"""Fixed-window rate limits over Django's cache (in-process by default, Redis when scaled).

Scopes and their (limit, window) live in settings.RATE_LIMITS. Identifiers are hashed before
they become cache keys, so neither IP addresses nor account ids sit in Redis in clear.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from cryptoshop.core.crypto import keyed_hash
from cryptoshop.core.errors import RateLimited
from cryptoshop.core.metrics import RATE_LIMIT_REFUSALS


def _window(scope: str) -> tuple[int, int]:
    limit, window = settings.RATE_LIMITS[scope]
    return int(limit), int(window)


def _key(scope: str, ident: str, start: int) -> str:
    return f"rl:{scope}:{keyed_hash(ident, purpose='ratelimit')[:32]}:{start}"


def _bucket(scope: str, ident: str) -> tuple[str, int, int, int]:
    limit, window = _window(scope)
    now = time.time()
    start = int(now // window) * window
    retry_after = max(1, math.ceil(start + window - now))
    return _key(scope, ident, start), limit, window, retry_after


def hit(scope: str, ident: str) -> None:
    """Count one attempt; raise RateLimited (an ActionError: 429 + Retry-After wherever it
    surfaces) once the window's limit is used up."""
    key, limit, window, retry_after = _bucket(scope, ident)
    # add() is atomic on both backends; incr() too. Together: no lost updates.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        RATE_LIMIT_REFUSALS.labels(scope).inc()
        raise RateLimited(retry_after)


def check(scope: str, ident: str) -> None:
    """Raise if the window is already used up, without counting an attempt."""
    key, limit, _window_s, retry_after = _bucket(scope, ident)
    count = cache.get(key, 0)
    if int(count) >= limit:
        RATE_LIMIT_REFUSALS.labels(scope).inc()
        raise RateLimited(retry_after)


def client_ip(request: HttpRequest) -> str:
    """The client address for rate limiting only; honours CRYPTOSHOP_TRUSTED_PROXY_HOPS."""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return str(chain[-hops])
    return str(request.META.get("REMOTE_ADDR", "unknown"))
