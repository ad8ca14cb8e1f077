from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cryptoshop.core.jobs import ON_CHAIN_LOOP_START, run_due_jobs, wait_for_wake
from cryptoshop.core.startup import freeze_startup_objects


class Command(BaseCommand):
    help = "Run periodic jobs (reservation expiry, …) once, or in a loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"] and settings.WATCHER_IN_WEB:
            # The chain jobs run here too: listen to the node's push (payments/push.py).
            ON_CHAIN_LOOP_START.call_each()
        if options["loop"]:
            freeze_startup_objects()
        woken = False
        while True:
            ran = run_due_jobs(chain_now=woken)
            if not options["loop"]:
                self.stdout.write("ran: " + (", ".join(ran) or "nothing due"))
                return
            woken = wait_for_wake(5)
