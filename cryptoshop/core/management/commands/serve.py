"""Serve pages, API (and later Socket.IO and the chain watcher) from one uvicorn process."""

from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cryptoshop.core.jobs import shutdown, start_background_runner


class Command(BaseCommand):
    help = "Serve CryptoShop with uvicorn (ASGI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-jobs", action="store_true",
                            help="don't run periodic jobs in this process (run_jobs does)")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        self.stdout.write(f"CryptoShop {settings.VERSION} on http://{host}:{port}/  (Ctrl+C stops)")
        if not options["no_jobs"]:
            start_background_runner()
        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=port,
            workers=options["workers"],
            # Our RequestLogMiddleware logs requests without client addresses.
            access_log=False,
            log_config=None,
            proxy_headers=settings.TRUSTED_PROXY_HOPS > 0,
            server_header=False,
            lifespan="on",
        )
        # Stopped cleanly: let the apps hand over what they hold (the watcher's lease).
        shutdown()
