"""The figures on the seller's dashboard, in a fixed number of queries whatever the store's
size (counts are grouped in the database, lists are capped)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from cryptoshop.catalog.models import Listing
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import PaymentSettings
from cryptoshop.stores.models import Store

LOW_STOCK_AT = 3


def _count_by_status(qs: Any) -> dict[str, int]:
    return dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def dashboard_figures(store: Store) -> dict[str, Any]:
    listings = Listing.objects.filter(store=store)
    orders = Order.objects.filter(store=store)
    order_counts = _count_by_status(orders)
    return {
        "listing_counts": _count_by_status(listings),
        "order_counts": order_counts,
        "to_ship": order_counts.get(Order.Status.PAID, 0),
        "blocked": listings.filter(blocked=True).count(),
        "recent": orders.order_by("-created_at").prefetch_related("items")[:5],
        "has_wallet": PaymentSettings.objects.filter(store=store).exists(),
        "has_shipping": store.shipping_options.filter(active=True).exists(),
        "low_stock": listings.filter(status=Listing.Status.ACTIVE)
        .filter(Q(stock__lte=LOW_STOCK_AT) & Q(stock__isnull=False)).order_by("stock")[:5],
    }
