"""The seller's reviews (/sell/reviews/): every review of their store, with a form for the
one public answer. Like the public pages, it never shows which order or buyer wrote one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.core.errors import ActionError
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.reviews import actions
from cryptoshop.reviews.forms import AnswerForm
from cryptoshop.reviews.models import Review
from cryptoshop.reviews.summary import summary_from
from cryptoshop.stores.models import Store

PAGE_SIZE = 20


@never_cache
@login_required
def seller_reviews(request: HttpRequest) -> HttpResponse:
    store = Store.objects.filter(owner=page_user(request)).first()
    if store is None:
        return redirect("sell:open")
    show = request.GET.get("show", "")
    qs = Review.objects.filter(store=store).select_related("listing")
    if show == "unanswered":
        qs = qs.filter(answered_at__isnull=True, hidden=False)
    reviews, pagination = paginate(qs, clamp_page(request.GET.get("page")), PAGE_SIZE)
    return render(request, "sell/reviews.html", {
        "active": "reviews", "store": store, "reviews": reviews, "pagination": pagination,
        "show": show,
        "summary": summary_from(store.rating_avg, store.rating_count,
                                store.rating_distribution),
    })


@login_required
@require_POST
def answer_review(request: HttpRequest, public_id: str) -> HttpResponse:
    seller = page_user(request)
    review = actions.review_of_seller(seller, public_id)  # 404 for any other store's
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write an answer (at most 1000 characters).")
        return redirect(f"/sell/reviews/#review-{review.public_id}")
    try:
        actions.do_answer_review(seller, review, form.cleaned_data["answer"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(f"/sell/reviews/#review-{review.public_id}")
    messages.success(request, "Your answer is published under the review.")
    return redirect(f"/sell/reviews/#review-{review.public_id}")
