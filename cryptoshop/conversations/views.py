"""Conversation pages: the inbox, one thread with its reply form (POST-redirect-GET), asking
a store about a listing, the seller's block switch, photos. Thin wrappers over actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.conversations import actions
from cryptoshop.conversations.access import message_in, thread_for, threads_of
from cryptoshop.conversations.forms import AskForm, MessageForm
from cryptoshop.conversations.models import Thread
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.images import read_upload
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import render_form

PAGE_SIZE = 20


@never_cache
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    items, pagination = paginate(threads_of(user), clamp_page(request.GET.get("page")),
                                 PAGE_SIZE)
    return render(request, "conversations/inbox.html", {
        "threads": items, "pagination": pagination, "purge_days": settings.ORDER_PURGE_DAYS})


def _thread(request: HttpRequest, public_id: str) -> tuple[Thread, str]:
    try:
        return thread_for(page_user(request), public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _context(thread: Thread, role: str, form: MessageForm) -> dict[str, Any]:
    return {"thread": thread, "role": role, "form": form,
            "thread_messages": list(thread.messages.all()),
            "room": actions.thread_room(thread)}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_page(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    thread, role = _thread(request, public_id)
    form = MessageForm(request.POST, request.FILES) if request.method == "POST" else MessageForm()
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_post(thread, user, role, form.cleaned_data["text"],
                            read_upload(form.cleaned_data.get("photo")))
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            return redirect(actions.thread_url(thread) + "#latest")
    actions.do_mark_read(thread, role)
    return render_form(request, "conversations/thread.html", _context(thread, role, form),
                       error, invalid_form=bool(form.errors))


@never_cache
@login_required
def thread_messages(request: HttpRequest, public_id: str) -> HttpResponse:
    """The message list alone, for the live update (live.js) to swap in."""
    thread, role = _thread(request, public_id)
    actions.do_mark_read(thread, role)
    return render(request, "conversations/_messages.html",
                  _context(thread, role, MessageForm()))


@never_cache
@login_required
def order_thread(request: HttpRequest, order_id: str) -> HttpResponse:
    """"Message the seller/buyer" from an order: its thread, made on first use."""
    try:
        thread, _role = actions.order_thread_for(page_user(request), order_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    assert thread is not None  # made on first use
    return redirect(actions.thread_url(thread))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, listing_id: str) -> HttpResponse:
    """"Ask the seller" from a listing page (visitors log in first and come back here)."""
    user = page_user(request)
    try:
        listing = actions.check_ask(user, listing_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(f"/l/{listing_id}/")
    existing = actions.question_thread(user, listing)
    if existing is not None and request.method == "GET":
        return redirect(actions.thread_url(existing))
    form = AskForm(request.POST, request.FILES) if request.method == "POST" else AskForm()
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            thread = actions.do_ask(user, listing, form.cleaned_data["text"],
                                    read_upload(form.cleaned_data.get("photo")))
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            messages.success(request, "Question sent. The seller's answer appears here.")
            return redirect(actions.thread_url(thread))
    return render_form(request, "conversations/ask.html", {"listing": listing, "form": form},
                       error, invalid_form=bool(form.errors))


@login_required
@require_POST
def block(request: HttpRequest, public_id: str) -> HttpResponse:
    thread, role = _thread(request, public_id)
    blocked = request.POST.get("blocked") == "1"
    try:
        actions.do_block(thread, role, blocked)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Closed: the asker can't write here any more." if blocked
                         else "Reopened: the asker can write again.")
    return redirect(actions.thread_url(thread))


@never_cache
@login_required
def photo(request: HttpRequest, public_id: str, message_id: str,
          size: str = "full") -> FileResponse:
    thread, _role = _thread(request, public_id)
    try:
        message = message_in(thread, message_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return photo_response(message.thumb if size == "thumb" else message.attachment,
                          hidden=message.hidden)


def photo_response(path: str, *, hidden: bool = False) -> FileResponse:
    """A message photo, to someone already allowed to see it (also used by escrow)."""
    if not path or hidden:
        raise Http404("No such photo.")
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root / actions.PHOTO_FOLDER) or not target.is_file():
        raise Http404("No such photo.")
    response = FileResponse(target.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, no-store"
    return response
