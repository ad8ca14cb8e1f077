"""Page/limit pagination, and the API's pagination object {page, limit, total, pages}.
The catalogue pages its results its own way (catalog/results.py, ADR 15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")
DEFAULT_LIMIT = 24
MAX_LIMIT = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Pagination:
    page: int
    limit: int
    total: int
    pages: int
    # False when total was counted only up to a cap (the catalogue, ADR 15): there are at
    # least that many, and ``more`` says whether a page follows this one.
    exact: bool = True
    more: bool | None = None

    @property
    def total_label(self) -> str:
        """"1,234", or "10,000+" when counting stopped at the cap."""
        return f"{self.total:,}" if self.exact else f"{self.total:,}+"

    @property
    def pages_label(self) -> str:
        return f"{self.pages:,}" if self.exact else f"{self.pages:,}+"

    def as_dict(self) -> dict[str, int | bool]:
        # totalExact/hasNext were added for the catalogue's capped counts (ADR 15); the
        # first four keys mean what they always did ("at least" when totalExact is false).
        return {"page": self.page, "limit": self.limit, "total": self.total,
                "pages": self.pages, "totalExact": self.exact, "hasNext": self.has_next}

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages

    @property
    def window(self) -> list[int]:
        """Page numbers to show around the current one (at most 7)."""
        start = max(1, min(self.page - 3, self.pages - 6))
        return list(range(start, min(self.pages, start + 6) + 1))


def clamp_page(value: Any, default: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(number, MAX_PAGE))


def clamp_limit(value: Any, default: int = DEFAULT_LIMIT) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, min(number, MAX_LIMIT))


def paginate(qs: QuerySet[Any], page: int, limit: int) -> tuple[list[Any], Pagination]:
    total = qs.count()
    pages = max(1, -(-total // limit))
    page = min(page, pages)
    items = list(qs[(page - 1) * limit : page * limit])
    return items, Pagination(page=page, limit=limit, total=total, pages=pages)
