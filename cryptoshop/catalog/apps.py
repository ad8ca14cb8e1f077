from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_search(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from cryptoshop.catalog.search import install_search

    install_search(connections[using])


class CatalogConfig(AppConfig):
    name = "cryptoshop.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        post_migrate.connect(_install_search, sender=self)
