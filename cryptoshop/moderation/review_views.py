"""The "report a review" page (no account, no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cryptoshop.accounts.who import viewer
from cryptoshop.core.errors import ActionError
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.core.web import render_form
from cryptoshop.moderation import review_reports
from cryptoshop.moderation.forms import ReviewReportForm


@never_cache
@require_http_methods(["GET", "POST"])
def report_review(request: HttpRequest, public_id: str) -> HttpResponse:
    review = review_reports.reportable_review(public_id)  # NotFound → 404 page
    back = f"/l/{review.listing.public_id}/#review-{review.public_id}"
    form = ReviewReportForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "review": review, "back_url": back}
    if request.method == "POST" and form.is_valid():
        try:
            review_reports.do_report_review(viewer(request), review,
                                            form.cleaned_data["reason"],
                                            form.cleaned_data["text"], client_ip(request))
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "moderation/report_review.html", context, exc)
        messages.success(request, "Thank you: your report was sent to the moderators.")
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render(request, "moderation/report_review.html", context, status=status)
