"""`manage.py seed_demo`: fill the shop with demo stores and listings (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from cryptoshop.demo import seed as demo


class Command(BaseCommand):
    help = ("Create demo categories, 5 stores and about 60 listings with locally drawn "
            "images. Running it again creates nothing that already exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = demo.seed()
        for line in result.skipped:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(
            f"Demo data: {result.categories} categories, {result.stores} stores, "
            f"{result.listings} listings and {result.images} images created, "
            f"{result.history_orders} orders of sales history "
            f"({result.history_seconds:.1f} s) "
            f"in {time.perf_counter() - started:.1f} s."
        )
