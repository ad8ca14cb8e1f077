"""The pay page (works without JavaScript: it refreshes itself) and its live fragment. The
regtest demo wallet's buttons are in the demo app; the seller's payout settings page is in
the sell app."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cryptoshop.accounts.who import page_user
from cryptoshop.btc.qr import qr_svg
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions
from cryptoshop.payments.forms import PayForm
from cryptoshop.payments.models import Invoice, PaymentSettings
from cryptoshop.payments.registry import ESCROW_MODE

logger = logging.getLogger(__name__)
FINAL = {Invoice.Status.SETTLED, Invoice.Status.INVALID}



SENT_KEY = "payments_sent"  # invoice public id -> txid a wallet of ours just broadcast


def note_payment_sent(request: HttpRequest, invoice: Invoice, txid: str) -> None:
    """Remember that this session's wallet (the regtest demo wallet) sent the payment, so
    the page says so at once instead of "Waiting for your payment" until the watcher sees
    it."""
    sent = request.session.get(SENT_KEY)
    sent = dict(sent) if isinstance(sent, dict) else {}
    sent[invoice.public_id] = txid
    request.session[SENT_KEY] = dict(list(sent.items())[-10:])


def status_context(request: HttpRequest, order: Order,
                   invoice: Invoice | None) -> dict[str, object]:
    sent = request.session.get(SENT_KEY)
    sent_txid = (sent.get(invoice.public_id, "") if isinstance(sent, dict) and invoice is not None
                 and invoice.status == Invoice.Status.NEW and not invoice.paid_sat else "")
    context: dict[str, object] = {"order": order, "invoice": invoice, "sent_txid": sent_txid,
                                  "demo": settings.DEMO_WALLET}
    if invoice is not None:
        uri = actions.bip21_uri(invoice)
        context.update({
            "uri": uri, "qr": qr_svg(actions.bip21_uri(invoice, qr=True),
                                     title="Payment QR code"),
            "flags": actions.settle_flags(invoice),
            "payments": list(invoice.payments.all()),
            "live": invoice.status not in FINAL,
        })
    return context


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, public_id: str) -> HttpResponse:
    order = order_actions.order_for_buyer(page_user(request), public_id)
    invoice = actions.open_invoice(order)
    # The buyer's default refund address (account settings) prefills the field.
    form = PayForm(request.POST if request.method == "POST" else None,
                   initial={"refund_address": page_user(request).default_refund_address})
    ps = PaymentSettings.objects.filter(store=order.store).first()
    if ps is not None and ps.mode == PaymentSettings.Mode.ESCROW:
        form.fields["refund_address"].label = "Refund address (required for escrow)"
        form.fields["refund_address"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_create_invoice(order, page_user(request),
                                      refund_address=form.cleaned_data["refund_address"],
                                      client_ip=client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
        else:
            return redirect("payments:pay", public_id=order.public_id)
    needs_new = invoice is None or invoice.expired_unpaid
    escrow_mode = ps is not None and ps.mode == PaymentSettings.Mode.ESCROW
    context = {**status_context(request, order, invoice), "form": form, "payable": ps is not None,
               "needs_new": needs_new and order.status == Order.Status.PENDING_PAYMENT,
               "escrow_mode": escrow_mode, "escrow": getattr(order, "escrow", None),
               "escrow_key": escrow_mode and ESCROW_MODE.get().has_key(page_user(request))}
    return render(request, "payments/pay.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def pay_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live part of the pay page, re-fetched by live.js when an event arrives."""
    order, invoice, _role = actions.invoice_for_party(page_user(request), public_id)
    return render(request, "payments/_status.html", status_context(request, order, invoice))
