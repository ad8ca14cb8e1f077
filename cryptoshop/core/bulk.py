"""Writing many rows where the ORM's per-row work costs more than the rows: one
executemany INSERT (a single statement prepared once; SQLite and psycopg run it as a
batch) for rows whose ids nobody reads back, or multi-row INSERTs with RETURNING where
they are. The chain watcher writes a block's payments, invoice events, order history and
notices this way (a block of 200 payments: about a thousand rows); bulk_create's per-field
work on each row cost more than the database's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.db.models import Field, Model
from django.db.models.constants import OnConflict

if TYPE_CHECKING:
    from django.db.models.options import Options

# Parameters per multi-row statement: under SQLite's historical limit of 999.
RETURNING_PARAMS = 990


def _insert_sql(meta: Options[Model], fields: list[Field[object, object]], rows: int, *,
                ignore_conflicts: bool = False) -> str:
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return " ".join(part for part in (
        ops.insert_statement(on_conflict=on_conflict), ops.quote_name(meta.db_table),
        "(" + ", ".join(ops.quote_name(str(f.column)) for f in fields) + ")",
        "VALUES " + ", ".join([row] * rows),
        ops.on_conflict_suffix_sql(fields, on_conflict, None, None)) if part)


# Django's own field classes whose database value is the Python value itself when it has
# this exact type (get_db_prep_save would only check that). Exact classes only: a subclass
# (an encrypted field) may transform its value.
_PLAIN: dict[type[Field[Any, Any]], type] = {
    models.CharField: str, models.TextField: str, models.SlugField: str,
    models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int, models.BooleanField: bool,
}


def _converter(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """The field's get_db_prep_save, short-cut for values it would pass through as they
    are: at a thousand rows of a dozen fields, its per-value checks cost more than the
    INSERT. A foreign key's value is its target's (an auto id: an int)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.AutoField | models.BigAutoField):
        plain: type | None = int
    else:
        plain = _PLAIN.get(type(target))
    prep = field.get_db_prep_save
    if plain is None:
        return lambda value: prep(value, connection)
    return lambda value: (value if value is None or type(value) is plain
                          else prep(value, connection))


def _prepared(objs: Sequence[Model]) -> tuple[Options[Model], list[Field[object, object]],
                                              list[tuple[Any, ...]]]:
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields):
        raise ValueError(f"{meta.label}: auto_now fields need bulk_create (pre_save)")
    columns = [(f.attname, _converter(f)) for f in fields]
    rows = [tuple(convert(getattr(obj, attname)) for attname, convert in columns)
            for obj in objs]
    return meta, fields, rows


def insert_rows(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT `objs` (unsaved instances of one model, defaults already filled in by their
    constructor; no auto_now fields) in one executemany; with `ignore_conflicts`, rows
    that break a unique constraint are skipped, as bulk_create(ignore_conflicts=True)
    does. Their ids stay unset: insert_returning_ids sets them."""
    if not objs:
        return
    meta, fields, rows = _prepared(objs)
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(meta, fields, 1, ignore_conflicts=ignore_conflicts),
                           rows)


def insert_returning_ids(objs: Sequence[Model]) -> None:
    """INSERT `objs` as insert_rows does, in multi-row statements that return the new ids
    (`RETURNING`: SQLite 3.35+, PostgreSQL), which are set on the objects in order, as
    bulk_create does."""
    if not objs:
        return
    meta, fields, rows = _prepared(objs)
    pk = connection.ops.quote_name(str(meta.pk.column)) if meta.pk else "id"
    per_statement = max(1, RETURNING_PARAMS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(_insert_sql(meta, fields, len(chunk)) + f" RETURNING {pk}",
                           [value for row in chunk for value in row])
            for obj, (new_id,) in zip(objs[start:start + per_statement], cursor.fetchall(),
                                      strict=True):
                obj.pk = new_id
                obj._state.adding, obj._state.db = False, connection.alias
