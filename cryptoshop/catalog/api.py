"""/api/products: list (filters, pagination), create, read, update, delete, photos."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts.sessions import api_user
from cryptoshop.accounts.who import api_caller
from cryptoshop.catalog import actions
from cryptoshop.catalog.cache import COUNT_TTL_S, cached, key_of
from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.queries import MAX_SAT, ListingFilters, parse_filters
from cryptoshop.catalog.results import result_page
from cryptoshop.core.api import (
    OPTIONAL_AUTH,
    CamelSchema,
    In,
    Limit,
    Page,
    Text,
    api,
    envelope,
    ok,
    paged,
    paged_envelope,
)
from cryptoshop.core.dbrouter import read_from_replica
from cryptoshop.core.images import read_upload
from cryptoshop.core.pagination import DEFAULT_LIMIT
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.key_auth import key_or_account

# Listing changes: the seller's own credentials, or a store API key with listings:write.
LISTINGS = key_or_account("listings:write")
router = Router(tags=["products"])


class ImageOut(CamelSchema):
    id: int
    url: str
    thumb_url: str
    width: int
    height: int


class StoreRef(CamelSchema):
    id: str
    slug: str
    name: str


class CategoryRef(CamelSchema):
    slug: str
    name: str


class SpecOut(CamelSchema):
    key: str
    value: str


class ProductOut(CamelSchema):
    id: str
    title: str
    slug: str
    url: str
    description: str
    category: CategoryRef
    tags: list[str]
    price_mode: str
    price_sat: int | None
    price_fiat: str | None
    fiat_currency: str | None
    price_sat_estimate: int | None = Field(
        description="the price in sats now: priceSat, or a fiat price at the current rate "
                    "(what sorting and minPrice/maxPrice compare); null while there is no "
                    "rate. A fiat price is fixed in sats only at checkout.")
    stock: int | None
    in_stock: bool
    kind: str
    status: str
    featured: bool
    sold_count: int
    rating_avg: str
    rating_count: int
    store: StoreRef
    images: list[ImageOut]
    specifications: list[SpecOut]
    created_at: datetime
    updated_at: datetime


def product_out(listing: Listing, *, detail: bool = True) -> dict[str, Any]:
    return {
        "id": listing.public_id, "title": listing.title, "slug": listing.slug,
        "url": f"/l/{listing.public_id}/{listing.slug}/",
        "description": listing.description if detail else "",
        "category": {"slug": listing.category.slug, "name": listing.category.name},
        "tags": [t.name for t in listing.tags.all()],
        "priceMode": listing.price_mode, "priceSat": listing.price_sat,
        "priceFiat": str(listing.price_fiat) if listing.price_fiat is not None else None,
        "fiatCurrency": listing.fiat_currency or None,
        "priceSatEstimate": listing.price_sat_estimate,
        "stock": listing.stock, "inStock": listing.in_stock, "kind": listing.kind,
        "status": listing.status, "featured": listing.featured,
        "soldCount": listing.sold_count, "ratingAvg": str(listing.rating_avg),
        "ratingCount": listing.rating_count,
        "store": {"id": listing.store.public_id, "slug": listing.store.slug,
                  "name": listing.store.name},
        "images": [{"id": i.pk, "url": f"/media/{i.path}", "thumbUrl": f"/media/{i.thumb_path}",
                    "width": i.width, "height": i.height} for i in listing.images.all()],
        "specifications": [{"key": s.key, "value": s.value}
                           for s in listing.specifications.all()] if detail else [],
        "createdAt": listing.created_at, "updatedAt": listing.updated_at,
    }


ProductListOut = paged_envelope(ProductOut, "ProductListOut")
Sats = Annotated[int, Field(ge=0, le=MAX_SAT)]


class ProductQuery(CamelSchema):
    """What GET /api/products reads (catalog.queries.parse_filters, the same as the pages)."""

    q: Text = Field(default="", max_length=200, description="search words")
    category: Text = Field(default="", max_length=60, description="category slug")
    min_price: Sats | None = Field(default=None, description="sats, compared with "
                                   "priceSatEstimate (fiat prices at the current rate)")
    max_price: Sats | None = Field(default=None, description="sats, not below minPrice")
    kind: Literal["", "physical", "digital"] = ""
    in_stock: bool = False
    store: Text = Field(default="", max_length=60, description="store slug")
    min_rating: int | None = Field(
        default=None, ge=1, le=4,
        description="only listings whose review average is at least this many stars "
                    "(listings without reviews are left out)")
    sort_by: Literal["", "relevance", "newest", "price", "priceDesc", "bestselling",
                     "rating"] = Field(default="", description="price: by priceSatEstimate, "
                                       "cheapest first (sortOrder=desc reverses it); "
                                       "priceDesc: dearest first; rating: best average "
                                       "first, then most reviews, then newest; unreviewed "
                                       "listings last")
    sort_order: Literal["", "asc", "desc"] = ""
    page: Page = 1
    limit: Limit = DEFAULT_LIMIT


@router.get("", response=ProductListOut, by_alias=True)
def list_products(request: HttpRequest, query: Query[ProductQuery]) -> HttpResponse:
    """Active listings, filtered and sorted; `relevance` needs `q`."""
    # From the read replica when there is one and it is fit (core/dbrouter.py).
    return read_from_replica(request, lambda: _list_products(request))


def _list_products(request: HttpRequest) -> HttpResponse:
    filters = parse_filters(request.GET, strict=True)
    # The same for every caller: the whole JSON body is cached per filter set and page
    # under the catalogue's generation (ADR 15), validated against ProductListOut once.
    key = key_of(f"{filters.query_string()}&limit={filters.limit}")
    body = cached(f"api:{key}", lambda: _products_body(request, filters), COUNT_TTL_S)
    return HttpResponse(body, content_type=api.renderer.media_type)


def _products_body(request: HttpRequest, filters: ListingFilters) -> str:
    # What Ninja does with a returned dict: validate against the response schema, dump by
    # alias, render with the API's renderer.
    cards, pagination = result_page(filters, tags=True)
    out = paged([product_out(i, detail=False) for i in cards.listings], pagination)
    return str(api.renderer.render(
        request, cast("type[Schema]", ProductListOut).model_validate(out).model_dump(by_alias=True),
        response_status=200))


# Listing.PriceMode, Listing.Kind, Listing.Status (tests/app/test_openapi.py holds them together).
PriceMode = Literal["sat", "fiat"]
Kind = Literal["physical", "digital"]
ListingStatus = Literal["draft", "active", "hidden"]


class SpecIn(In):
    key: str = Field(max_length=60)
    value: str = Field(max_length=200)


class ProductIn(In):
    title: str = Field(max_length=200)
    category: str = Field(max_length=60, description="category slug")
    description: str = Field(default="", max_length=20000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    price_mode: PriceMode = "sat"
    price_sat: int | None = None
    price_fiat: Decimal | None = Field(default=None, strict=False)
    fiat_currency: str = ""
    stock: int | None = None
    kind: Kind = "physical"
    digital_text: str = Field(default="", max_length=20000)
    status: ListingStatus = "draft"
    specifications: list[SpecIn] = Field(default_factory=list, max_length=40)


class ProductPatch(In):
    title: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=20000)
    tags: list[str] | None = Field(default=None, max_length=20)
    price_mode: PriceMode | None = None
    price_sat: int | None = None
    price_fiat: Decimal | None = Field(default=None, strict=False)
    fiat_currency: str | None = None
    stock: int | None = None
    kind: Kind | None = None
    digital_text: str | None = Field(default=None, max_length=20000)
    status: ListingStatus | None = None
    specifications: list[SpecIn] | None = Field(default=None, max_length=40)



def _input(payload: ProductIn) -> actions.ListingInput:
    data = payload.model_dump(exclude={"specifications"})
    return actions.ListingInput(**data, specifications=[(s.key, s.value)
                                                        for s in payload.specifications])


@router.post("", auth=LISTINGS, response={201: envelope(ProductOut)}, by_alias=True)
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    """Create a listing in your store (status draft by default)."""
    listing = actions.do_create_listing(own_store(api_caller(request)), _input(payload))
    return Status(201, ok(product_out(listing)))


@router.get("/{product_id}", response=envelope(ProductOut), by_alias=True,
            openapi_extra=OPTIONAL_AUTH)
def get_product(request: HttpRequest, product_id: str) -> dict[str, Any]:
    """A public listing, or your own in any status. Others' drafts are 404."""
    user = api_user(request)
    return read_from_replica(request, lambda: ok(product_out(
        actions.listing_for_viewer(product_id, user))))


@router.put("/{product_id}", auth=LISTINGS, response=envelope(ProductOut), by_alias=True)
def update_product(request: HttpRequest, product_id: str, payload: ProductPatch) -> dict[str, Any]:
    """Update your listing; fields left out keep their value."""
    listing = actions.listing_for_owner(product_id, api_caller(request))
    current = actions.listing_input_of(listing).__dict__
    changes = payload.model_dump(exclude_unset=True, exclude={"specifications"})
    if payload.specifications is not None:
        changes["specifications"] = [(s.key, s.value) for s in payload.specifications]
    merged = actions.ListingInput(**{**current, **{k: v for k, v in changes.items()
                                                   if v is not None or k == "stock"}})
    return ok(product_out(actions.do_update_listing(listing, merged)))


class DeleteOut(CamelSchema):
    outcome: str


@router.delete("/{product_id}", auth=LISTINGS, response=envelope(DeleteOut), by_alias=True)
def delete_product(request: HttpRequest, product_id: str) -> dict[str, Any]:
    """Delete your listing; one with orders is hidden instead (outcome says which)."""
    listing = actions.listing_for_owner(product_id, api_caller(request))
    return ok({"outcome": actions.do_delete_listing(listing)})


@router.post("/{product_id}/images", auth=LISTINGS, response={201: envelope(ImageOut)},
             by_alias=True)
def add_image(request: HttpRequest, product_id: str,
              file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Upload a photo (multipart field `file`): checked by content, re-encoded, metadata
    stripped."""
    listing = actions.listing_for_owner(product_id, api_caller(request))
    image = actions.do_add_image(listing, read_upload(file) or b"")
    return Status(201, ok({"id": image.pk, "url": f"/media/{image.path}",
                           "thumbUrl": f"/media/{image.thumb_path}", "width": image.width,
                           "height": image.height}))


@router.delete("/{product_id}/images/{image_id}", auth=LISTINGS, response=envelope(DeleteOut),
               by_alias=True)
def remove_image(request: HttpRequest, product_id: str, image_id: int) -> dict[str, Any]:
    listing = actions.listing_for_owner(product_id, api_caller(request))
    actions.do_remove_image(listing, image_id)
    return ok({"outcome": "deleted"})


