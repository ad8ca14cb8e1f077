"""What every anonymous catalogue page would otherwise recompute, in the configured cache
(Redis, or local memory in one process), with invalidation on writes (ADR 15).

One *generation* number covers the catalogue: the listing actions, visibility refreshes
(blocks, suspensions) and category saves bump it, and every cached catalogue value carries
the generation it was computed under in its key, so a write retires them all at once
without listing keys. Counts also expire after COUNT_TTL_S, so changes that don't bump
the generation (stock sold, a rate moving fiat prices, a new review) show within that.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")
GENERATION_KEY = "catalog:generation"
COUNT_TTL_S = 60
TREE_TTL_S = 3600


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from a fresh number, not 0, so values cached before a cache flush by an
        # earlier generation 0 can't be read back as current.
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY, value)
    return int(value)


def bump_generation() -> None:
    """Retire every cached catalogue value (call after a write the pages show)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet: nothing was cached under it
        generation()


def cached(name: str, compute: Callable[[], T], ttl_s: int) -> T:
    """compute() cached under this generation (and database: tests switch engines)."""
    key = f"catalog:{connection.vendor}:{generation()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl_s)
    return value


def key_of(text: str) -> str:
    """A short fixed-size cache key part for arbitrary text (filters, queries)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
