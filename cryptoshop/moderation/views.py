"""Moderation pages: a report form anyone can use (no account, no JavaScript needed) and the
staff report queue. Both are thin wrappers over moderation.actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import staff_with_2fa, viewer
from cryptoshop.catalog.actions import listing_for_viewer
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.core.web import render_form
from cryptoshop.moderation import actions
from cryptoshop.moderation.forms import QueueActionForm, ReportForm
from cryptoshop.moderation.models import Report

QUEUE_PAGE_SIZE = 25

def listing_url(public_id: str) -> str:
    # The listing page lives at /l/<public_id>/<slug>/; /l/<public_id>/ redirects there.
    return f"/l/{public_id}/"


@never_cache
@require_http_methods(["GET", "POST"])
def report_listing(request: HttpRequest, public_id: str) -> HttpResponse:
    me = viewer(request)
    try:
        listing = listing_for_viewer(public_id, me)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not (listing.is_visible and listing.store.is_active):
        raise Http404("No such listing.")  # owners and staff see hidden ones; not reportable
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "listing": listing, "listing_url": listing_url(listing.public_id)}
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_report_listing(me, listing, form.cleaned_data["reason"],
                                      form.cleaned_data["text"], client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "moderation/report.html", context, exc)
        messages.success(request, "Thank you: your report was sent to the moderators.")
        return redirect(listing_url(listing.public_id))
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/report.html", context, status=status)


@never_cache
@staff_with_2fa
def queue(request: HttpRequest) -> HttpResponse:
    reports, pagination = paginate(actions.open_reports(), clamp_page(request.GET.get("page")),
                                   QUEUE_PAGE_SIZE)
    return render(request, "moderation/queue.html", {
        "pagination": pagination, "reports": reports, "actions": actions.QUEUE_ACTIONS,
        "total": pagination.total,
    })


@require_POST
@staff_with_2fa
def act(request: HttpRequest, report_id: int) -> HttpResponse:
    staff = viewer(request)
    assert staff is not None
    report = (Report.objects.select_related("listing", "listing__store")
              .filter(pk=report_id).first())
    if report is None:
        raise Http404("No such report.")
    form = QueueActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action and give a reason (at least 3 characters).")
        return redirect("moderation:queue")
    try:
        done = actions.do_act_on_report(staff, report, form.cleaned_data["action"],
                                        form.cleaned_data["reason"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("moderation:queue")
    messages.success(request, done)
    return redirect("moderation:queue")
