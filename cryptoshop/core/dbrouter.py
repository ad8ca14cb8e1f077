"""Which database a query goes to: the primary, except catalogue reads a view opted into.

- Opt-in, not opt-out: a view decorated with `@replica_reads` (the catalogue, search,
  category, store and listing pages, `GET /api/products`) reads the catalogue's tables
  (REPLICA_APPS) from the replica. Everything else — writes, every other read, the
  session, cart and account reads of those same pages, jobs, the watcher, management
  commands — uses the primary.
- Read-your-writes: a client that wrote within CRYPTOSHOP_READ_YOUR_WRITES_SECONDS reads
  from the primary. "Wrote" means an unsafe request (POST, PUT, PATCH, DELETE) answered
  below 400, seen by ReadYourWritesMiddleware: a browser with a session gets a short-lived
  cookie, an API caller (bearer credential) an entry in the shared cache keyed by a hash
  of its credential. A signal on save would also catch writes that no request made (jobs), but
  those have no reader to surprise.
- Fallback: the replica takes reads only while core/replica.py finds it up and within
  the lag limit. A read that fails on the replica mid-request marks it down and the view
  runs again on the primary, so a replica that dies never makes a 500.
- Inside a transaction on the primary (and so in every test that runs in one) reads stay
  on the primary: they must see the transaction's own rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from cryptoshop.core import replica
from cryptoshop.core.replica import REPLICA

# The apps whose tables a catalogue page reads; others (accounts, sessions, carts,
# notifications, conversations) follow their writes on the primary.
REPLICA_APPS = frozenset({"catalog", "stores", "reviews"})
WROTE_COOKIE = "cs_wrote"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)

P = ParamSpec("P")
R = TypeVar("R")


class ReplicaRouter:
    """settings.DATABASE_ROUTERS. With no replica configured it answers "default" always."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (_reading_replica.get() and model._meta.app_label in REPLICA_APPS
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows: the same objects

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def reading_replica() -> bool:
    """True while this request's catalogue reads go to the replica."""
    return _reading_replica.get()


@contextmanager
def _route_to_replica(on: bool) -> Iterator[None]:
    token = _reading_replica.set(on)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_reads(view: Callable[P, R]) -> Callable[P, R]:
    """Let this read-only view read the catalogue from the replica when that is safe.
    (Django Ninja operations call read_from_replica inside instead: Ninja reads their
    annotations from the function's own module.)"""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        request = args[0]
        if not isinstance(request, HttpRequest):
            raise TypeError("@replica_reads goes on a view: its first argument is the request")
        return read_from_replica(request, lambda: view(*args, **kwargs))

    return wrapped


def read_from_replica(request: HttpRequest, read: Callable[[], R]) -> R:
    """read() with the catalogue read from the replica when that is safe; read() must not
    write (it may run twice: once more on the primary if the replica fails under it)."""
    if not may_read_replica(request):
        return read()
    try:
        with _route_to_replica(True):
            return read()
    except (OperationalError, InterfaceError) as exc:
        if not connections[REPLICA].errors_occurred:
            raise  # the primary failed: the same error without a replica
        replica.mark_down(f"a read failed ({type(exc).__name__}): catalogue reads "
                          "go to the primary")
    # The replica died under this request: the same read on the primary.
    return read()


def may_read_replica(request: HttpRequest) -> bool:
    if not replica.configured() or request.method not in ("GET", "HEAD"):
        return False
    if connections[DEFAULT_DB_ALIAS].in_atomic_block or wrote_recently(request):
        return False
    return replica.state().usable


# --- read-your-writes ---------------------------------------------------------------------

def _writer_key(request: HttpRequest) -> str | None:
    """The cache key of an API caller (a hash of its bearer credential: the same caller
    without a database lookup, and no secret in the cache)."""
    bearer = request.headers.get("Authorization", "")
    if not bearer.lower().startswith("bearer "):
        return None
    return "ryw:" + hashlib.sha256(bearer.encode()).hexdigest()[:32]


def wrote_recently(request: HttpRequest) -> bool:
    window_s = settings.READ_YOUR_WRITES_SECONDS
    stamp = request.COOKIES.get(WROTE_COOKIE, "")
    if stamp.isdigit() and time.time() - int(stamp) < window_s:
        return True
    key = _writer_key(request)
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:  # the cache is down: be safe, read the primary
        return True


def note_write(request: HttpRequest, response: HttpResponse) -> None:
    window_s = settings.READ_YOUR_WRITES_SECONDS
    key = _writer_key(request)
    if key is not None:
        # No cache: nothing to mark (reads may then come from the replica, up to the lag).
        with contextlib.suppress(Exception):
            cache.set(key, 1, timeout=window_s)
        return
    # Only a browser with a session gets the cookie: API login and registration set no
    # cookie (docs/accounts.md), and a visitor without a session has written nothing the
    # catalogue shows. The cookie is no secret: forging it only sends its holder's own
    # reads to the primary.
    session = settings.SESSION_COOKIE_NAME
    if session in request.COOKIES or session in response.cookies:
        response.set_cookie(WROTE_COOKIE, str(int(time.time())), max_age=window_s,
                            httponly=True, samesite="Lax", secure=settings.HTTPS)


class ReadYourWritesMiddleware:
    """Marks the clients that just wrote (only when a replica is configured)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (request.method not in _SAFE_METHODS and response.status_code < 400
                and replica.configured()):
            note_write(request, response)
        return response
