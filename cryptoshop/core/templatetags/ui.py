"""Small UI pieces for templates: `{% load ui %}`.

`{% page_href number %}` is a pagination link (components/pagination.html).

`{% status_badge order.status order.get_status_display %}` renders a basecoat badge whose
variant comes from STATUS_VARIANTS, the one map of status value -> badge variant for
orders, invoices, escrows and listings. Core imports no other app, so the keys are the
values those models store (tests/app/test_ui_tags.py checks they still exist)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# "" is basecoat's default (primary) badge: the thing moved forward or ended well.
# outline: waiting for someone; secondary: ended without completing; destructive: needs
# attention or failed.
STATUS_VARIANTS: dict[str, str] = {
    # orders.Order.Status
    "pending_payment": "outline",
    "paid": "",
    "shipped": "",
    "completed": "",
    "cancelled": "secondary",
    "expired": "secondary",  # also payments.Invoice.Status
    "refunded": "",  # also escrow.Escrow.Status
    # payments.Invoice.Status
    "new": "outline",
    "processing": "",
    "settled": "",
    "invalid": "destructive",
    # escrow.Escrow.Status
    "awaiting_payment": "outline",
    "funded": "",
    "disputed": "destructive",
    "settling": "",
    "released": "",
    "split": "",
    # catalog.Listing.Status
    "draft": "outline",
    "active": "",
    "hidden": "outline",
}


def badge_variant(status: str) -> str:
    """The badge variant for a status value; an unknown status gets the outline badge."""
    return STATUS_VARIANTS.get(status, "outline")


@register.simple_tag
def status_badge(status: str, label: str | None = None) -> SafeString:
    """<span class="badge" data-status="…" data-variant="…">label</span> (label defaults
    to the status value itself)."""
    variant = badge_variant(str(status))
    text = status if label is None else label
    if variant:
        return format_html('<span class="badge" data-status="{}" data-variant="{}">{}</span>',
                           status, variant, text)
    return format_html('<span class="badge" data-status="{}">{}</span>', status, text)


@register.simple_tag(takes_context=True)
def page_href(context: template.Context, number: int) -> str:
    """"?<filters>&page=<number>". The filters are the context's `query` (a query string
    without the page, e.g. the catalogue's ListingFilters.base_query) when there is one;
    otherwise the current request's query string, so a page link keeps every filter."""
    query: Any = context.get("query")
    if query is None:
        request = context.get("request")
        params = request.GET.copy() if request is not None else QueryDict(mutable=True)
        params["page"] = str(number)
        return f"?{params.urlencode()}"
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def lines(values: Any) -> str:
    """A list as one value per line (e.g. recovery codes for components/copy_field.html)."""
    return "\n".join(str(value) for value in values)
