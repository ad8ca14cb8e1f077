"""Full-text search behind one function: SQLite FTS5 or PostgreSQL tsvector.

Both index Listing.search_text (title, tags, category, description as plain text), kept up
to date by the database itself (FTS5 triggers; a generated tsvector column on PostgreSQL),
so bulk inserts and admin edits are indexed too. `install_search()` runs after every
migrate and is idempotent (Django's SQLite table rebuilds drop triggers; this restores them
and rebuilds the index).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8

_SQLITE_TRIGGERS = {
    "catalog_listing_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS catalog_listing_fts_ai AFTER INSERT ON catalog_listing
        BEGIN
            INSERT INTO catalog_listing_fts(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "catalog_listing_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS catalog_listing_fts_ad AFTER DELETE ON catalog_listing
        BEGIN
            INSERT INTO catalog_listing_fts(catalog_listing_fts, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
    "catalog_listing_fts_au": """
        CREATE TRIGGER IF NOT EXISTS catalog_listing_fts_au AFTER UPDATE OF search_text
        ON catalog_listing
        BEGIN
            INSERT INTO catalog_listing_fts(catalog_listing_fts, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
            INSERT INTO catalog_listing_fts(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}


def install_search(using_connection: Any = None) -> None:
    conn = using_connection or connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_listing_fts USING fts5("
                "search_text, content='catalog_listing', content_rowid='id', "
                "tokenize='porter unicode61 remove_diacritics 2')"
            )
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                           "AND name LIKE 'catalog_listing_fts_%'")
            present = {row[0] for row in cursor.fetchall()}
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            if present != set(_SQLITE_TRIGGERS):
                # Triggers were missing (new database, or a table rebuild): reindex all.
                cursor.execute(
                    "INSERT INTO catalog_listing_fts(catalog_listing_fts) VALUES ('rebuild')")
        elif conn.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE catalog_listing ADD COLUMN IF NOT EXISTS search_vector tsvector "
                "GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_text, ''))) STORED"
            )
            cursor.execute("CREATE INDEX IF NOT EXISTS catalog_listing_search_gin "
                           "ON catalog_listing USING gin (search_vector)")


def terms_of(query: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(query)][:MAX_TERMS]


def filter_search(qs: QuerySet[Any], query: str, *, rank: bool = True) -> QuerySet[Any]:
    """Listings matching every word of `query` (prefix match on the last one), with a
    `search_rank` annotation (higher is better) when `rank` is true. A query without a
    word ("!", "₿", "--") filters nothing and ranks everything alike."""
    terms = terms_of(query)
    if not terms:
        return qs.annotate(search_rank=Value(0.0, output_field=FloatField())) if rank else qs
    if connection.vendor == "sqlite":
        # Each term quoted (no FTS5 syntax injection); prefix-match the last one so
        # "blu" finds "blue" as people type.
        match = (" ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*').strip()
        if not rank:
            # Unranked (a count, another ordering): the matching ids once, as a set the
            # listing query probes. A join would let SQLite walk the visible index and
            # re-run the MATCH for every listing it meets (30 s for a capped count at
            # 100k listings; ADR 15).
            return qs.extra(
                where=["catalog_listing.id IN (SELECT rowid FROM catalog_listing_fts "
                       "WHERE catalog_listing_fts MATCH %s)"], params=[match])
        # Ranked: one join with the FTS table (not a correlated subquery per row, which
        # made ranked search quadratic: 1.7 s p50 at 100k listings; docs/benchmarks.md).
        # extra() because Django has no FTS5 join; every value is a bound parameter.
        return qs.extra(
            tables=["catalog_listing_fts"],
            where=["catalog_listing_fts.rowid = catalog_listing.id",
                   "catalog_listing_fts MATCH %s"],
            params=[match],
            select={"search_rank": "-bm25(catalog_listing_fts)"},
        )
    tsquery = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
    qs = qs.annotate(search_hit=RawSQL(
        "catalog_listing.search_vector @@ to_tsquery('english', %s)", [tsquery],
        output_field=BooleanField())).filter(search_hit=True)
    if rank:
        qs = qs.annotate(search_rank=RawSQL(
            "ts_rank(catalog_listing.search_vector, to_tsquery('english', %s))", [tsquery],
            output_field=FloatField()))
    return qs
