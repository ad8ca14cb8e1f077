"""The refund panel of a direct order's page (both parties), its live fragment, and the
buyer's form to set the order's refund address. The seller's "cancel and refund" and
"return N sats" forms post to /sell/ (sell/order_views.py), which calls refunds.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.btc.qr import qr_svg
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import StyledForm
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import refunds
from cryptoshop.payments.models import Refund

TEMPLATE = "payments/_refund.html"


class RefundForm(StyledForm):
    amount_sat = forms.IntegerField(
        required=False, min_value=1, label="Amount to return (sats)",
        help_text="Empty: everything owed. A smaller amount makes it a partial refund.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    leftover = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RefundAddressForm(StyledForm):
    refund_address = forms.CharField(
        max_length=100, label="Your refund address",
        help_text="An address of your own wallet. The seller sends refunds and leftovers "
                  "there; only the seller sees it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


def refund_context(order: Order, role: str | None = None) -> dict[str, Any]:
    """Template context for the refund panel ({} when there is nothing to show)."""
    invoice = refunds.coins_invoice(order)
    if invoice is None or refunds.is_escrow(order, invoice):
        return {}
    overview = refunds.refund_overview(order)
    all_refunds = list(order.refunds.order_by("created_at", "id"))
    current = next((r for r in all_refunds if r.status in refunds.OPEN), None)
    if not (all_refunds or overview["owedSat"] or overview["cancelAndRefundSat"]
            or not invoice.refund_address):
        return {}
    context: dict[str, Any] = {
        "refund_template": TEMPLATE, "refund_info": overview, "refund_invoice": invoice,
        "refund_list": all_refunds, "refund_open": current,
        "refund_live": current is not None, "refund_form": RefundForm(auto_id="cancel_%s"),
        "leftover_form": RefundForm(auto_id="leftover_%s"),
        "refund_address_form": RefundAddressForm(),
    }
    if current is not None:
        context["refund_uri"] = refunds.refund_uri(current)
        context["refund_qr"] = qr_svg(refunds.refund_uri(current, qr=True),
                                      title="Refund QR code")
    if role is not None:
        context.update({"order": order, "role": role})
    return context


@never_cache
@login_required
def refund_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The refund panel alone, re-fetched by live.js when the order's room hears of it."""
    order, role = order_actions.order_for_party(page_user(request), public_id)
    context = refund_context(order, role)
    if not context:
        return HttpResponse("")
    return render(request, "payments/_refund_body.html", context)


@login_required
@require_POST
def set_refund_address(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_actions.order_for_buyer(page_user(request), public_id)
    form = RefundAddressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a Bitcoin address (at most 100 characters).")
        return redirect("orders:detail", public_id=public_id)
    try:
        refunds.do_set_order_refund_address(order, page_user(request),
                                            form.cleaned_data["refund_address"])
        messages.success(request, "Refund address saved. The seller can now send refunds "
                                  "there.")
    except ActionError as exc:
        messages.error(request, _message(exc))
    return redirect("orders:detail", public_id=public_id)


def _message(exc: ActionError) -> str:
    details = getattr(exc, "details", None)
    if details:
        return " ".join(m for msgs in details.values() for m in msgs)
    return exc.message


def start_refund_from_form(request: HttpRequest, order: Order) -> str:
    """The seller's refund form (posted to /sell/): start the refund; returns the message
    to show (errors as ActionError)."""
    form = RefundForm(request.POST)
    if not form.is_valid():
        raise ActionError("The amount must be a whole number of sats, more than 0.",
                          code="validation_error")
    refund = refunds.do_start_refund(order, page_user(request),
                                     amount_sat=form.cleaned_data["amount_sat"],
                                     leftover=bool(form.cleaned_data["leftover"]))
    return (f"Refund of {refund.amount_sat:,} sats ready: pay it from your own wallet "
            "with the QR code below." if refund.kind == Refund.Kind.CANCEL else
            f"Return {refund.amount_sat:,} sats to the buyer from your own wallet with the "
            "QR code below.")


def error_message(exc: ActionError) -> str:
    return _message(exc)
