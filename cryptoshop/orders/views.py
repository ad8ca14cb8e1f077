"""Checkout, the buyer's orders and the seller's order desk. Forms and redirects only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.forms import RegisterForm
from cryptoshop.accounts.views import register_and_show_token
from cryptoshop.accounts.who import page_user
from cryptoshop.cart.actions import StoreGroup, cart_groups, get_cart
from cryptoshop.catalog.actions import read_digital_file
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.core.web import render_form
from cryptoshop.orders import actions
from cryptoshop.orders.forms import CancelForm, CheckoutForm, ShipForm
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.orders.registry import ORDER_PAYMENT, ORDER_SECTIONS

PLACED_KEY = "orders_placed"  # the public ids of the orders this session's last checkout made


@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    cart = get_cart(request)
    groups = cart_groups(cart)
    if not groups:
        return _cart_is_empty(request)
    if not request.user.is_authenticated:
        return _checkout_register(request, groups)
    form = CheckoutForm(request.POST if request.method == "POST" else None, groups=groups)
    if request.method == "POST" and form.is_valid():
        assert cart is not None
        data = actions.CheckoutInput(shipping=form.shipping_choices(),
                                     address=form.cleaned_data.get("shipping_address", ""),
                                     note=form.cleaned_data["note"])
        try:
            orders = actions.do_checkout(page_user(request), cart, data,
                                         client_ip=client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render(request, "orders/checkout.html", {"form": form, "groups": groups},
                          status=exc.status if exc.status in {400, 409, 429} else 400)
        request.session[PLACED_KEY] = [o.public_id for o in orders]
        if len(orders) == 1:
            messages.success(request, "Order placed. It waits for payment.")
            return redirect("orders:detail", public_id=orders[0].public_id)
        messages.success(request, f"{len(orders)} orders placed, one per store. "
                                  "Each waits for its payment.")
        return redirect("orders:list")
    return render(request, "orders/checkout.html", {"form": form, "groups": groups},
                  status=400 if form.errors else 200)


def _cart_is_empty(request: HttpRequest) -> HttpResponse:
    """An empty cart at checkout: after a second submission (a double click, Back and
    resend) the orders just placed are what the buyer is looking for."""
    placed = request.session.get(PLACED_KEY) if request.user.is_authenticated else None
    if isinstance(placed, list) and placed:
        if len(placed) == 1:
            messages.info(request, "Your cart is empty: this order was already placed.")
            return redirect("orders:detail", public_id=str(placed[0]))
        messages.info(request, "Your cart is empty: these orders were already placed.")
        return redirect("orders:list")
    messages.info(request, "Your cart is empty.")
    return redirect("cart:view")


def _checkout_register(request: HttpRequest, groups: list[StoreGroup]) -> HttpResponse:
    """One-step anonymous registration inside checkout: errors stay on this page and the
    token page leads back here; the cart follows the new account."""
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            return register_and_show_token(request, form, reverse("checkout"))
        except ActionError as exc:
            return render_form(request, "orders/checkout_register.html",
                               {"groups": groups, "form": form}, exc)
    return render(request, "orders/checkout_register.html", {"groups": groups, "form": form},
                  status=400 if form.errors else 200)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    qs = actions.orders_of_buyer(page_user(request)).prefetch_related("items")
    items, pagination = paginate(qs, clamp_page(request.GET.get("page")), 20)
    return render(request, "orders/list.html", {"orders": items, "pagination": pagination})


@never_cache
@login_required
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    order = actions.order_for_buyer(page_user(request), public_id)
    return order_page(request, order, OrderEvent.Actor.BUYER)


def order_page(request: HttpRequest, order: Order, role: str) -> HttpResponse:
    """The order page, as its buyer or its seller (/sell/ mounts the seller's) sees it."""
    context = _detail_context(order, role)
    context["sections"] = [html for hook in ORDER_SECTIONS if (html := hook(request, order, role))]
    return render(request, "orders/detail.html", context)


def _detail_context(order: Order, role: str) -> dict[str, object]:
    items = list(order.items.select_related("listing"))
    delivered = []
    if order.status in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED):
        delivered = [i.listing for i in items if i.listing and i.kind == Listing.Kind.DIGITAL]
    return {"order": order, "items": items, "events": list(order.events.all()),
            "role": role, "delivered": delivered, "ship_form": ShipForm(),
            "cancel_form": CancelForm(), **ORDER_PAYMENT.get().page_context(order),
            "escrow": getattr(order, "escrow", None)}


@login_required
@require_POST
def order_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    order, role = actions.order_for_party(page_user(request), public_id)
    try:
        actions.do_cancel(order, page_user(request), role=role,
                          reason=request.POST.get("reason", "")[:300])
        messages.success(request, "Order cancelled; the items are back in stock.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("orders:detail" if role == OrderEvent.Actor.BUYER else "sell:order",
                    public_id=public_id)


@login_required
@require_POST
def order_received(request: HttpRequest, public_id: str) -> HttpResponse:
    order = actions.order_for_buyer(page_user(request), public_id)
    try:
        actions.do_confirm_received(order, page_user(request))
        messages.success(request, "Thanks! The order is complete.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("orders:detail", public_id=public_id)


@login_required
def digital_download(request: HttpRequest, public_id: str, listing_id: str) -> HttpResponse:
    """The digital file of a paid order, decrypted on the fly for its buyer only."""
    order = actions.order_for_buyer(page_user(request), public_id)
    if order.status not in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.COMPLETED):
        raise NotFound("Available once the payment has settled.")
    item = order.items.select_related("listing").filter(
        listing__public_id=listing_id, kind=Listing.Kind.DIGITAL).first()
    if item is None or item.listing is None or not item.listing.digital_file:
        raise NotFound("No file for this item.")
    response = HttpResponse(read_digital_file(item.listing),
                            content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{item.listing.digital_file_name}"'
    response["Cache-Control"] = "no-store"
    return response
