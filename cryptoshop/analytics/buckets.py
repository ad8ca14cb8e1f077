"""Days, weeks, months and years in the shop's time zone (settings.TIME_ZONE): which
bucket an instant falls in, and the buckets a chart shows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

PERIODS = ("day", "week", "month", "year")
# How many buckets a chart of each period shows, ending with the current one.
SPANS = {"day": 30, "week": 26, "month": 12, "year": 5}


def zone() -> ZoneInfo:
    # Read on each call, not at import: tests and operators change TIME_ZONE.
    return ZoneInfo(settings.TIME_ZONE)


def local_date(instant: datetime) -> date:
    return instant.astimezone(zone()).date()


def local_midnight(day: date) -> datetime:
    """The instant the shop's day begins (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def month_start(day: date) -> date:
    return day.replace(day=1)


def bucket_of(day: date, period: str) -> date:
    """The first day of the week (Monday), month or year ``day`` belongs to."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def buckets(period: str, today: date) -> list[date]:
    """The chart's buckets, oldest first, the last one containing ``today``."""
    last, count = bucket_of(today, period), SPANS[period]
    if period == "day":
        return [last - timedelta(days=n) for n in range(count - 1, -1, -1)]
    if period == "week":
        return [last - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    if period == "month":
        return [add_months(last, -n) for n in range(count - 1, -1, -1)]
    return [last.replace(year=last.year - n) for n in range(count - 1, -1, -1)]


def label(start: date, period: str) -> str:
    if period == "month":
        return start.strftime("%b %Y")
    if period == "year":
        return str(start.year)
    return start.isoformat()


def clean_period(value: str | None) -> str:
    """The period asked for in the query string; anything else is a month view."""
    return value if value in PERIODS else "month"
