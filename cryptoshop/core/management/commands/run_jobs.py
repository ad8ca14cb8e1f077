from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cryptoshop.core.jobs import run_due_jobs


class Command(BaseCommand):
    help = "Run periodic jobs (reservation expiry, …) once, or in a loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            ran = run_due_jobs()
            if not options["loop"]:
                self.stdout.write("ran: " + (", ".join(ran) or "nothing due"))
                return
            time.sleep(5)
