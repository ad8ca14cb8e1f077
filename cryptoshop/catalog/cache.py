"""What every anonymous catalogue page would otherwise recompute, in the configured cache
(Redis, or local memory in one process), with invalidation on writes (ADR 15).

One *generation* number covers the catalogue: the listing actions, listing and photo
saves, visibility refreshes (blocks, suspensions), rate refreshes, reviews and category
saves bump it, and every cached catalogue value carries the generation it was computed
under in its key, so a write retires them all at once without listing keys. The category
tree has a generation of its own, bumped only by category saves and deletes, so a listing
write doesn't make every page reload it. Values also expire after COUNT_TTL_S, so changes
that don't bump the generation (stock and sales counts moved by orders) show within that.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils.connection import ConnectionProxy

from cryptoshop.core.dbrouter import reading_replica

T = TypeVar("T")
# Its own cache alias (config/settings.py): many distinct pages can't evict rate limits.
cache = ConnectionProxy(caches, "catalog")
GENERATION_KEY = "catalog:generation"
TREE_GENERATION_KEY = "catalog:tree-generation"
COUNT_TTL_S = 60
TREE_TTL_S = 3600


def generation(key: str = GENERATION_KEY) -> int:
    value = cache.get(key)
    if value is None:
        # Start from a fresh number, not 0, so values cached before a cache flush by an
        # earlier generation 0 can't be read back as current.
        value = time.time_ns()
        cache.add(key, value, None)
        value = cache.get(key, value)
    return int(value)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not set yet: nothing was cached under it
        generation(key)


def _bump_now_and_on_commit(*keys: str) -> None:
    # Now, so this request's own next read sees the write; and again on commit, so a page
    # another request computed from the old rows meanwhile is not kept under the new number.
    def bump_all() -> None:
        for key in keys:
            _bump(key)

    bump_all()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump_all)


def bump_generation() -> None:
    """Retire every cached catalogue page and count (call after a write the pages show)."""
    _bump_now_and_on_commit(GENERATION_KEY)


def bump_categories() -> None:
    """Retire the cached category tree as well as the pages (a category was edited)."""
    _bump_now_and_on_commit(TREE_GENERATION_KEY, GENERATION_KEY)


def cached(name: str, compute: Callable[[], T], ttl_s: int, *,
           scope: str = GENERATION_KEY) -> T:
    """compute() cached under this generation (and database: tests switch engines).
    scope=TREE_GENERATION_KEY: under the category tree's own generation, which listing
    writes leave alone."""
    # Values computed from the read replica (core/dbrouter.py) are kept apart: a client
    # that just wrote reads the primary and must not be handed a value a replica computed
    # before the write reached it. They also live only a lag limit plus a check interval,
    # since a write's generation bump can land before the replica has the write.
    source = "primary"
    if reading_replica():
        source = "replica"
        ttl_s = min(ttl_s, settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS)
    key = f"catalog:{connection.vendor}:{source}:{scope}:{generation(scope)}:{name}"
    hit: T | None = cache.get(key)
    if hit is not None:
        return hit
    # One thread computes a missing value while the others for the same key wait for it:
    # when a busy page expires, 64 concurrent requests would otherwise all recompute it
    # at once (a p95 of 1.5 s in bench_shop.py). Per process; each process computes once.
    with _computing(key):
        hit = cache.get(key)
        if hit is not None:
            return hit
        value = compute()
        cache.set(key, value, ttl_s)
        return value


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextmanager
def _computing(key: str) -> Iterator[None]:
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        try:
            yield
        finally:
            with _locks_guard:
                _locks.pop(key, None)  # the value is in the cache now: no lock kept


def key_of(text: str) -> str:
    """A short fixed-size cache key part for arbitrary text (filters, queries)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
