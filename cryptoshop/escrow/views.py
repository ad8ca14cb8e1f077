"""Escrow pages. Every action is a plain POST form (works without JavaScript); the browser
wallet (static/build/escrow-wallet.js) only adds in-browser key creation and signing."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user, staff_with_2fa
from cryptoshop.btc.psbt import parse_psbt
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.conversations.views import photo_response
from cryptoshop.core.errors import ActionError, RateLimited
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.images import read_upload
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import safe_next
from cryptoshop.escrow import keys
from cryptoshop.escrow.access import (
    escrow_for,
    escrows_of,
    open_escrow_count,
    spend_for,
    spend_waiting_for,
)
from cryptoshop.escrow.disputes import do_add_message, do_open_dispute, do_resolve
from cryptoshop.escrow.forms import DisputeForm, ExternalKeyForm, MessageForm, ResolveForm, SignForm
from cryptoshop.escrow.models import Dispute, Escrow, Role, Spend
from cryptoshop.escrow.planning import fee_percent, outputs_out
from cryptoshop.escrow.signing import check_sign, do_sign
from cryptoshop.escrow.spends import (
    auto_release_at,
    do_claim_auto_release,
    do_refund,
    do_release,
)


def _storage_key(request: HttpRequest) -> str:
    return f"cryptoshop.escrow.{page_user(request).public_id}"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def key_page(request: HttpRequest) -> HttpResponse:
    """Create (in the browser or here), paste, or replace one's escrow key."""
    user = page_user(request)
    form = ExternalKeyForm(request.POST if request.POST.get("kind") == "external" else None)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            if kind == "server":
                made = keys.do_create_server_key(user)
                # Shown in this response only; nothing of the phrase is kept.
                return render(request, "escrow/key_created.html", {
                    "key": made.key, "words": made.mnemonic.split(),
                    "next": safe_next(request, "/escrow/key/")})
            if kind == "external" and form.is_valid():
                keys.do_register_key(user, form.cleaned_data["key"], kind="external")
                messages.success(request, "Escrow key saved.")
                return redirect(safe_next(request, "/escrow/key/"))
            if kind == "browser":
                keys.do_register_key(user, request.POST.get("key", ""), kind="browser",
                                     backup=request.POST.get("backup", ""))
                messages.success(request, "Escrow key saved. Your phrase stays in this "
                                          "browser, encrypted with your escrow password.")
                return redirect(safe_next(request, "/escrow/key/"))
        except RateLimited:
            raise  # the page answers 429 with Retry-After, like any rate limit
        except ActionError as exc:
            if kind == "external":
                apply_error(form, exc)
            else:
                messages.error(request, exc.message)
    return render(request, "escrow/key.html", {
        "current": keys.key_of(user), "form": form, "network": settings.BITCOIN_NETWORK,
        "storage_key": _storage_key(request), "open_count": open_escrow_count(user),
        "path": "m/48'/0'/0'/2'" if settings.BITCOIN_NETWORK == "mainnet" else "m/48'/1'/0'/2'",
        "next": safe_next(request, "/escrow/key/"),
    }, status=400 if form.errors else 200)


@never_cache
@login_required
def escrow_list(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    items, pagination = paginate(escrows_of(user), clamp_page(request.GET.get("page")), 20)
    return render(request, "escrow/list.html", {"escrows": items, "pagination": pagination,
                                                "user": user})


@never_cache
@staff_with_2fa
def dispute_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    qs = Dispute.objects.select_related("escrow", "escrow__order", "escrow__order__store")
    if status in Dispute.Status.values:
        qs = qs.filter(status=status)
    items, pagination = paginate(qs.order_by("created_at"), clamp_page(request.GET.get("page")), 25)
    return render(request, "escrow/disputes.html", {"disputes": items, "pagination": pagination,
                                                    "status": status,
                                                    "statuses": Dispute.Status.choices})


def _thread_messages(escrow: Escrow) -> list[Message]:
    thread = Thread.objects.filter(order_id=escrow.order_id).first()
    return list(thread.messages.all()) if thread is not None else []


def _context(request: HttpRequest, escrow: Escrow, role: str) -> dict[str, Any]:
    spends = list(escrow.spends.all())
    awaiting = [s for s in spends if s.status == Spend.Status.AWAITING_SIGNATURE]
    mine = spend_waiting_for(escrow, role)
    settled = next((s for s in spends if s.status in (Spend.Status.BROADCAST,
                                                      Spend.Status.CONFIRMED)), None)
    dispute = getattr(escrow, "dispute", None)
    key = keys.key_of(page_user(request))
    due = auto_release_at(escrow)
    return {
        "escrow": escrow, "order": escrow.order, "role": role, "spends": spends,
        "awaiting": awaiting, "mine": mine, "settled": settled, "dispute": dispute,
        # The order's whole conversation (the arbiter sees all of it during a dispute).
        "dispute_messages": _thread_messages(escrow) if dispute else [],
        "events": list(escrow.events.all()), "network": escrow.network,
        "storage_key": _storage_key(request), "key": key,
        # What the browser wallet checks the PSBT against before it signs.
        "expected": json.dumps({"outputs": outputs_out(mine),
                                "feeSat": mine.plan["fee_sat"]}) if mine else "",
        "auto_release_at": due,
        "auto_release_open": bool(due and timezone.now() >= due
                                  and escrow.status == Escrow.Status.FUNDED),
        "is_open": escrow.status in Escrow.OPEN,
        "sign_form": SignForm(), "dispute_form": DisputeForm(), "message_form": MessageForm(),
        "resolve_form": ResolveForm(initial={
            "buyer_percent": dispute.buyer_percent if dispute and dispute.buyer_percent
            is not None else 50}),
        "staff_ready": role == Role.ARBITER and page_user(request).totp_enabled,
        "seller_percent": 100 - dispute.buyer_percent if dispute and dispute.buyer_percent
        is not None else None,
        "fee_percent": fee_percent(escrow),
        "demo": settings.DEMO_WALLET,
    }


@never_cache
@login_required
def escrow_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    escrow, role = escrow_for(page_user(request), public_id)
    return render(request, "escrow/detail.html", _context(request, escrow, role))


@never_cache
@login_required
def escrow_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live part of the escrow page (status and event trail)."""
    escrow, role = escrow_for(page_user(request), public_id)
    return render(request, "escrow/_status.html", _context(request, escrow, role))


def _back(escrow: Escrow, anchor: str = "") -> HttpResponse:
    return redirect(f"/escrow/{escrow.public_id}/{anchor}")


def _do(request: HttpRequest, public_id: str, run: Any, ok: str, anchor: str = "") -> HttpResponse:
    escrow, _role = escrow_for(page_user(request), public_id)
    try:
        run(escrow, page_user(request), fresh=request.POST.get("fresh") == "1")
    except ActionError as exc:
        messages.error(request, exc.message)
        return _back(escrow)
    messages.success(request, ok)
    return _back(escrow, anchor)


@login_required
@require_POST
def release(request: HttpRequest, public_id: str) -> HttpResponse:
    return _do(request, public_id, do_release,
               "The release is ready: check it and sign below.", "#sign")


@login_required
@require_POST
def refund(request: HttpRequest, public_id: str) -> HttpResponse:
    return _do(request, public_id, do_refund,
               "The refund is ready: check it and sign below.", "#sign")


@login_required
@require_POST
def auto_release(request: HttpRequest, public_id: str) -> HttpResponse:
    return _do(request, public_id, do_claim_auto_release,
               "The auto-release is ready: check it and sign below.", "#sign")


@sensitive_post_parameters("phrase")
@login_required
@require_POST
def sign(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    escrow, role = escrow_for(user, public_id)
    form = SignForm(request.POST, request.FILES)
    if form.is_valid():
        data: bytes = form.cleaned_data["psbt_file"]
        text = form.cleaned_data["psbt"]
        # A file may hold the binary PSBT or base64 text; parse_psbt reads both.
        spend_id = request.POST.get("spend", "")
        # An uploaded PSBT names its own spend (it may be one other than the page showed);
        # the form's spend is the one a typed phrase signs.
        uploaded = bool(text.strip() or data)
        spend = (spend_for(escrow, int(spend_id))
                 if spend_id.isdigit() and not uploaded else None)
        try:
            done = do_sign(check_sign(escrow, user, spend=spend, psbt_text=text,
                                      psbt_bytes=data, phrase=form.cleaned_data["phrase"]))
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Signed and sent: transaction {done.txid[:16]}…. The "
                                      "order completes when it confirms.")
            return _back(escrow)
    context = _context(request, escrow, role)
    context["sign_form"] = form
    return render(request, "escrow/detail.html", context, status=400)


def _form_action(request: HttpRequest, escrow: Escrow, role: str, form: Any, form_key: str,
                 run: Any, ok: str) -> HttpResponse:
    """Run ``run(cleaned_data)`` for a valid form and go back to the dispute section, or
    show the escrow page again with the form's errors (400)."""
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ActionError as exc:
            apply_error(form, exc)
        else:
            if ok:
                messages.success(request, ok)
            return _back(escrow, "#dispute")
    context = _context(request, escrow, role)
    context[form_key] = form
    return render(request, "escrow/detail.html", context, status=400)


@login_required
@require_POST
def open_dispute(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    escrow, role = escrow_for(user, public_id)
    return _form_action(
        request, escrow, role, DisputeForm(request.POST), "dispute_form",
        lambda data: do_open_dispute(escrow, user, data["reason"]),
        "Dispute opened. The arbiter will look at it; add messages and photos below.")


@login_required
@require_POST
def add_message(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    escrow, role = escrow_for(user, public_id)
    return _form_action(
        request, escrow, role, MessageForm(request.POST, request.FILES), "message_form",
        lambda data: do_add_message(escrow, user, data["text"],
                                            read_upload(data.get("evidence"))), "")


@login_required
@require_POST
def resolve(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    escrow, role = escrow_for(user, public_id)
    if role != Role.ARBITER:
        raise Http404("No such escrow.")
    return _form_action(
        request, escrow, role, ResolveForm(request.POST), "resolve_form",
        lambda data: do_resolve(escrow, user, data["buyer_percent"], data["note"]),
        "Decision recorded. The favoured side signs next.")


@never_cache
@login_required
def psbt_download(request: HttpRequest, public_id: str, spend_id: int) -> HttpResponse:
    """The PSBT as a binary .psbt file, for Sparrow, Electrum or a hardware wallet."""
    escrow, _role = escrow_for(page_user(request), public_id)
    spend = spend_for(escrow, spend_id)
    if spend is None:
        raise Http404("No such transaction.")
    raw = bytes(parse_psbt(spend.psbt).serialize())
    response = HttpResponse(raw, content_type="application/octet-stream")
    response["Content-Disposition"] = (f'attachment; filename="{escrow.public_id}-'
                                       f'{spend.kind}-{spend.pk}.psbt"')
    return response


@never_cache
@login_required
def descriptor_download(request: HttpRequest, public_id: str) -> HttpResponse:
    escrow, _role = escrow_for(page_user(request), public_id)
    body = (f"# CryptoShop escrow {escrow.public_id}, order {escrow.order.public_id}\n"
            f"# network: {escrow.network}; address: {escrow.address}\n"
            f"# Import into Sparrow/Bitcoin Core as a watch-only 2-of-3 wallet; see the\n"
            f"# recovery guide in docs/escrow-protocol.md.\n{escrow.descriptor}\n")
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{escrow.public_id}-descriptor.txt"'
    return response


@never_cache
@login_required
def evidence(request: HttpRequest, public_id: str, message_id: str) -> FileResponse:
    """A photo in the order's conversation, for the escrow's parties and its arbiter."""
    escrow, _role = escrow_for(page_user(request), public_id)
    message = Message.objects.filter(thread__order_id=escrow.order_id,
                                     public_id=message_id).first()
    if message is None or getattr(escrow, "dispute", None) is None:
        raise Http404("No such photo.")
    return photo_response(message.attachment, hidden=message.hidden)
