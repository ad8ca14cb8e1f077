"""CSV downloads of the tables beside the charts (`?format=csv&table=…`): the same rows,
exact integers, one file per table."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def _col(header: str, key: str) -> Column:
    return header, lambda row: row[key]


SERIES = [_col("period_start", "start"), _col("orders_created", "orders_created"),
          _col("orders_paid", "orders_paid"), _col("settled_sat", "settled_sat"),
          _col("paid_out_sat", "paid_out_sat"), _col("escrow_released_sat", "escrow_released_sat"),
          _col("marketplace_fee_sat", "fee_sat"), _col("refunds", "refunds"),
          _col("refunded_sat", "refunded_sat"), _col("disputes", "disputes")]
LISTINGS = [_col("listing_id", "listing_id"), _col("title", "title"), _col("units", "units"),
            _col("revenue_sat", "revenue_sat")]
TABLES: dict[str, tuple[str, list[Column]]] = {
    "sales": ("buckets", SERIES),
    "top-revenue": ("top_revenue", LISTINGS),
    "top-units": ("top_units", LISTINGS),
    "status": ("by_status", [_col("status", "status"), _col("orders", "orders")]),
    "payouts": ("payouts", [_col("at", "at"), _col("order", "order"), _col("kind", "kind"),
                            _col("sat", "sat"), _col("txid", "txid"),
                            _col("confirmed", "confirmed")]),
    "categories": ("categories", [_col("category", "name"), _col("units", "units"),
                                  _col("revenue_sat", "revenue_sat")]),
    "buyers": ("buyers", [_col("month", "month"), _col("new_buyers", "new"),
                          _col("returning_buyers", "returning")]),
}
SELLER_TABLES = ("sales", "top-revenue", "top-units", "status", "payouts")
OPERATOR_TABLES = ("sales", "top-revenue", "top-units", "categories", "buyers", "cohorts")


def _cohort_rows(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    width = len(figures["cohort_months"])
    header = ["cohort_month", "buyers", *[f"month_{n}" for n in range(width)]]
    rows = [[c["cohort"], c["size"], *c["counts"], *[""] * (width - len(c["counts"]))]
            for c in figures["cohorts"]]
    return header, rows


def csv_response(figures: dict[str, Any], table: str, allowed: tuple[str, ...],
                 filename: str) -> HttpResponse:
    if table not in allowed:
        return HttpResponse(f"Unknown table: choose one of {', '.join(allowed)}.\n",
                            status=400, content_type="text/plain; charset=utf-8")
    if table == "cohorts":
        header, rows = _cohort_rows(figures)
    else:
        key, columns = TABLES[table]
        header = [h for h, _ in columns]
        rows = [[get(row) for _, get in columns] for row in figures[key]]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{table}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
