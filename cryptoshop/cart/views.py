from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cryptoshop.cart import actions
from cryptoshop.catalog.actions import visible_listings
from cryptoshop.core.errors import ActionError
from cryptoshop.core.web import safe_next


def view_cart(request: HttpRequest) -> HttpResponse:
    cart = actions.get_cart(request)
    groups = actions.cart_groups(cart)
    return render(request, "cart/cart.html", {"groups": groups})


def _listing_url(request: HttpRequest) -> str:
    """The page of the listing a form tried to add, if the public may see it."""
    public_id = str(request.POST.get("listing", ""))[:40]
    listing = visible_listings().filter(public_id=public_id).first() if public_id else None
    if listing is None:
        return ""
    return reverse("catalog:listing", args=[listing.public_id, listing.slug])


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    cart = actions.get_cart(request, create=True)
    assert cart is not None
    try:
        item = actions.do_add_to_cart(cart, request.POST.get("listing", ""),
                                      request.POST.get("quantity", "1"),
                                      user=request.user)  # type: ignore[arg-type]
    except ActionError as exc:
        # Back where the buyer was (the listing's page, with the message on top), so a bad
        # quantity can be corrected there; the cart only when the listing is gone.
        messages.error(request, exc.message)
        return redirect(safe_next(request) or _listing_url(request) or "cart:view")
    messages.success(request, f"Added “{item.listing.title}” to your cart.")
    return redirect("cart:view")


@require_POST
def update(request: HttpRequest) -> HttpResponse:
    cart = actions.get_cart(request)
    if cart is None:
        return redirect("cart:view")
    try:
        item_id = int(request.POST.get("item", "0"))
        if request.POST.get("remove"):
            actions.do_remove(cart, item_id)
            messages.info(request, "Removed from your cart.")
        else:
            actions.do_set_quantity(cart, item_id, request.POST.get("quantity"))
    except ValueError:
        messages.error(request, "That item is not in your cart.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("cart:view")
