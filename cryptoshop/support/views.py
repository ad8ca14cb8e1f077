"""Support pages for users: their tickets, a new ticket, one ticket with its reply form
and close button (POST-redirect-GET, JavaScript optional). Thin wrappers over actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.models import User
from cryptoshop.accounts.who import page_user, viewer
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import render_form
from cryptoshop.support import actions
from cryptoshop.support.access import USER, messages_for, ticket_for, tickets_of
from cryptoshop.support.forms import NewTicketForm, ReplyForm
from cryptoshop.support.models import Ticket

PAGE_SIZE = 20


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    """The user's tickets; a visitor reads how to get an account first."""
    user = viewer(request)
    if user is None:
        return render(request, "support/visitor.html")
    items, pagination = paginate(tickets_of(user), clamp_page(request.GET.get("page")),
                                 PAGE_SIZE)
    return render(request, "support/index.html", {
        "tickets": items, "pagination": pagination, "purge_days": settings.ORDER_PURGE_DAYS})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    orders = actions.orders_of(user)
    if request.method == "POST":
        form = NewTicketForm(request.POST, orders=orders)
    else:
        wanted = request.GET.get("order", "")
        initial = {"order": wanted} if any(o.public_id == wanted for o in orders) else {}
        if initial:
            initial["category"] = Ticket.Category.ORDER
        form = NewTicketForm(initial=initial, orders=orders)
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.do_open(user, data["category"], data["subject"], data["text"],
                                     data["order"] or None)
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            messages.success(request, "Ticket sent. The answer appears here, and you'll get "
                                      "a notification.")
            return redirect(actions.ticket_url(ticket))
    return render_form(request, "support/new.html", {"form": form}, error,
                       invalid_form=bool(form.errors))


def _ticket(request: HttpRequest, public_id: str) -> Ticket:
    try:
        ticket, _side = ticket_for(page_user(request), public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if _side != USER:  # staff work tickets from the staff page
        raise Http404("No such ticket.")
    return ticket


def _staff_page_of(user: User | None, public_id: str) -> str:
    """The staff page of this ticket when `user` sees it as staff (not its opener)."""
    try:
        ticket, side = ticket_for(user, public_id)
    except NotFound:
        return ""
    return actions.staff_ticket_url(ticket) if side != USER else ""


def _context(ticket: Ticket, form: ReplyForm) -> dict[str, Any]:
    return {"ticket": ticket, "side": USER, "form": form,
            "ticket_messages": list(messages_for(ticket, USER)),
            "room": actions.ticket_room(ticket),
            "refresh": f"/support/{ticket.public_id}/messages/"}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ticket_page(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    if request.method == "GET":
        staff_url = _staff_page_of(user, public_id)
        if staff_url:  # staff who follow a user's link (one pasted into a ticket, say)
            return redirect(staff_url)
    ticket = _ticket(request, public_id)
    form = ReplyForm(request.POST) if request.method == "POST" else ReplyForm()
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_reply(ticket, user, USER, form.cleaned_data["text"])
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            return redirect(actions.ticket_url(ticket) + "#latest")
    actions.do_mark_read(ticket, USER)
    return render_form(request, "support/ticket.html", _context(ticket, form), error,
                       invalid_form=bool(form.errors))


@never_cache
@login_required
def ticket_messages(request: HttpRequest, public_id: str) -> HttpResponse:
    """The message list alone, for the live update (live.js) to swap in."""
    ticket = _ticket(request, public_id)
    actions.do_mark_read(ticket, USER)
    return render(request, "support/_messages.html", _context(ticket, ReplyForm()))


@login_required
@require_POST
def close(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _ticket(request, public_id)
    actions.do_close(ticket, USER)
    messages.success(request, "Marked as resolved. Write again any time to reopen it.")
    return redirect(actions.ticket_url(ticket))
