"""Analytics benchmark: ``python bench/bench_analytics.py`` (part of ``make bench``).

In a throwaway SQLite database (a temporary CRYPTOSHOP_VAR_DIR), bench/analytics_data.py
writes --orders orders (1,000,000) over three years with raw INSERTs, then measures,
in-process and in the same run:

- baselines: an indexed count of the largest seller's orders, and the existing seller
  dashboard's figures (sell.queries.dashboard_figures) for that seller;
- the operator page's figures straight from the orders (analytics.reference) and from the
  rollups (analytics.queries), monthly view;
- a full rebuild of the rollups; a refresh with nothing new; a refresh after a day of new
  orders (the last run at midnight, then N/1095 orders today); a refresh whose window is a
  whole month (the worst case: listings are recomputed from the first of the month);
- the largest seller's overview from the rollups and from the orders;

and checks that the rollups, after those refreshes, equal the reference. Figures are
printed as milliseconds and as ratios to the baselines.

Options: --orders N (1000000), --repeat R (5: medians of R runs for the fast figures).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _setup(var_dir: str) -> None:
    os.environ["CRYPTOSHOP_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CRYPTOSHOP_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cs-bench-analytics-") as var_dir:
        _setup(var_dir)
        return run(args.orders, args.repeat)


def run(count: int, repeat: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from bench import analytics_data as data
    from cryptoshop.analytics import queries, reference, rollup
    from cryptoshop.analytics.buckets import local_date, local_midnight
    from cryptoshop.analytics.models import RollupState
    from cryptoshop.orders.models import Order
    from cryptoshop.sell.queries import dashboard_figures
    from cryptoshop.stores.models import Store

    now = timezone.now()
    started = time.perf_counter()
    shop = data.build(count, now)
    connection.cursor().execute("ANALYZE")
    print(f"data: {count:,} orders, {len(shop.buyers):,} buyers, {len(shop.stores)} stores "
          f"written in {time.perf_counter() - started:.0f} s (SQLite)")
    largest = Store.objects.get(pk=shop.largest)
    today = local_date(now)
    rows: list[tuple[str, float, str]] = []

    def note(name: str, seconds: float, ratio: str = "") -> None:
        rows.append((name, seconds, ratio))
        print(f"  {name:<58} {seconds * 1000:>10.1f} ms  {ratio}")

    base_count, n = timed(lambda: Order.objects.filter(store=largest).count(), repeat)
    note(f"baseline: indexed count of the largest seller's orders ({n:,})", base_count)
    base_dash, _ = timed(lambda: dashboard_figures(largest)["order_counts"], repeat)
    note("baseline: the existing seller dashboard's order counts", base_dash)

    rebuild_s, made = timed(lambda: rollup.rebuild(now))
    note(f"full rebuild ({made:,} store days)", rebuild_s, f"{rebuild_s / base_count:,.0f} × count")
    op_roll, _ = timed(lambda: queries.operator_figures("month", today), repeat)
    note("operator page figures, from the rollups", op_roll, f"{op_roll / base_count:,.1f} × count")
    op_ref, _ = timed(lambda: reference.operator_figures("month", today))
    note("operator page figures, straight from the orders", op_ref,
         f"{op_ref / base_count:,.0f} × count; rollups {op_ref / op_roll:,.0f} × faster")
    seller_roll, _ = timed(lambda: queries.seller_figures(largest, "month", today), repeat)
    note("largest seller's overview, from the rollups", seller_roll,
         f"{seller_roll / base_dash:,.2f} × dashboard")
    seller_ref, _ = timed(lambda: reference.seller_figures(largest, "month", today))
    note("largest seller's overview, straight from the orders", seller_ref,
         f"{seller_ref / base_dash:,.0f} × dashboard")

    later = now + timedelta(minutes=30)
    rollup.refresh(later)
    idle, _ = timed(lambda: rollup.refresh(later + timedelta(minutes=1)), repeat)
    note("refresh, nothing new", idle, f"{idle / base_count:,.2f} × count")

    midnight = local_midnight(today)
    RollupState.objects.update(watermark=midnight + rollup.OVERLAP)
    day_orders = count // 1095
    data.write_orders(random.Random(1), shop, day_orders, midnight, now)  # noqa: S311
    day_s, _ = timed(lambda: rollup.refresh(now + timedelta(seconds=1)))
    note(f"refresh after a day of new orders ({day_orders:,}; day {today.day} of the month)",
         day_s, f"{day_s / base_count:,.0f} × count")
    RollupState.objects.update(watermark=local_midnight(today.replace(day=1)) + rollup.OVERLAP)
    month_s, _ = timed(lambda: rollup.refresh(now + timedelta(seconds=2)))
    note("refresh over a whole month so far (watermark on the 1st)", month_s,
         f"{month_s / base_count:,.0f} × count")

    same = (queries.operator_figures("month", today) == reference.operator_figures("month", today)
            and queries.seller_figures(largest, "week", today)
            == reference.seller_figures(largest, "week", today))
    print(f"rollups equal the reference after the refreshes: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
