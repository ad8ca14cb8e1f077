from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cryptoshop.accounts.actions import do_create_operator


class Command(BaseCommand):
    help = "Create a staff (operator) account and print its access token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=None, help="display name (optional)")

    def handle(self, *args: Any, **options: Any) -> None:
        reg = do_create_operator(display_name=options["name"])
        self.stdout.write(f"Operator {reg.user.public_id} created. Access token (shown once):")
        self.stdout.write(reg.token)
