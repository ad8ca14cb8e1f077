"""`manage.py analytics_rebuild`: the rollup tables again from all orders (after a data
repair, a time-zone change, or to check them; the periodic job keeps them current)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from cryptoshop.analytics import rollup


class Command(BaseCommand):
    help = "Rebuild the sales analytics rollups from all orders."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        made = rollup.rebuild()
        self.stdout.write(f"analytics rebuilt: {made} store days "
                          f"in {time.monotonic() - started:.1f} s")
