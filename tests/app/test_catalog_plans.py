"""Each public ordering's first page can come straight off an index on the database in use
(ADR 15): SQLite's plan names a listing_visible_* index and has no temporary B-tree for
the ORDER BY; PostgreSQL's has an Index Scan on one and no Sort (with sorting priced out,
so the tiny test table's plan is the one a big one gets — docs/adr/0015 has plans at
100,000 listings)."""

from __future__ import annotations

import pytest
from django.db import connection

from cryptoshop.catalog.queries import browse_query, parse_filters
from tests.factories import category, listing, seller

pytestmark = pytest.mark.django_db


def _plan(params: dict[str, str]) -> str:
    qs = browse_query(parse_filters(params, strict=False)).values_list("id", flat=True)[:25]
    sql, sql_params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics: without them both visible indexes cost the same on a tiny
            # table, and which one the planner takes depends on the tests before.
            cursor.execute("ANALYZE catalog_listing")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, sql_params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, sql_params)
        return "\n".join(str(row[-1] if connection.vendor == "sqlite" else row[0])
                         for row in cursor.fetchall())


@pytest.mark.parametrize(("params", "index"), [
    ({}, "listing_visible_new"),
    ({"category": "socks"}, "listing_visible_cat"),
    ({"sortBy": "price"}, "listing_visible_price"),
    ({"sortBy": "priceDesc"}, "listing_visible_price_desc"),
    ({"sortBy": "bestselling"}, "listing_visible_bestselling"),
])
def test_first_page_reads_an_index(params: dict[str, str], index: str) -> None:
    _, store = seller()
    category("socks", "Socks")
    for n in range(3):
        listing(store, f"Sock {n}", category="socks")
    for n in range(30):  # socks are the rare category, as any one category is in a big shop
        listing(store, f"Hat {n}")
    plan = _plan(params)
    assert index in plan, plan
    if connection.vendor == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan and "Index" in plan, plan
