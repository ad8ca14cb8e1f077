"""Health: `/api/health` (public, cheap, 200/503), `/api/health/detailed` and
`/api/health/{component}` (staff with 2FA, or the health token).

A component check returns a `Status`: up, degraded (works, but someone should look),
down, or disabled (not configured on this site, which is not a failure). Checks are
registered by the app that owns the component (`register()` in its wiring); core registers
the ones it can see itself (database, cache, disk, memory, jobs) in health_checks.py.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.responses import Status as HttpStatus

from cryptoshop.core.api import CamelSchema, Text, errors

logger = logging.getLogger(__name__)
router = Router(tags=["health"])

UP, DEGRADED, DOWN, DISABLED = "up", "degraded", "down", "disabled"


@dataclass
class Status:
    state: str
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state != DOWN


def up(message: str = "", **details: Any) -> Status:
    return Status(UP, message, details)


def degraded(message: str, **details: Any) -> Status:
    return Status(DEGRADED, message, details)


def down(message: str, **details: Any) -> Status:
    return Status(DOWN, message, details)


def disabled(message: str = "not configured on this site", **details: Any) -> Status:
    return Status(DISABLED, message, details)


# name -> check. Every check runs in /api/health/detailed; the names in BASIC also run in
# the public /api/health, which must stay cheap (a load balancer polls it).
COMPONENT_CHECKS: dict[str, Callable[[], Status]] = {}
BASIC: set[str] = set()


def register(name: str, check: Callable[[], Status], *, basic: bool = False) -> None:
    COMPONENT_CHECKS[name] = check
    if basic:
        BASIC.add(name)


def run_check(name: str) -> dict[str, Any]:
    """One check, timed; a check that raises is "down" with its exception's class (the
    traceback goes to the log once per call, never to the caller)."""
    started = time.perf_counter()
    try:
        status = COMPONENT_CHECKS[name]()
    except Exception as exc:
        logger.warning("health: %s check failed: %s", name, exc)
        status = down(f"the check itself failed ({type(exc).__name__}); see the server log")
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"name": name, "state": status.state, "message": status.message,
            "latencyMs": latency_ms, "details": status.details}


def summary(status: dict[str, Any]) -> str:
    """The one-word-ish form /api/health has always given: "ok", "ok (note)", "disabled",
    or the reason it is down."""
    if status["state"] == UP:
        return "ok"
    if status["state"] == DEGRADED:
        return f"ok ({status['message']})"
    if status["state"] == DISABLED:
        return "disabled"
    return str(status["message"]) or "unavailable"


def overall(states: list[str]) -> str:
    if DOWN in states:
        return "down"
    return "degraded" if DEGRADED in states else "ok"


class HealthData(CamelSchema):
    status: str
    database: str
    version: str
    components: dict[str, str]


class HealthOut(CamelSchema):
    success: bool
    data: HealthData


class ComponentOut(CamelSchema):
    name: str
    state: str
    message: str
    latency_ms: float
    details: dict[str, Any]


class DetailedData(CamelSchema):
    status: str
    version: str
    components: list[ComponentOut]


class DetailedOut(CamelSchema):
    success: bool
    data: DetailedData


class OneOut(CamelSchema):
    success: bool
    data: ComponentOut


@router.get("/health", response={200: HealthOut, 503: HealthOut}, by_alias=True)
def health(request: HttpRequest) -> HttpStatus[dict[str, Any]]:
    database = run_check("database") if "database" in COMPONENT_CHECKS else None
    db_word = summary(database) if database else "ok"
    components = {name: summary(run_check(name))
                  for name in sorted(BASIC) if name in COMPONENT_CHECKS and name != "database"}
    healthy = db_word == "ok" and all(
        v == "ok" or v.startswith("ok (") or v == "disabled" for v in components.values())
    data = {"status": "ok" if healthy else "degraded", "database": db_word,
            "version": settings.VERSION, "components": components}
    return HttpStatus(200 if healthy else 503, {"success": healthy, "data": data})


def _allowed(request: HttpRequest) -> bool:
    token = settings.HEALTH_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(
            sent.removeprefix("Bearer ").encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff
                and user.is_active and getattr(user, "totp_enabled", False))


def _require_access(request: HttpRequest) -> None:
    if not _allowed(request):
        # 404, like the other staff tools: they don't announce themselves.
        raise HttpError(404, "Not found.")


@router.get(
    "/health/detailed",
    response={200: DetailedOut, 503: DetailedOut, **errors(404)},
    by_alias=True,
)
def health_detailed(request: HttpRequest) -> HttpStatus[dict[str, Any]]:
    _require_access(request)
    components = [run_check(name) for name in sorted(COMPONENT_CHECKS)]
    status = overall([c["state"] for c in components])
    data = {"status": status, "version": settings.VERSION, "components": components}
    return HttpStatus(503 if status == "down" else 200,
                      {"success": status != "down", "data": data})


@router.get(
    "/health/{component}",
    response={200: OneOut, 503: OneOut, **errors(404)},
    by_alias=True,
)
def health_component(request: HttpRequest, component: Text) -> HttpStatus[dict[str, Any]]:
    _require_access(request)
    if component not in COMPONENT_CHECKS:
        known = ", ".join(sorted(COMPONENT_CHECKS))
        raise HttpError(404, f"No component named {component[:40]!r}. Known: {known}.")
    status = run_check(component)
    ok = status["state"] != DOWN
    return HttpStatus(200 if ok else 503, {"success": ok, "data": status})
