"""Wiring the catalogue: the full-text search index is (re)installed after migrations, the
encrypted digital goods are listed for data key rotation, the listings' sats estimates
follow every rate refresh, a category's listings' visibility follows its saves, and
listing and photo writes retire the cached catalogue pages."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save

from cryptoshop.catalog.actions import encrypted_digital_files
from cryptoshop.catalog.cache import bump_categories, bump_generation
from cryptoshop.catalog.models import Category, Listing, ListingImage
from cryptoshop.catalog.pricing import refresh_estimates
from cryptoshop.catalog.search import install_search
from cryptoshop.catalog.visibility import ensure_price_desc_index, refresh_category
from cryptoshop.core.rotation import ENCRYPTED_FILES, FileSource
from cryptoshop.rates.registry import RATES_REFRESHED
from cryptoshop.stores.models import ShippingOption, Store

DIGITAL_FILES = FileSource("catalog.Listing.digital_file", encrypted_digital_files)


def _install_search(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    install_search(connections[using])
    ensure_price_desc_index(connections[using])


def _category_saved(sender: type[Category], instance: Category, **kwargs: Any) -> None:
    # The operator may prohibit a category (or allow it again) in the admin: its listings'
    # visibility follows, and the cached tree and counts are retired.
    refresh_category(instance.pk)
    bump_categories()


def _category_deleted(sender: type[Category], instance: Category, **kwargs: Any) -> None:
    # Only an empty category can go (PROTECT on listings and children): the tree changes.
    bump_categories()


def _listing_written(sender: type[Any], **kwargs: Any) -> None:
    # Any saved listing, photo, store or shipping option (the seller's actions, staff
    # setting "featured" in the admin, an image added or removed, a store renamed):
    # cached pages and cards are retired. Writes by
    # queryset.update() don't come here; see ADR 15 for what those leave stale.
    bump_generation()


def install() -> None:
    # Stores and their shipping options show on cards and listing pages too.
    for model in (Listing, ListingImage, Store, ShippingOption):
        post_save.connect(_listing_written, sender=model,
                          dispatch_uid=f"catalog.written.{model.__name__}.save")
        post_delete.connect(_listing_written, sender=model,
                            dispatch_uid=f"catalog.written.{model.__name__}.delete")
    post_save.connect(_category_saved, sender=Category, dispatch_uid="catalog.category_saved")
    post_delete.connect(_category_deleted, sender=Category,
                        dispatch_uid="catalog.category_deleted")
    post_migrate.connect(_install_search, sender=apps.get_app_config("catalog"),
                         dispatch_uid="cryptoshop.catalog.search")
    ENCRYPTED_FILES.add(DIGITAL_FILES)
    RATES_REFRESHED.add(refresh_estimates)
