"""Support pages for staff (2FA on; 404 for everybody else): the queue, a ticket with the
reply form (answer or internal note) and the status / priority / assignee form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user, staff_with_2fa
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import render_form
from cryptoshop.support import actions
from cryptoshop.support.access import STAFF, QueueFilter, messages_for, staff_queue, ticket_for
from cryptoshop.support.forms import QueueForm, StaffReplyForm, StaffUpdateForm
from cryptoshop.support.models import Ticket

PAGE_SIZE = 25


@never_cache
@staff_with_2fa
def queue(request: HttpRequest) -> HttpResponse:
    """Tickets oldest-waiting first; by default the open ones (waiting on staff)."""
    form = QueueForm(request.GET or {"status": Ticket.Status.OPEN})
    wanted = QueueFilter(**form.cleaned_data) if form.is_valid() else QueueFilter()
    items, pagination = paginate(staff_queue(page_user(request), wanted),
                                 clamp_page(request.GET.get("page")), PAGE_SIZE)
    return render(request, "support/staff_queue.html", {
        "tickets": items, "pagination": pagination, "filter_form": form})


def _ticket(request: HttpRequest, public_id: str) -> Ticket:
    try:
        ticket, _side = ticket_for(page_user(request), public_id, as_staff=True)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return ticket


def _context(ticket: Ticket, form: StaffReplyForm,
             update: StaffUpdateForm | None = None) -> dict[str, Any]:
    staff = actions.staff_accounts()
    if update is None:
        update = StaffUpdateForm(staff=staff, initial={
            "status": ticket.status, "priority": ticket.priority,
            "assignee": ticket.assignee.public_id if ticket.assignee else ""})
    return {"ticket": ticket, "side": STAFF, "form": form, "update_form": update,
            "ticket_messages": list(messages_for(ticket, STAFF)),
            "room": actions.ticket_room(ticket),
            "refresh": f"/support/staff/{ticket.public_id}/messages/"}


@never_cache
@staff_with_2fa
@require_http_methods(["GET", "POST"])
def ticket_page(request: HttpRequest, public_id: str) -> HttpResponse:
    staff = page_user(request)
    ticket = _ticket(request, public_id)
    form = StaffReplyForm(request.POST) if request.method == "POST" else StaffReplyForm()
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_reply(ticket, staff, STAFF, form.cleaned_data["text"],
                             internal=form.cleaned_data["internal"])
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            return redirect(actions.staff_ticket_url(ticket) + "#latest")
    actions.do_mark_read(ticket, STAFF)
    return render_form(request, "support/staff_ticket.html", _context(ticket, form), error,
                       invalid_form=bool(form.errors))


@never_cache
@staff_with_2fa
def ticket_messages(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = _ticket(request, public_id)
    actions.do_mark_read(ticket, STAFF)
    return render(request, "support/_messages.html", _context(ticket, StaffReplyForm()))


@staff_with_2fa
@require_POST
def update(request: HttpRequest, public_id: str) -> HttpResponse:
    staff = page_user(request)
    ticket = _ticket(request, public_id)
    form = StaffUpdateForm(request.POST, staff=actions.staff_accounts())
    error: ActionError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = actions.do_staff_update(
                ticket, staff, status=data["status"], priority=data["priority"],
                assignee=actions.check_assignee(data["assignee"]))
        except ActionError as exc:
            apply_error(form, exc)
            error = exc
        else:
            messages.success(request, f"Updated: {', '.join(changed)}." if changed
                             else "Nothing changed.")
            return redirect(actions.staff_ticket_url(ticket))
    return render_form(request, "support/staff_ticket.html",
                       _context(ticket, StaffReplyForm(), form), error,
                       invalid_form=bool(form.errors))
