"""{% load ui %}: the one status -> badge map, and the components that render pagination."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from cryptoshop.catalog.models import Listing
from cryptoshop.core.pagination import Pagination
from cryptoshop.core.templatetags.ui import STATUS_VARIANTS, badge_variant
from cryptoshop.escrow.models import Escrow
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice

BADGE_VARIANTS = {"", "outline", "secondary", "destructive"}


def _render(source: str, **context: object) -> str:
    return Template("{% load ui %}" + source).render(Context(context))


@pytest.mark.parametrize("model", [Order, Invoice, Escrow, Listing])
def test_every_status_of_the_badged_models_is_in_the_map(model: type) -> None:
    missing = set(model.Status.values) - set(STATUS_VARIANTS)
    assert not missing, f"{model.__name__} statuses without a badge variant: {missing}"


def test_the_map_names_only_stored_statuses_and_basecoat_variants() -> None:
    stored = {*Order.Status.values, *Invoice.Status.values, *Escrow.Status.values,
              *Listing.Status.values}
    assert set(STATUS_VARIANTS) <= stored
    assert set(STATUS_VARIANTS.values()) <= BADGE_VARIANTS


@pytest.mark.parametrize(("status", "variant"), [
    ("pending_payment", "outline"), ("paid", ""), ("cancelled", "secondary"),
    ("expired", "secondary"), ("new", "outline"), ("invalid", "destructive"),
    ("awaiting_payment", "outline"), ("disputed", "destructive"), ("released", ""),
])
def test_badge_variant(status: str, variant: str) -> None:
    assert badge_variant(status) == variant


def test_status_badge_renders_label_status_and_variant() -> None:
    html = _render("{% status_badge s label %}", s="disputed", label="In dispute")
    assert html == '<span class="badge" data-status="disputed" data-variant="destructive">' \
                   "In dispute</span>"
    assert _render("{% status_badge s label %}", s="paid", label="Paid") == \
        '<span class="badge" data-status="paid">Paid</span>'


def test_status_badge_escapes_and_defaults() -> None:
    html = _render("{% status_badge s %}", s="<weird>")
    assert html == ('<span class="badge" data-status="&lt;weird&gt;" data-variant="outline">'
                    "&lt;weird&gt;</span>")


def _pages(page: int, pages: int, total: int) -> Pagination:
    return Pagination(page=page, limit=10, total=total, pages=pages)


def test_pagination_component_keeps_the_query_and_counts() -> None:
    html = Template('{% include "components/pagination.html" with noun="order" %}').render(
        Context({"pagination": _pages(2, 3, 25), "query": "status=paid"}))
    assert 'href="?status=paid&amp;page=1" rel="prev"' in html
    assert 'href="?status=paid&amp;page=3" rel="next"' in html
    assert 'aria-current="page">2<' in html
    assert "Page 2 of 3 · 25 orders" in html


def test_pagination_component_uses_the_request_query_without_one(rf) -> None:  # type: ignore[no-untyped-def]
    request = rf.get("/escrow/disputes/", {"status": "closed", "page": "1"})
    html = Template('{% include "components/pagination.html" %}').render(
        Context({"pagination": _pages(1, 2, 30), "request": request}))
    assert 'href="?status=closed&amp;page=2" rel="next"' in html
    assert "Page 1 of 2</p>" in html
    one_page = Template('{% include "components/pagination.html" %}').render(
        Context({"pagination": _pages(1, 1, 3), "request": request}))
    assert one_page.strip() == ""
