"""Wiring the catalogue: the full-text search index is (re)installed after migrations."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate

from cryptoshop.catalog.search import install_search


def _install_search(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    install_search(connections[using])


def install() -> None:
    post_migrate.connect(_install_search, sender=apps.get_app_config("catalog"),
                         dispatch_uid="cryptoshop.catalog.search")
