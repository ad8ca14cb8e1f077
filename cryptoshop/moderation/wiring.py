"""Wiring moderation into the rest: every app's audited admin writes to this app's log."""

from __future__ import annotations

from cryptoshop.core.admin_audit import AUDIT_LOG
from cryptoshop.moderation import message_reports
from cryptoshop.moderation.actions import audit


def install() -> None:
    AUDIT_LOG.provide(audit)
    message_reports.install()
