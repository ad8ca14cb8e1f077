"""Re-encrypting everything at rest under the current data key (`manage.py rotate_data_key`).

What is encrypted:
- every `EncryptedTextField` of every installed model, found through the app registry, so
  a new encrypted column is rotated without anybody listing it here;
- every encrypted file, listed by the app that owns it through `ENCRYPTED_FILES` (core
  can't import the apps above it): the catalogue's digital goods.

Rows are rewritten in batches by primary key, each batch in its own transaction; a value
is rewritten only if it is still under another key and only if nobody changed it since it
was read (compare-and-set on the raw ciphertext), so the app keeps running and writing,
and a killed run simply starts again, skipping what is already done. Files are rewritten
through a temp file and a rename, so a file is always wholly under one key or the other.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from cryptoshop.core import crypto
from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.core.registry import Hooks

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class EncryptedFile:
    path: Path
    context: str  # the associated data it was sealed with


@dataclass(frozen=True)
class FileSource:
    label: str  # e.g. "catalog.Listing.digital_file"
    files: Callable[[], Iterable[EncryptedFile]]


# Every kind of encrypted file, added by its app's wiring.py.
ENCRYPTED_FILES: Hooks[FileSource] = Hooks("encrypted files")

# Called after each committed batch with (what, values rewritten in it).
Progress = Callable[[str, int], None]


def encrypted_columns() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Each concrete model with its own encrypted columns (inherited ones belong to the
    parent's table and are visited there)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.local_concrete_fields
                  if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def _label(model: type[models.Model], field: EncryptedTextField) -> str:
    return f"{model._meta.app_label}.{model.__name__}.{field.name}"


def _raw(name: str) -> str:
    return f"_raw_{name}"


def _raw_batches(model: type[models.Model], fields: list[EncryptedTextField],
                 size: int, after: object = None) -> Iterator[list[tuple[object, ...]]]:
    """(pk, ciphertext, …) rows in primary-key order; Cast to plain text, so nothing is
    decrypted on the way."""
    qs = model._base_manager.annotate(
        **{_raw(f.name): Cast(f.name, output_field=models.TextField()) for f in fields})
    while True:
        page = qs.order_by("pk") if after is None else qs.filter(pk__gt=after).order_by("pk")
        rows = list(page.values_list("pk", *[_raw(f.name) for f in fields])[:size])
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _file_key(item: EncryptedFile) -> str | None:
    try:
        with item.path.open("rb") as handle:
            return crypto.key_id_of_bytes(handle.read(40))
    except FileNotFoundError:
        return None  # replaced or deleted meanwhile: nothing left to count or rotate


def census(batch: int = DEFAULT_BATCH) -> dict[str, Counter[str]]:
    """How many values each key encrypts, per column and per kind of file."""
    counts: dict[str, Counter[str]] = {}
    for model, fields in encrypted_columns():
        for field in fields:
            counts[_label(model, field)] = Counter()
        for rows in _raw_batches(model, fields, batch):
            for row in rows:
                for field, raw in zip(fields, row[1:], strict=True):
                    if raw:
                        counts[_label(model, field)][crypto.key_id_of(str(raw))] += 1
    for source in ENCRYPTED_FILES:
        tally: Counter[str] = Counter()
        for item in source.files():
            kid = _file_key(item)
            if kid is not None:
                tally[kid] += 1
        counts[f"{source.label} (files)"] = tally
    return counts


def _rotate_rows(model: type[models.Model], fields: list[EncryptedTextField],
                 rows: list[tuple[object, ...]]) -> int:
    """Rewrite one batch under the current key; returns how many values changed."""
    _, current = crypto.key_ring()
    done = 0
    with transaction.atomic():
        for row in rows:
            pk = row[0]
            for field, raw in zip(fields, row[1:], strict=True):
                if not raw or crypto.key_id_of(str(raw)) == current:
                    continue
                plain = crypto.decrypt(str(raw), context=field._context())
                # Only if it still holds what we read: a value the app rewrote meanwhile
                # is already under the current key.
                done += model._base_manager.filter(pk=pk).alias(
                    **{_raw(field.name): Cast(field.name, output_field=models.TextField())}
                ).filter(**{_raw(field.name): raw}).update(**{field.name: plain})
    return done


def rotate_columns(batch: int = DEFAULT_BATCH, progress: Progress | None = None) -> int:
    total = 0
    for model, fields in encrypted_columns():
        what = f"{model._meta.app_label}.{model.__name__}"
        for rows in _raw_batches(model, fields, batch):
            done = _rotate_rows(model, fields, rows)
            total += done
            if progress is not None:
                progress(what, done)
    return total


def _rewrite_file(item: EncryptedFile, current: str) -> bool:
    try:
        blob = item.path.read_bytes()
    except FileNotFoundError:
        return False
    if crypto.key_id_of_bytes(blob) == current:
        return False
    sealed = crypto.encrypt_bytes(crypto.decrypt_bytes(blob, context=item.context),
                                  context=item.context)
    # A fixed temp name: a run killed mid-write leaves at most one, which the next run
    # overwrites. The rename is atomic: readers see the old file or the new one.
    tmp = item.path.with_name(item.path.name + ".rotating")
    with tmp.open("wb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(item.path)
    return True


def rotate_files(progress: Progress | None = None) -> int:
    total = 0
    for source in ENCRYPTED_FILES:
        done = 0
        for item in source.files():
            _, current = crypto.key_ring()
            done += _rewrite_file(item, current)
        total += done
        if progress is not None:
            progress(source.label, done)
    return total


def key_in_use(kid: str) -> int:
    """How many values (rows and files) the key still encrypts."""
    return sum(tally[kid] for tally in census().values())
