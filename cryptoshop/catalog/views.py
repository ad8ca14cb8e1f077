"""Public catalog pages: home, category, search, listing, store. Plain GET forms."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cryptoshop.accounts.who import viewer
from cryptoshop.catalog.actions import listing_for_viewer
from cryptoshop.catalog.categories import categories_tree, category_by_slug
from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.pagecache import anonymous_page
from cryptoshop.catalog.queries import ListingFilters, parse_filters
from cryptoshop.catalog.registry import LISTING_SECTIONS, STORE_SECTIONS
from cryptoshop.catalog.results import home_shelves, result_page
from cryptoshop.core.dbrouter import replica_reads
from cryptoshop.core.errors import NotFound
from cryptoshop.core.markdown import render_markdown
from cryptoshop.stores.models import Store

# The public catalogue pages come whole from the cache for visitors without a session
# (catalog/pagecache.py, ADR 15). They read the catalogue from the read replica when there
# is one and it is fit (@replica_reads, core/dbrouter.py).

@replica_reads
def home(request: HttpRequest) -> HttpResponse:
    return anonymous_page(request, lambda: _home(request))


def _home(request: HttpRequest) -> HttpResponse:
    featured, newest = home_shelves()
    return render(request, "catalog/home.html", {
        "featured": featured, "newest": newest, "tree": categories_tree(),
    })


def _results(request: HttpRequest, filters: ListingFilters, template: str,
             extra: dict[str, object]) -> HttpResponse:
    items, pagination = result_page(filters)
    context = {"listings": items, "pagination": pagination, "filters": filters,
               "tree": categories_tree(), **extra}
    return render(request, template, context)


@replica_reads
def search(request: HttpRequest) -> HttpResponse:
    return anonymous_page(request, lambda: _results(
        request, parse_filters(request.GET, strict=False), "catalog/search.html", {}))


@replica_reads
def category(request: HttpRequest, slug: str) -> HttpResponse:
    return anonymous_page(request, lambda: _category(request, slug))


def _category(request: HttpRequest, slug: str) -> HttpResponse:
    cat, children = category_by_slug(slug)
    if cat is None:
        raise NotFound("No such category.")
    params = request.GET.copy()
    params["category"] = slug
    filters = parse_filters(params, strict=False)
    return _results(request, filters, "catalog/category.html",
                    {"category": cat, "children": children})


@replica_reads
def store_page(request: HttpRequest, slug: str) -> HttpResponse:
    store = Store.objects.filter(slug=slug).first()
    user = viewer(request)
    if store is None or (not store.is_active and not (
            user is not None and (user.acts_as_staff or store.owner_id == user.pk))):
        raise NotFound("No such store.")
    params = request.GET.copy()
    params["store"] = slug
    filters = parse_filters(params, strict=False)
    return _results(request, filters, "catalog/store.html", {
        "store": store, "description_html": render_markdown(store.description),
        "policies_html": render_markdown(store.policies),
        "shipping": store.shipping_options.filter(active=True),
        "sections": [html for hook in STORE_SECTIONS if (html := hook(request, store))],
    })


@replica_reads
def listing_detail(request: HttpRequest, public_id: str, slug: str = "") -> HttpResponse:
    return anonymous_page(request, lambda: _listing_detail(request, public_id, slug))


def _listing_detail(request: HttpRequest, public_id: str, slug: str) -> HttpResponse:
    listing: Listing = listing_for_viewer(public_id, viewer(request))
    if slug != listing.slug:
        return redirect("catalog:listing", public_id=listing.public_id, slug=listing.slug,
                        permanent=True)
    return render(request, "catalog/listing.html", {
        "listing": listing,
        "images": list(listing.images.all()),
        "specs": list(listing.specifications.all()),
        "tags": list(listing.tags.all()),
        "description_html": render_markdown(listing.description),
        "shipping": list(listing.store.shipping_options.filter(active=True)),
        "is_owner": request.user.is_authenticated and listing.store.owner_id == request.user.pk,
        "sections": [html for hook in LISTING_SECTIONS if (html := hook(request, listing))],
    })
