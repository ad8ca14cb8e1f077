"""Wiring moderation into the rest: every app's audited admin writes to this app's log;
reports on reviews are handled by review_reports."""

from __future__ import annotations

from cryptoshop.core.admin_audit import AUDIT_LOG
from cryptoshop.moderation import message_reports, review_reports
from cryptoshop.moderation.actions import audit


def install() -> None:
    AUDIT_LOG.provide(audit)
    review_reports.install()
    message_reports.install()
