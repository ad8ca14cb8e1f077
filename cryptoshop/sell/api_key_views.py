"""The seller's API keys (/sell/api-keys/): create with scopes (the secret is shown in
the answer to that POST only, never stored), list with last use, revoke. Plain forms, so
they work without JavaScript; keys are looked up in the caller's store only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.stores import api_keys
from cryptoshop.stores.actions import store_of
from cryptoshop.stores.forms import ApiKeyForm

RESEND_WINDOW_S = 3600


def _first_send(store_pk: int, form_id: str) -> bool:
    """False when this rendered form was already submitted (the browser's reload of the
    page that shows the secret sends the POST again). The secret can't be carried over a
    redirect without storing it, so the page answers the POST itself and repeats are
    caught here; the shared cache makes this hold across processes."""
    return not form_id or bool(cache.add(_sent_key(store_pk, form_id), 1, RESEND_WINDOW_S))


def _sent_key(store_pk: int, form_id: str) -> str:
    return f"sell:api-key-form:{store_pk}:{form_id}"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    store = store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        if not _first_send(store.pk, form.cleaned_data["form_id"]):
            messages.info(request, "That form was already sent: its key is in the list below "
                                   "(the secret was shown once). Revoke it and make another "
                                   "if you didn't copy it.")
            return redirect("sell:api_keys")
        try:
            created = api_keys.do_create_key(store, api_keys.KeyInput(
                form.cleaned_data["name"], list(form.cleaned_data["scopes"])))
        except ActionError as exc:
            apply_error(form, exc)
            cache.delete(_sent_key(store.pk, form.cleaned_data["form_id"]))  # may be re-sent
        else:
            form = ApiKeyForm()  # the next key starts from an empty form
    status = 400 if form.errors else 200
    return render(request, "sell/api_keys.html", {
        "active": "api_keys", "store": store, "form": form, "created": created,
        "keys": api_keys.keys_of(store), "scopes": api_keys.SCOPES}, status=status)


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    store = store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    try:
        key = api_keys.do_revoke_key(api_keys.key_of(store, key_id))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Key “{key.name}” revoked: it is refused from now on.")
    return redirect("sell:api_keys")
