"""The seller's listing pages: list, create, edit, photos, digital file, status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.catalog import actions
from cryptoshop.catalog.forms import ListingForm
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError, ValidationFailed
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.images import read_upload
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import safe_next
from cryptoshop.stores.actions import own_store


def _attach_uploads(request: HttpRequest, listing: Listing) -> list[str]:
    """Add uploaded photos and the digital file; returns problems to show (the listing
    itself is saved either way, so the seller loses nothing they typed)."""
    problems = []
    for upload in request.FILES.getlist("images"):
        try:
            actions.do_add_image(listing, read_upload(upload) or b"")
        except ValidationFailed as exc:
            problems.append(f"{upload.name}: {exc.details.get('images', [exc.message])[0]}")
    digital = request.FILES.get("digital_file")
    if digital is not None:
        try:
            actions.do_set_digital_file(listing, digital.name or "download",
                                        digital.read(20 * 1024 * 1024 + 1))
        except ActionError as exc:
            details = getattr(exc, "details", {})
            problems.append(f"{digital.name}: {details.get('digitalFile', [exc.message])[0]}")
    return problems


@login_required
def listing_list(request: HttpRequest) -> HttpResponse:
    store = own_store(page_user(request))
    status = request.GET.get("status", "")
    qs = (Listing.objects.filter(store=store).select_related("category")
          .prefetch_related("images").order_by("-updated_at"))
    if status in Listing.Status.values:
        qs = qs.filter(status=status)
    items, pagination = paginate(qs, clamp_page(request.GET.get("page")), 25)
    return render(request, "sell/listings.html", {
        "store": store, "listings": items, "pagination": pagination, "status": status,
        "statuses": Listing.Status.choices})


@login_required
@require_http_methods(["GET", "POST"])
def listing_new(request: HttpRequest) -> HttpResponse:
    store = own_store(page_user(request))
    form = ListingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            listing = actions.do_create_listing(store, form.to_input())
        except ActionError as exc:
            apply_error(form, exc)
        else:
            for problem in _attach_uploads(request, listing):
                messages.error(request, problem)
            messages.success(request, "Listing saved." if listing.status != "active"
                             else "Listing published.")
            return redirect("sell:listing_edit", public_id=listing.public_id)
    return render(request, "sell/listing_form.html", {"form": form, "store": store},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = actions.listing_for_owner(public_id, page_user(request))
    form = ListingForm(request.POST if request.method == "POST" else None,
                       initial=ListingForm.initial_for(listing))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_listing(listing, form.to_input())
        except ActionError as exc:
            apply_error(form, exc)
        else:
            for problem in _attach_uploads(request, listing):
                messages.error(request, problem)
            messages.success(request, "Listing saved.")
            return redirect("sell:listing_edit", public_id=listing.public_id)
    return render(request, "sell/listing_form.html", {
        "form": form, "listing": listing, "store": listing.store,
        "images": list(listing.images.all())}, status=400 if form.errors else 200)


@login_required
@require_POST
def listing_image_remove(request: HttpRequest, public_id: str, image_id: int) -> HttpResponse:
    listing = actions.listing_for_owner(public_id, page_user(request))
    try:
        actions.do_remove_image(listing, image_id)
        messages.info(request, "Photo removed.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("sell:listing_edit", public_id=public_id)


@login_required
@require_POST
def listing_status(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = actions.listing_for_owner(public_id, page_user(request))
    try:
        actions.do_set_status(listing, request.POST.get("status", ""))
        messages.success(request, f"“{listing.title}” is now {listing.get_status_display()}.")
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.details.values() for m in ms))
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(safe_next(request, "sell:listings", within="/sell/"))


@login_required
@require_POST
def listing_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = actions.listing_for_owner(public_id, page_user(request))
    outcome = actions.do_delete_listing(listing)
    messages.info(request, "Listing deleted." if outcome == "deleted" else
                  "The listing has orders, so it was hidden instead of deleted.")
    return redirect("sell:listings")
