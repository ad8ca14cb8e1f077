"""Average, count and distribution of a set of reviews, computed exactly from the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Summary:
    average: Decimal = Decimal("0.00")
    count: int = 0
    # Reviews with 1, 2, 3, 4 and 5 stars.
    distribution: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])

    @property
    def bars(self) -> list[dict[str, int]]:
        """5★ down to 1★, each with its count and share in whole percent (for the bars)."""
        return [{"stars": stars, "count": self.distribution[stars - 1],
                 "percent": round(100 * self.distribution[stars - 1] / self.count)
                 if self.count else 0} for stars in range(5, 0, -1)]

    def as_api(self) -> dict[str, Any]:
        return {"average": str(self.average), "count": self.count,
                "distribution": {str(stars): self.distribution[stars - 1]
                                 for stars in range(1, 6)}}


def average_of(distribution: list[int]) -> Decimal:
    count = sum(distribution)
    if not count:
        return Decimal("0.00")
    total = sum(stars * n for stars, n in enumerate(distribution, start=1))
    return (Decimal(total) / Decimal(count)).quantize(CENT, rounding=ROUND_HALF_UP)


def summary_of(reviews: QuerySet[Any]) -> Summary:
    """One GROUP BY query over `reviews` (already narrowed to the visible ones)."""
    distribution = [0, 0, 0, 0, 0]
    for row in reviews.order_by().values("rating").annotate(n=Count("id")):
        distribution[row["rating"] - 1] = row["n"]
    return Summary(average_of(distribution), sum(distribution), distribution)


def summary_from(average: Decimal, count: int, distribution: list[int] | None) -> Summary:
    """A summary from stored aggregates (a store's), without a query."""
    dist = list(distribution or [0, 0, 0, 0, 0])
    return Summary(average, count, dist if len(dist) == 5 else [0, 0, 0, 0, 0])
