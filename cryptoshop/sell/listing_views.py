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
from cryptoshop.catalog.uploads import Upload, do_save_listing_with_files
from cryptoshop.core.errors import ActionError, ValidationFailed
from cryptoshop.core.forms_util import apply_error
from cryptoshop.core.images import read_upload
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.core.web import safe_next
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.models import Store

FILES_AGAIN = "Nothing was saved. Files are not kept after an error: choose them again."


def _uploads(request: HttpRequest) -> tuple[list[Upload], Upload | None]:
    """The photos and the digital file sent with the form, read only up to one byte past
    their limits (enough for the checks to refuse an oversized file)."""
    images = [Upload(f.name or "photo", read_upload(f) or b"")
              for f in request.FILES.getlist("images")]
    digital = request.FILES.get("digital_file")
    if digital is None:
        return images, None
    return images, Upload(digital.name or "download",
                          digital.read(actions.MAX_DIGITAL_FILE_BYTES + 1))


def _save(request: HttpRequest, form: ListingForm, store: Store,
          current: Listing | None) -> Listing | None:
    """Save the listing and its files together, or nothing (errors go on the form)."""
    images, digital = _uploads(request)
    try:
        return do_save_listing_with_files(store, form.to_input(), images, digital, current)
    except ActionError as exc:
        apply_error(form, exc)
        return None


def _render_form(request: HttpRequest, form: ListingForm,
                 context: dict[str, object]) -> HttpResponse:
    if form.errors and request.FILES:
        form.add_error(None, FILES_AGAIN)
    return render(request, "sell/listing_form.html", {"form": form, **context},
                  status=400 if form.errors else 200)


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
        listing = _save(request, form, store, None)
        if listing is not None:
            messages.success(request, "Listing saved." if listing.status != "active"
                             else "Listing published.")
            return redirect("sell:listing_edit", public_id=listing.public_id)
    return _render_form(request, form, {"store": store})


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = actions.listing_for_owner(public_id, page_user(request))
    form = ListingForm(request.POST if request.method == "POST" else None,
                       initial=ListingForm.initial_for(listing))
    if (request.method == "POST" and form.is_valid()
            and _save(request, form, listing.store, listing) is not None):
        messages.success(request, "Listing saved.")
        return redirect("sell:listing_edit", public_id=listing.public_id)
    return _render_form(request, form, {"listing": listing, "store": listing.store,
                                        "images": list(listing.images.all())})


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
@require_http_methods(["GET", "POST"])
def listing_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET asks (saying whether it will be deleted or archived); POST does it."""
    listing = actions.listing_for_owner(public_id, page_user(request))
    if request.method == "GET":
        return render(request, "sell/listing_delete.html", {
            "listing": listing, "store": listing.store,
            "in_use": actions.listing_in_use(listing)})
    outcome = actions.do_delete_listing(listing)
    messages.info(request, "Listing deleted." if outcome == "deleted" else
                  "The listing has orders, so it was archived (hidden) instead of deleted.")
    return redirect("sell:listings")
