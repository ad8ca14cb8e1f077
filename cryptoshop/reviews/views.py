"""Review pages: write, edit and delete (the buyer), a store's full review list. Plain
forms with POST-redirect-GET; the forms also sit on the order page (sections.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user, viewer
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import render_form
from cryptoshop.reviews import actions
from cryptoshop.reviews.forms import ReviewForm
from cryptoshop.reviews.sections import PAGE_SIZE, store_reviews
from cryptoshop.reviews.summary import summary_from
from cryptoshop.stores.models import Store


def _order_url(public_id: str) -> str:
    return f"/orders/{public_id}/#reviews"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: HttpRequest, order_id: str, listing_id: str) -> HttpResponse:
    user = page_user(request)
    order = actions.order_of_buyer(user, order_id)
    item = order.items.filter(listing__public_id=listing_id).first()
    if item is None:
        raise NotFound("No such item in this order.")
    if request.method == "GET":
        actions.check_review(user, order, listing_id)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "title": item.title, "review": None,
               "back_url": _order_url(order.public_id)}
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_create_review(user, order, listing_id, form.cleaned_data["rating"],
                                         form.cleaned_data["text"])
            except ActionError as exc:
                if isinstance(exc, NotFound):
                    raise
                apply_error(form, exc)
                return render_form(request, "reviews/review_form.html", context, exc)
            messages.success(request, "Thank you: your review is published.")
            return redirect(_order_url(order.public_id))
        return render_form(request, "reviews/review_form.html", context, invalid_form=True)
    return render(request, "reviews/review_form.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    review = actions.review_of_author(user, public_id)
    back = _order_url(review.order_item.order.public_id)
    initial = {"rating": review.rating, "text": review.text}
    form = ReviewForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"form": form, "title": review.listing.title, "review": review,
               "deadline": actions.edit_deadline(review), "back_url": back}
    try:
        actions.check_edit(review)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if request.method == "POST":
        if not form.is_valid():
            return render_form(request, "reviews/review_form.html", context, invalid_form=True)
        try:
            actions.do_edit_review(user, review, form.cleaned_data["rating"],
                                   form.cleaned_data["text"])
        except ActionError as exc:
            apply_error(form, exc)
            return render_form(request, "reviews/review_form.html", context, exc)
        messages.success(request, "Your review is updated.")
        return redirect(back)
    return render(request, "reviews/review_form.html", context)


@login_required
@require_POST
def review_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    user = page_user(request)
    review = actions.review_of_author(user, public_id)
    back = _order_url(review.order_item.order.public_id)
    try:
        actions.do_delete_review(user, review)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, "Your review is deleted.")
    return redirect(back)


def store_review_list(request: HttpRequest, slug: str) -> HttpResponse:
    store = Store.objects.filter(slug=slug).first()
    user = viewer(request)
    if store is None or (not store.is_active and not (
            user is not None and (user.acts_as_staff or store.owner_id == user.pk))):
        raise NotFound("No such store.")
    reviews, pagination = paginate(store_reviews(store), clamp_page(request.GET.get("page")),
                                   PAGE_SIZE)
    return render(request, "reviews/store_reviews.html", {
        "store": store, "reviews": reviews, "pagination": pagination,
        "summary": summary_from(store.rating_avg, store.rating_count,
                                store.rating_distribution),
    })
