from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cryptoshop.cart import actions
from cryptoshop.core.errors import ActionError
from cryptoshop.core.web import safe_next


def view_cart(request: HttpRequest) -> HttpResponse:
    cart = actions.get_cart(request)
    groups = actions.cart_groups(cart)
    return render(request, "cart/cart.html", {"groups": groups})


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    cart = actions.get_cart(request, create=True)
    assert cart is not None
    try:
        item = actions.do_add_to_cart(cart, request.POST.get("listing", ""),
                                      request.POST.get("quantity", "1"),
                                      user=request.user)  # type: ignore[arg-type]
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, "cart:view"))
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
