"""The seller's webhook pages (/sell/webhooks/): list, create, edit (events, active,
secret), delete, the delivery log with each attempt, redeliver and a test ping. Plain
forms, so they work without JavaScript; every object is looked up in the caller's store."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.stores.actions import store_of
from cryptoshop.webhooks import actions, delivery
from cryptoshop.webhooks.forms import WebhookForm

PAGE_SIZE = 20


@never_cache
@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    store = store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    return render(request, "webhooks/list.html", {
        "active": "webhooks", "store": store,
        "webhooks": actions.webhooks_of(page_user(request))})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    store = store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    form = WebhookForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = actions.do_create_webhook(store, form.to_input())
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Endpoint added. Its secret is shown below: give it "
                                      "to your receiver to check signatures.")
            return redirect("webhooks:edit", webhook.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {"active": "webhooks", "form": form},
                  status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    webhook = actions.webhook_of_seller(page_user(request), public_id)
    initial = {"url": webhook.url, "events": webhook.events, "enabled": webhook.enabled}
    form = WebhookForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_webhook(webhook, form.to_input())
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:edit", webhook.public_id)
    deliveries, pagination = paginate(actions.deliveries_of(webhook),
                                      clamp_page(request.GET.get("page")), PAGE_SIZE)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {
        "active": "webhooks", "form": form, "webhook": webhook, "deliveries": deliveries,
        "pagination": pagination}, status=status)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    webhook = actions.webhook_of_seller(page_user(request), public_id)
    actions.do_delete_webhook(webhook)
    messages.success(request, "Endpoint deleted, with its delivery log.")
    return redirect("webhooks:list")


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, public_id: str) -> HttpResponse:
    webhook = actions.webhook_of_seller(page_user(request), public_id)
    actions.do_rotate_secret(webhook)
    messages.success(request, "New secret made; the old one no longer signs anything.")
    return redirect("webhooks:edit", webhook.public_id)


@login_required
@require_POST
def webhook_test(request: HttpRequest, public_id: str) -> HttpResponse:
    webhook = actions.webhook_of_seller(page_user(request), public_id)
    ping = delivery.do_test_ping(webhook)
    attempt = ping.attempt_log.get()
    if attempt.ok:
        messages.success(request, f"Test ping delivered: HTTP {attempt.status_code} "
                                  f"in {attempt.duration_ms} ms.")
    else:
        messages.error(request, f"Test ping failed: {attempt.error}")
    return redirect("webhooks:edit", webhook.public_id)


@login_required
@require_POST
def redeliver(request: HttpRequest, public_id: str, delivery_id: str) -> HttpResponse:
    webhook = actions.webhook_of_seller(page_user(request), public_id)
    again = delivery.do_redeliver(actions.delivery_of(webhook, delivery_id))
    messages.success(request, f"Queued again as {again.public_id}; it goes out within "
                              "seconds.")
    return redirect("webhooks:edit", webhook.public_id)
