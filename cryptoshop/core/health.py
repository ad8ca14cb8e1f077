"""GET /api/health: is the service able to do its job? Components grow with later issues."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from cryptoshop.core.api import CamelSchema

logger = logging.getLogger(__name__)
router = Router(tags=["health"])

# name -> check returning "ok", "ok (note)", "disabled", or a short reason it is down;
# domains add theirs in AppConfig.ready().
COMPONENT_CHECKS: dict[str, Callable[[], str]] = {}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"; the detail goes to the log only
        logger.exception("health: database check failed")
        return "unavailable"
    return "ok"


class HealthData(CamelSchema):
    status: str
    database: str
    version: str
    components: dict[str, str]


class HealthOut(CamelSchema):
    success: bool
    data: HealthData


@router.get("/health", response={200: HealthOut, 503: HealthOut}, by_alias=True)
def health(request: HttpRequest) -> Status[dict[str, Any]]:
    database = _database()
    components = {name: check() for name, check in COMPONENT_CHECKS.items()}
    # "disabled" (not configured on this site) is not a failure; "ok (…)" is ok with a note.
    healthy = database == "ok" and all(
        v == "ok" or v.startswith("ok (") or v == "disabled" for v in components.values())
    data = {"status": "ok" if healthy else "degraded", "database": database,
            "version": settings.VERSION, "components": components}
    return Status(200 if healthy else 503, {"success": healthy, "data": data})
