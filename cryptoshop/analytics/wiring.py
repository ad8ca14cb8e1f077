"""The rollups' refresh job (docs/analytics.md)."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.analytics import rollup
from cryptoshop.core.jobs import register_job


def install() -> None:
    register_job("analytics_refresh", settings.ANALYTICS_REFRESH_SECONDS, rollup.refresh)
