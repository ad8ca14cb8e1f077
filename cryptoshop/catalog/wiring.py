"""Wiring the catalogue: the full-text search index is (re)installed after migrations, the
encrypted digital goods are listed for data key rotation, and the listings' sats estimates
follow every rate refresh."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate

from cryptoshop.catalog.actions import encrypted_digital_files
from cryptoshop.catalog.pricing import refresh_estimates
from cryptoshop.catalog.search import install_search
from cryptoshop.core.rotation import ENCRYPTED_FILES, FileSource
from cryptoshop.rates.registry import RATES_REFRESHED

DIGITAL_FILES = FileSource("catalog.Listing.digital_file", encrypted_digital_files)


def _install_search(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    install_search(connections[using])


def install() -> None:
    post_migrate.connect(_install_search, sender=apps.get_app_config("catalog"),
                         dispatch_uid="cryptoshop.catalog.search")
    ENCRYPTED_FILES.add(DIGITAL_FILES)
    RATES_REFRESHED.add(refresh_estimates)
