"""Writing many rows where the ORM's per-row work costs more than the rows: one
executemany INSERT (a single statement prepared once; SQLite and psycopg run it as a
batch) for rows whose ids nobody reads back. The chain watcher writes a block's payments,
invoice events and order history this way (a block of 200 payments: a few hundred rows)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.constants import OnConflict


def insert_rows(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT `objs` (unsaved instances of one model, defaults already filled in by their
    constructor; no auto_now fields) in one executemany; with `ignore_conflicts`, rows
    that break a unique constraint are skipped, as bulk_create(ignore_conflicts=True)
    does. Their ids stay unset: use bulk_create where the caller needs them."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields):
        raise ValueError(f"{meta.label}: auto_now fields need bulk_create (pre_save)")
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = " ".join(part for part in (
        ops.insert_statement(on_conflict=on_conflict), ops.quote_name(meta.db_table),
        "(" + ", ".join(ops.quote_name(str(f.column)) for f in fields) + ")",
        "VALUES (" + ", ".join(["%s"] * len(fields)) + ")",
        ops.on_conflict_suffix_sql(fields, on_conflict, None, None)) if part)
    rows = [tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)
            for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
