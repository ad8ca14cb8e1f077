"""The live staff dashboard's job and its room (`staff-dashboard`: staff with 2FA only)."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.accounts.models import User
from cryptoshop.core.jobs import register_job
from cryptoshop.monitor import alerts
from cryptoshop.realtime.rooms import register_room_authorizer


def staff_room_allowed(user: User, key: str) -> bool:
    """Only the dashboard room exists; the same people as the page (staff_with_2fa)."""
    return key == "dashboard" and user.is_staff and user.is_active and user.totp_enabled


def install() -> None:
    register_room_authorizer("staff-", staff_room_allowed)
    register_job("live_dashboard", settings.LIVE_DASHBOARD_SECONDS, alerts.tick)
