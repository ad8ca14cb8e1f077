"""Wiring notifications into the jobs: old notices are deleted on the purge schedule."""

from __future__ import annotations

from cryptoshop.core.jobs import register_job
from cryptoshop.notifications.actions import purge_old_notices


def _purge() -> object:
    deleted = purge_old_notices()
    return f"{deleted} old notice(s) deleted" if deleted else None


def install() -> None:
    register_job("purge_notices", 3600, _purge)
