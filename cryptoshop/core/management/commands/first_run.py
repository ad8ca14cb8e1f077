"""Idempotent first-run setup for `make run`: an operator account and demo data, once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cryptoshop.accounts.actions import do_create_operator
from cryptoshop.accounts.models import User


class Command(BaseCommand):
    help = "Create the operator account on the first run (its token is printed once)."

    def handle(self, *args: Any, **options: Any) -> None:
        marker = settings.VAR_DIR / "first-run.done"
        if marker.exists():
            return
        if not User.objects.filter(is_staff=True).exists():
            reg = do_create_operator(display_name="operator")
            self.stdout.write(self.style.WARNING(
                "\nAn operator (staff) account was created for this shop.\n"
                f"  Access token: {reg.token}\n"
                "  It is shown only now: keep it. Log in, turn on two-factor "
                "authentication, then open /admin/.\n"
            ))
        marker.write_text("done\n", encoding="utf-8")
