"""What a shop page says: the operator's edited text when there is one, else the default
Markdown file shipped with the app; in both, a few placeholders filled in from the
settings, so the defaults stay true when the operator changes a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

from cryptoshop.core.markdown import render_markdown
from cryptoshop.pages.models import Page

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
TITLES = {"help": "Help", "terms": "Terms of use", "privacy": "Privacy", "fees": "Fees"}


@dataclass(frozen=True)
class ShownPage:
    slug: str
    title: str
    html: str  # sanitised by core.markdown (the template marks it |safe)
    updated_at: datetime | None  # None: the default text, never edited
    edited: bool


def escrow_fee_sentence() -> str:
    """What this marketplace charges, from the settings (no fee wallet: no fee)."""
    if not settings.ESCROW_FEE_WALLET:
        return "This marketplace charges **no fee**: no fee output is ever added."
    try:
        percent = Decimal(str(settings.ESCROW_FEE_PERCENT)).normalize()
    except InvalidOperation:
        percent = Decimal("0")
    return (f"When escrow pays a seller (a release, or the seller's share of a dispute split), "
            f"**{percent:f}%** of the seller's amount, at least "
            f"**{settings.ESCROW_FEE_MIN_SAT:,} sats**, goes to the marketplace as one more "
            "output of that payout transaction. Refunds to the buyer carry no marketplace fee.")


def placeholders() -> dict[str, str]:
    return {
        "{site_name}": str(settings.SITE_NAME),
        "{order_purge_days}": str(settings.ORDER_PURGE_DAYS),
        "{reservation_minutes}": str(settings.ORDER_RESERVATION_MINUTES),
        "{session_days}": str(settings.SESSION_COOKIE_AGE // 86400),
        "{auto_release_min_days}": str(settings.ESCROW_AUTO_RELEASE_MIN_DAYS),
        "{auto_release_max_days}": str(settings.ESCROW_AUTO_RELEASE_MAX_DAYS),
        "{escrow_fee}": escrow_fee_sentence(),
    }


def fill(text: str) -> str:
    for key, value in placeholders().items():
        text = text.replace(key, value)
    return text


def default_body(slug: str) -> str:
    return (DEFAULTS_DIR / f"{slug}.md").read_text(encoding="utf-8")


def shown_page(slug: str) -> ShownPage:
    """The page as visitors see it (Markdown rendered by core.markdown: no raw HTML)."""
    if slug not in TITLES:
        raise ValueError(slug)
    row = Page.objects.filter(slug=slug).first()
    title, body = (row.title, row.body) if row is not None else (TITLES[slug], default_body(slug))
    # render_markdown sanitises (nh3): no script, no raw HTML, only http(s) links.
    html = render_markdown(fill(body))
    return ShownPage(slug, title, html, row.updated_at if row else None, row is not None)
