"""Template helpers for the analytics tables."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def field(row: dict[str, Any], key: str) -> Any:
    """row[key] for a key held in a variable (the series tables' column lists)."""
    return row.get(key, "")
