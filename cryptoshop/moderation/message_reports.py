"""Reports on conversation messages: anyone who can see a thread reports a message from
the other side; staff act from the queue (hide the message, ban its author, or dismiss),
every action audited. SUBJECT_HANDLERS["message"] is filled by install() (wiring.py)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cryptoshop.accounts.models import User
from cryptoshop.accounts.who import page_user
from cryptoshop.conversations.access import role_of
from cryptoshop.conversations.models import Message
from cryptoshop.core import ratelimit
from cryptoshop.core.crypto import keyed_hash
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.core.web import render_form
from cryptoshop.moderation.actions import (
    MAX_REPORT_TEXT,
    SUBJECT_HANDLERS,
    audit,
    do_ban_account,
    do_resolve_report,
)
from cryptoshop.moderation.forms import ReportForm
from cryptoshop.moderation.models import Report

logger = logging.getLogger(__name__)

MESSAGE_ACTIONS = ("hide_message", "ban_author")


def message_for_reader(user: User, public_id: str) -> Message:
    """A message the user may see (a party of its thread); 404 for anyone else."""
    message = (Message.objects.select_related("thread", "thread__store", "thread__order")
               .filter(public_id=public_id).first())
    if message is None or role_of(message.thread, user) is None:
        raise NotFound("No such message.")
    return message


def do_report_message(reporter: User, message: Message, reason: str, text: str,
                      ip: str) -> Report:
    if message.author_id == reporter.pk:
        raise ActionError("You can't report your own message.", code="own_message")
    errors: dict[str, list[str]] = {}
    if reason not in Report.Reason.values:
        errors["reason"] = ["Choose a reason: " + ", ".join(Report.Reason.values) + "."]
    text = (text or "").strip()
    if len(text) > MAX_REPORT_TEXT:
        errors["text"] = [f"At most {MAX_REPORT_TEXT} characters."]
    elif reason == Report.Reason.OTHER and len(text) < 10:
        errors["text"] = ["Tell us what is wrong (at least 10 characters)."]
    if errors:
        raise ValidationFailed(errors)
    # A one-way code for "this account reported this message", as for listings.
    key = keyed_hash(f"{reporter.pk}:message:{message.pk}", purpose="report-duplicate")
    if Report.objects.filter(subject_type=Report.Subject.MESSAGE, subject_id=message.public_id,
                             duplicate_key=key, status=Report.Status.OPEN).exists():
        raise Conflict("You have already reported this message; staff will look at it.")
    ratelimit.hit("report:ip", ip)
    report = Report.objects.create(subject_type=Report.Subject.MESSAGE,
                                   subject_id=message.public_id, reason=reason, text=text,
                                   duplicate_key=key)
    logger.info("message reported message=%s reason=%s", message.public_id, reason)
    return report


def handle_message_report(staff: User, report: Report, action: str, reason: str) -> str:
    """The queue's actions on a reported message (run inside the queue's transaction)."""
    if action not in MESSAGE_ACTIONS:
        raise ValidationFailed({"action": ["Hide the message, ban its author, or dismiss."]})
    message = Message.objects.select_related("author").filter(
        public_id=report.subject_id).first()
    if message is None:
        raise Conflict("The message no longer exists: dismiss the report.")
    with transaction.atomic():
        if not message.hidden:
            Message.objects.filter(pk=message.pk).update(hidden=True)
            audit(staff, "message.hide", ("conversations.message", message.public_id), reason,
                  {"thread": message.thread.public_id, "role": message.author_role})
        done = "Message hidden."
        author = message.author
        if action == "ban_author":
            if author is None:
                raise Conflict("The author's account no longer exists.")
            if author.is_active:
                do_ban_account(staff, author, reason)
            done = f"Message hidden and {author.label} banned."
        for other in Report.objects.filter(subject_type=Report.Subject.MESSAGE,
                                           subject_id=message.public_id,
                                           status=Report.Status.OPEN).order_by("id"):
            do_resolve_report(staff, other, Report.Status.ACTIONED, reason)
    return done


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report_message(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    try:
        message = message_for_reader(user, public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    back = f"/messages/{message.thread.public_id}/"
    form = ReportForm(request.POST if request.method == "POST" else None)
    form.fields["reason"].label = "What is wrong with this message?"
    context = {"form": form, "message": message, "back": back}
    if request.method == "POST" and form.is_valid():
        try:
            do_report_message(user, message, form.cleaned_data["reason"],
                              form.cleaned_data["text"], client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "moderation/report_message.html", context, exc)
        messages.success(request, "Thank you: your report was sent to the moderators.")
        return redirect(back)
    return render(request, "moderation/report_message.html", context,
                  status=400 if request.method == "POST" else 200)


def install() -> None:
    SUBJECT_HANDLERS[Report.Subject.MESSAGE] = handle_message_report
