"""The pay page (works without JavaScript: it refreshes itself), its live fragment, the
regtest demo wallet, and the seller's payout settings."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.btc.qr import qr_svg
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.escrow.keys import key_of as escrow_key_of
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions
from cryptoshop.payments.forms import PayForm, PayoutForm
from cryptoshop.payments.models import Invoice, PaymentSettings
from cryptoshop.stores.actions import own_store

logger = logging.getLogger(__name__)
FINAL = {Invoice.Status.SETTLED, Invoice.Status.INVALID}



def status_context(order: Order, invoice: Invoice | None) -> dict[str, object]:
    context: dict[str, object] = {"order": order, "invoice": invoice,
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
    form = PayForm(request.POST if request.method == "POST" else None)
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
    needs_new = invoice is None or (invoice.status == Invoice.Status.EXPIRED
                                    and invoice.paid_sat == 0)
    escrow_mode = ps is not None and ps.mode == PaymentSettings.Mode.ESCROW
    context = {**status_context(order, invoice), "form": form, "payable": ps is not None,
               "needs_new": needs_new and order.status == Order.Status.PENDING_PAYMENT,
               "escrow_mode": escrow_mode, "escrow": getattr(order, "escrow", None),
               "escrow_key": escrow_key_of(page_user(request)) if escrow_mode else None}
    return render(request, "payments/pay.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def pay_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live part of the pay page, re-fetched by live.js when an event arrives."""
    order, invoice, _role = actions.invoice_for_party(page_user(request), public_id)
    return render(request, "payments/_status.html", status_context(order, invoice))


def _demo_node() -> RegtestNode:
    if not settings.DEMO_WALLET or settings.BITCOIN_NETWORK != "regtest":
        raise NotFound("The demo wallet only exists on regtest.")
    directory = Path(settings.VAR_DIR) / "regtest"
    if not (directory / "state.json").exists():
        raise ActionError("The regtest node isn't running (manage.py regtest start).")
    return RegtestNode.attach(directory)


@login_required
@require_POST
def demo_pay(request: HttpRequest, public_id: str) -> HttpResponse:
    """Regtest only: pay what is due from the harness's mined coins (a real transaction)."""
    order = order_actions.order_for_buyer(page_user(request), public_id)
    invoice = actions.open_invoice(order)
    if invoice is None or invoice.due_sat == 0:
        messages.info(request, "Nothing is due.")
        return redirect("payments:pay", public_id=public_id)
    try:
        txid = _demo_node().fund(invoice.address, invoice.due_sat)
        messages.success(request, f"The demo wallet sent {invoice.due_sat:,} sats "
                                  f"(transaction {txid[:16]}…).")
    except ActionError as exc:
        messages.error(request, exc.message)
    except Exception as exc:  # the node's own error, shown to the demo user
        logger.warning("demo wallet failed: %s", exc)
        messages.error(request, f"The demo wallet could not pay: {exc}")
    return redirect("payments:pay", public_id=public_id)


@login_required
@require_POST
def demo_mine(request: HttpRequest, public_id: str) -> HttpResponse:
    order_actions.order_for_buyer(page_user(request), public_id)
    mine_demo_block(request)
    return redirect("payments:pay", public_id=public_id)


def mine_demo_block(request: HttpRequest) -> None:
    """Regtest demo: mine one block on the local node, saying how it went."""
    try:
        _demo_node().mine(1)
        messages.success(request, "Mined a block.")
    except ActionError as exc:
        messages.error(request, exc.message)
    except Exception as exc:  # the node's own error, shown to the demo user
        messages.error(request, f"Could not mine: {exc}")


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
            actions.do_set_payout(store, actions.PayoutInput(**form.cleaned_data))
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Wallet saved. Compare the addresses below with your "
                                      "wallet's first receive addresses.")
            return redirect("sell:payments")
    return render(request, "payments/payout.html", {
        "store": store, "form": form, "current": current,
        "addresses": actions.first_addresses(current) if current else [],
        "network": settings.BITCOIN_NETWORK,
        "escrow_key": escrow_key_of(page_user(request)),
    }, status=400 if form.errors else 200)
