"""The seller's orders: the list (by status), one order, marking it shipped, refunding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.forms import ShipForm
from cryptoshop.orders.models import Order, OrderEvent
from cryptoshop.orders.views import order_page
from cryptoshop.payments import refund_views


@login_required
def seller_orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = order_actions.orders_of_seller(page_user(request)).prefetch_related("items")
    if status in Order.Status.values:
        qs = qs.filter(status=status)
    items, pagination = paginate(qs, clamp_page(request.GET.get("page")), 20)
    return render(request, "sell/orders.html", {
        "orders": items, "pagination": pagination, "status": status,
        "statuses": Order.Status.choices})


@never_cache
@login_required
def seller_order(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_actions.order_for_seller(page_user(request), public_id)
    return order_page(request, order, OrderEvent.Actor.SELLER)


@login_required
@require_POST
def seller_ship(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_actions.order_for_seller(page_user(request), public_id)
    form = ShipForm(request.POST)
    if form.is_valid():
        try:
            order_actions.do_mark_shipped(order, page_user(request), form.cleaned_data["note"])
            messages.success(request, "Marked as shipped. The buyer can see your note.")
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "The note is too long.")
    return redirect("sell:order", public_id=public_id)


@login_required
@require_POST
def seller_refund(request: HttpRequest, public_id: str) -> HttpResponse:
    """Cancel-and-refund a paid direct order, or return what is owed (an overpayment, an
    unfinished payment): the seller then pays the shown QR from their own wallet."""
    order = order_actions.order_for_seller(page_user(request), public_id)
    try:
        messages.success(request, refund_views.start_refund_from_form(request, order))
    except ActionError as exc:
        messages.error(request, refund_views.error_message(exc))
    return redirect(f"{reverse('sell:order', args=[public_id])}#refund-card")
