"""/api/sellers: stores ("sellers" in the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts.sessions import api_auth, api_user
from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import (
    OPTIONAL_AUTH,
    CamelSchema,
    In,
    Limit,
    Page,
    Text,
    envelope,
    ok,
    paged,
    paged_envelope,
)
from cryptoshop.core.errors import NotFound
from cryptoshop.core.pagination import DEFAULT_LIMIT, paginate
from cryptoshop.stores import actions
from cryptoshop.stores.models import Store

router = Router(tags=["sellers"])


class ShippingOut(CamelSchema):
    id: int
    name: str
    regions: str
    cost_sat: int
    active: bool


class SellerOut(CamelSchema):
    id: str
    slug: str
    name: str
    url: str
    description: str
    policies: str
    logo_url: str | None
    status: str
    listing_count: int
    rating_avg: str = Field(description="average of the store's visible reviews, two "
                            "decimals (\"0.00\" with none)")
    rating_count: int
    rating_distribution: list[int] = Field(description="how many reviews gave 1, 2, 3, 4 "
                                           "and 5 stars")
    shipping_options: list[ShippingOut]
    created_at: datetime


def seller_out(store: Store, *, owner: bool = False) -> dict[str, Any]:
    # .all() then filter in Python: lists prefetch the options (no query per store).
    options = [o for o in store.shipping_options.all() if owner or o.active]
    return {
        "id": store.public_id, "slug": store.slug, "name": store.name,
        "url": f"/s/{store.slug}/", "description": store.description,
        "policies": store.policies, "logoUrl": f"/media/{store.logo}" if store.logo else None,
        "status": store.status,
        # Lists annotate n_listings (one query for the page); single reads count.
        "listingCount": store.n_listings if hasattr(store, "n_listings")
        else store.listings.filter(status="active", blocked=False).count(),
        "ratingAvg": str(store.rating_avg), "ratingCount": store.rating_count,
        "ratingDistribution": list(store.rating_distribution),
        "shippingOptions": [{"id": o.pk, "name": o.name, "regions": o.regions,
                             "costSat": o.cost_sat, "active": o.active} for o in options],
        "createdAt": store.created_at,
    }


SellerListOut = paged_envelope(SellerOut, "SellerListOut")


@router.get("", response=SellerListOut, by_alias=True)
def list_sellers(request: HttpRequest, q: Text = "", page: Page = 1,
                 limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
    """Active stores, by name. `q` filters by name."""
    qs = (Store.objects.filter(status=Store.Status.ACTIVE)
          .annotate(n_listings=Count("listings", filter=Q(listings__status="active",
                                                         listings__blocked=False)))
          .prefetch_related("shipping_options").order_by("name"))
    if q.strip():
        qs = qs.filter(name__icontains=q.strip()[:80])
    items, pagination = paginate(qs, page, limit)
    return paged([_public(s) for s in items], pagination)


def _public(store: Store) -> dict[str, Any]:
    return seller_out(store)


class SellerIn(In):
    name: str = Field(max_length=200)
    slug: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=5000)
    policies: str = Field(default="", max_length=5000)


class SellerPatch(In):
    name: str | None = Field(default=None, max_length=200)
    slug: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    policies: str | None = Field(default=None, max_length=5000)



@router.post("", auth=api_auth, response={201: envelope(SellerOut)}, by_alias=True)
def open_store(request: HttpRequest, payload: SellerIn) -> Status[dict[str, Any]]:
    """Open your store (one per account). You become a seller."""
    store = actions.do_open_store(api_caller(request), actions.StoreInput(**payload.model_dump()))
    return Status(201, ok(seller_out(store, owner=True)))


def _store_for(request: HttpRequest, seller_id: str) -> tuple[Store, bool]:
    store = Store.objects.filter(Q(public_id=seller_id) | Q(slug=seller_id)).first()
    viewer = api_user(request)
    is_owner = bool(store and viewer and store.owner_id == viewer.pk)
    if store is None or (not store.is_active and not is_owner
                         and not (viewer and viewer.acts_as_staff)):
        raise NotFound("No such seller.")
    return store, is_owner


@router.get("/{seller_id}", response=envelope(SellerOut), by_alias=True,
            openapi_extra=OPTIONAL_AUTH)
def get_seller(request: HttpRequest, seller_id: str) -> dict[str, Any]:
    """A store by id (s_…) or slug."""
    store, is_owner = _store_for(request, seller_id)
    return ok(seller_out(store, owner=is_owner))


@router.put("/{seller_id}", auth=api_auth, response=envelope(SellerOut), by_alias=True)
def update_seller(request: HttpRequest, seller_id: str, payload: SellerPatch) -> dict[str, Any]:
    store, is_owner = _store_for(request, seller_id)
    if not is_owner:
        raise NotFound("No such seller.")
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    current = {"name": store.name, "slug": store.slug, "description": store.description,
               "policies": store.policies}
    actions.do_update_store(store, actions.StoreInput(**{**current, **changes}))
    return ok(seller_out(store, owner=True))


class ShippingIn(In):
    name: str = Field(max_length=100)
    regions: str = Field(max_length=300)
    cost_sat: int
    active: bool = True


@router.post("/{seller_id}/shipping-options", auth=api_auth,
             response={201: envelope(ShippingOut)}, by_alias=True)
def add_shipping(request: HttpRequest, seller_id: str,
                 payload: ShippingIn) -> Status[dict[str, Any]]:
    store, is_owner = _store_for(request, seller_id)
    if not is_owner:
        raise NotFound("No such seller.")
    option = actions.do_add_shipping_option(store, actions.ShippingInput(**payload.model_dump()))
    return Status(201, ok({"id": option.pk, "name": option.name, "regions": option.regions,
                           "costSat": option.cost_sat, "active": option.active}))


class DeletedOut(CamelSchema):
    outcome: str


@router.delete("/{seller_id}/shipping-options/{option_id}", auth=api_auth,
               response=envelope(DeletedOut), by_alias=True)
def remove_shipping(request: HttpRequest, seller_id: str, option_id: int) -> dict[str, Any]:
    store, is_owner = _store_for(request, seller_id)
    if not is_owner:
        raise NotFound("No such seller.")
    actions.do_delete_shipping_option(actions.shipping_option_of(store, option_id))
    return ok({"outcome": "deleted"})
