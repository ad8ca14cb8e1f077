"""`manage.py worker`: the chain watcher and periodic jobs, outside the web processes.

Run one or more when scaled (set CRYPTOSHOP_WATCHER_IN_WEB=false for the web processes);
the database lease makes exactly one of them follow the chain at a time."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cryptoshop.core.jobs import (
    ON_CHAIN_LOOP_START,
    run_due_jobs,
    schedule_chain_jobs_every_turn,
    shutdown,
    wait_for_wake,
    wake_chain_jobs,
)
from cryptoshop.core.startup import freeze_startup_objects


class Command(BaseCommand):
    help = "Follow the chain and run periodic jobs (use with serve --no-jobs when scaled)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--poll", type=float, default=None,
                            help="seconds between watcher polls (default from settings)")

    def handle(self, *args: Any, **options: Any) -> None:
        poll = options["poll"] if options["poll"] is not None else settings.WATCHER_POLL_SECONDS
        # The watcher and escrow settling run on every loop turn here; other jobs on their
        # own schedules.
        schedule_chain_jobs_every_turn()
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True
            wake_chain_jobs()  # end the wait below at once

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker: polling every {poll}s")
        # Push from the node (payments/push.py) ends a wait early: the watcher polls at
        # once; without it (or while it is down) the poll interval governs.
        ON_CHAIN_LOOP_START.call_each()
        freeze_startup_objects()
        woken = False
        while not stopping:
            run_due_jobs(chain_now=woken)
            woken = wait_for_wake(poll)
        shutdown()
