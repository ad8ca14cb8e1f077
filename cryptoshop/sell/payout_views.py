"""The seller's payout wallet and invoice policy (/sell/payments/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.payments import actions as payment_actions
from cryptoshop.payments.forms import PayoutForm
from cryptoshop.payments.models import PaymentSettings
from cryptoshop.payments.registry import ESCROW_MODE
from cryptoshop.stores.actions import own_store


@login_required
@require_http_methods(["GET", "POST"])
def payout_settings(request: HttpRequest) -> HttpResponse:
    store = own_store(page_user(request))
    current = PaymentSettings.objects.filter(store=store).first()
    initial = {}
    if current is not None:
        initial = {"descriptor": current.descriptor,
                   "required_confirmations": current.required_confirmations,
                   "invoice_minutes": current.invoice_minutes,
                   "watch_hours": current.watch_hours,
                   "tolerance_percent": current.tolerance_percent,
                   "mode": current.mode, "auto_release_days": current.auto_release_days}
    form = PayoutForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            payment_actions.do_set_payout(store, payment_actions.PayoutInput(**form.cleaned_data))
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Wallet saved. Compare the addresses below with your "
                                      "wallet's first receive addresses.")
            return redirect("sell:payments")
    return render(request, "sell/payout.html", {
        "store": store, "form": form, "current": current,
        "addresses": payment_actions.first_addresses(current) if current else [],
        "network": settings.BITCOIN_NETWORK,
        "escrow_key": ESCROW_MODE.get().has_key(page_user(request)),
    }, status=400 if form.errors else 200)
