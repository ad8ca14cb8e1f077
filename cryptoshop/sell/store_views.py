"""The seller's dashboard and store pages: open a store, edit it, logo, shipping options."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.images import read_upload
from cryptoshop.notifications.actions import recent_notices
from cryptoshop.sell.queries import dashboard_figures
from cryptoshop.stores import actions
from cryptoshop.stores.forms import LogoForm, ShippingForm, StoreForm
from cryptoshop.stores.models import Store


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    store = actions.store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    # Shown, not marked read: that takes a POST in the notification centre.
    notices = recent_notices(store.owner, limit=5)
    return render(request, "sell/dashboard.html", {
        "store": store, "notices": notices, **dashboard_figures(store)})


@login_required
@require_http_methods(["GET", "POST"])
def open_store(request: HttpRequest) -> HttpResponse:
    if actions.store_of(page_user(request)) is not None:
        return redirect("sell:dashboard")
    form = StoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            store = actions.do_open_store(page_user(request),
                                          actions.StoreInput(**form.cleaned_data))
        except ActionError as exc:
            apply_error(form, exc)
            return render(request, "sell/open.html", {"form": form}, status=400)
        messages.success(request, f"“{store.name}” is open. Add a shipping option, then "
                                  "your first listing.")
        return redirect("sell:store")
    return render(request, "sell/open.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def edit_store(request: HttpRequest) -> HttpResponse:
    store: Store = actions.own_store(page_user(request))
    form = StoreForm(request.POST if request.method == "POST" else None, initial={
        "name": store.name, "slug": store.slug, "description": store.description,
        "policies": store.policies})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_store(store, actions.StoreInput(**form.cleaned_data))
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Store saved.")
            return redirect("sell:store")
    return render(request, "sell/store.html", {
        "store": store, "form": form, "logo_form": LogoForm(), "shipping_form": ShippingForm(),
        "options": list(store.shipping_options.all()),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def upload_logo(request: HttpRequest) -> HttpResponse:
    store = actions.own_store(page_user(request))
    upload = request.FILES.get("logo")
    if upload is None:
        messages.error(request, "Choose an image file.")
        return redirect("sell:store")
    try:
        actions.do_set_logo(store, read_upload(upload) or b"")
        messages.success(request, "Logo updated.")
    except ActionError as exc:
        messages.error(request, getattr(exc, "details", {}).get("logo", [exc.message])[0])
    return redirect("sell:store")


def _shipping_input(form: ShippingForm) -> actions.ShippingInput:
    return actions.ShippingInput(name=form.cleaned_data["name"],
                                 regions=form.cleaned_data["regions"],
                                 cost_sat=form.cleaned_data["cost_sat"],
                                 active=form.cleaned_data["active"])


def _save_shipping(request: HttpRequest, save: Callable[[actions.ShippingInput], object],
                   done: str) -> HttpResponse:
    """Validate the shipping form, save it through the action, and say how it went."""
    form = ShippingForm(request.POST)
    if form.is_valid():
        try:
            save(_shipping_input(form))
            messages.success(request, done)
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Check the shipping option: " + "; ".join(
            f"{form.fields[k].label}: {v[0]}" for k, v in form.errors.items() if k in form.fields))
    return redirect("sell:store")


@login_required
@require_POST
def add_shipping(request: HttpRequest) -> HttpResponse:
    store = actions.own_store(page_user(request))
    return _save_shipping(request, lambda data: actions.do_add_shipping_option(store, data),
                          "Shipping option added.")


@login_required
@require_POST
def edit_shipping(request: HttpRequest, option_id: int) -> HttpResponse:
    store = actions.own_store(page_user(request))
    option = actions.shipping_option_of(store, option_id)
    if request.POST.get("delete"):
        actions.do_delete_shipping_option(option)
        messages.info(request, "Shipping option removed.")
        return redirect("sell:store")
    return _save_shipping(request, lambda data: actions.do_update_shipping_option(option, data),
                          "Shipping option saved.")
