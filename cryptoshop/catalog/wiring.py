"""Wiring the catalogue: the full-text search index is (re)installed after migrations, the
encrypted digital goods are listed for data key rotation, the listings' sats estimates
follow every rate refresh, and a category's listings' visibility follows its saves."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save

from cryptoshop.catalog.actions import encrypted_digital_files
from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Category
from cryptoshop.catalog.pricing import refresh_estimates
from cryptoshop.catalog.search import install_search
from cryptoshop.catalog.visibility import ensure_price_desc_index, refresh_category
from cryptoshop.core.rotation import ENCRYPTED_FILES, FileSource
from cryptoshop.rates.registry import RATES_REFRESHED

DIGITAL_FILES = FileSource("catalog.Listing.digital_file", encrypted_digital_files)


def _install_search(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    install_search(connections[using])
    ensure_price_desc_index(connections[using])


def _category_saved(sender: type[Category], instance: Category, **kwargs: Any) -> None:
    # The operator may prohibit a category (or allow it again) in the admin: its listings'
    # visibility follows, and the cached tree and counts are retired.
    refresh_category(instance.pk)


def _category_deleted(sender: type[Category], instance: Category, **kwargs: Any) -> None:
    bump_generation()


def install() -> None:
    post_save.connect(_category_saved, sender=Category, dispatch_uid="catalog.category_saved")
    post_delete.connect(_category_deleted, sender=Category,
                        dispatch_uid="catalog.category_deleted")
    post_migrate.connect(_install_search, sender=apps.get_app_config("catalog"),
                         dispatch_uid="cryptoshop.catalog.search")
    ENCRYPTED_FILES.add(DIGITAL_FILES)
    RATES_REFRESHED.add(refresh_estimates)
