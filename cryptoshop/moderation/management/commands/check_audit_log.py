"""Verify the audit log's hash chain; exit non-zero at the first break (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryptoshop.moderation.chain import verify


class Command(BaseCommand):
    help = "Check that no audit log entry was edited, deleted or inserted."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify()
        if verdict.problem:
            raise CommandError(f"audit log broken after {verdict.checked} good entries: "
                               f"{verdict.problem}")
        self.stdout.write(f"audit log intact: {verdict.checked} entries, "
                          f"head {verdict.head_hash}")
