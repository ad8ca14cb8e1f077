"""Cart actions. The anonymous cart's id lives in the server-side session (it survives
the session-key rotation at login); on login it is merged into the account's cart."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.cart.models import Cart, CartItem
from cryptoshop.catalog.actions import visible_listings
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.stores.models import ShippingOption, Store

SESSION_KEY = "cart_id"
MAX_QUANTITY = 100
MAX_LINES = 50


def account_cart(user: User, *, create: bool = False) -> Cart | None:
    """The account's cart (the pages' and the API's: one cart per account)."""
    cart = Cart.objects.filter(user=user).first()
    if cart is None and create:
        cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def get_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    user = request.user
    if user.is_authenticated:
        return account_cart(user, create=create)
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = cart.pk
    return cart


def merge_session_cart(request: HttpRequest, user: User) -> None:
    """Move the anonymous cart's lines into the account's cart (quantities add up)."""
    cart_id = request.session.pop(SESSION_KEY, None)
    if not cart_id:
        return
    anon = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    if anon is None:
        return
    with transaction.atomic():
        mine, _ = Cart.objects.get_or_create(user=user)
        for item in anon.items.all():
            existing = mine.items.filter(listing_id=item.listing_id).first()
            if existing:
                existing.quantity = min(MAX_QUANTITY, existing.quantity + item.quantity)
                existing.save(update_fields=["quantity"])
            else:
                item.cart = mine
                item.save(update_fields=["cart"])
        anon.delete()
        Cart.objects.filter(pk=mine.pk).update(updated_at=timezone.now())


def _check_quantity(quantity: Any) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError) as exc:
        raise ActionError("Quantity must be a whole number.", field="quantity") from exc
    if not 1 <= value <= MAX_QUANTITY:
        raise ActionError(f"Quantity must be from 1 to {MAX_QUANTITY}.", field="quantity")
    return value


def do_add_to_cart(cart: Cart, listing_public_id: str, quantity: Any, *,
                   user: User | None) -> CartItem:
    qty = _check_quantity(quantity)
    listing = visible_listings().filter(public_id=listing_public_id).first()
    if listing is None:
        raise NotFound("That listing is not available.")
    if user is not None and user.is_authenticated and listing.store.owner_id == user.pk:
        raise ActionError("That's your own listing.")
    if not listing.in_stock:
        raise ActionError("Sold out.")
    item = cart.items.filter(listing=listing).first()
    if item is None and cart.items.count() >= MAX_LINES:
        raise ActionError(f"A cart holds at most {MAX_LINES} different items.")
    new_quantity = min(MAX_QUANTITY, (item.quantity if item else 0) + qty)
    if listing.stock is not None and new_quantity > listing.stock:
        raise ActionError(f"Only {listing.stock} left of “{listing.title}”.", field="quantity")
    if item is None:
        item = CartItem.objects.create(cart=cart, listing=listing, quantity=new_quantity)
    else:
        item.quantity = new_quantity
        item.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


def do_set_quantity(cart: Cart, item_id: int, quantity: Any) -> None:
    item = cart.items.select_related("listing").filter(pk=item_id).first()
    if item is None:
        raise NotFound("That item is not in your cart.")
    qty = _check_quantity(quantity)
    if item.listing.stock is not None and qty > item.listing.stock:
        raise ActionError(f"Only {item.listing.stock} left of “{item.listing.title}”.",
                          field="quantity")
    item.quantity = qty
    item.save(update_fields=["quantity"])


def do_remove(cart: Cart, item_id: int) -> None:
    if not cart.items.filter(pk=item_id).delete()[0]:
        raise NotFound("That item is not in your cart.")


@dataclass
class CartLine:
    item: CartItem
    listing: Listing
    problem: str = ""  # why this line can't be bought right now

    @property
    def line_sat(self) -> int | None:
        if self.listing.price_mode != Listing.PriceMode.SAT or self.listing.price_sat is None:
            return None
        return self.listing.price_sat * self.item.quantity

    @property
    def line_fiat(self) -> Decimal | None:
        if self.listing.price_fiat is None or self.listing.price_mode != "fiat":
            return None
        return self.listing.price_fiat * self.item.quantity


@dataclass
class StoreGroup:
    store: Store
    lines: list[CartLine] = field(default_factory=list)
    shipping_options: list[ShippingOption] = field(default_factory=list)

    @property
    def items_sat(self) -> int:
        return sum(line.line_sat or 0 for line in self.lines)

    @property
    def fiat_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            if line.line_fiat is not None:
                currency = line.listing.fiat_currency
                totals[currency] = totals.get(currency, Decimal("0")) + line.line_fiat
        return totals

    @property
    def needs_shipping(self) -> bool:
        return any(line.listing.kind == Listing.Kind.PHYSICAL for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


def cart_groups(cart: Cart | None) -> list[StoreGroup]:
    """Lines grouped by store, each checked against the listing as it is now."""
    if cart is None:
        return []
    items = (cart.items.select_related("listing", "listing__store")
             .prefetch_related("listing__images").order_by("listing__store__name", "added_at"))
    groups: dict[int, StoreGroup] = {}
    for item in items:
        listing = item.listing
        problem = ""
        if not listing.is_visible or not listing.store.is_active:
            problem = "No longer available."
        elif listing.stock is not None and listing.stock < item.quantity:
            problem = "Sold out." if listing.stock == 0 else f"Only {listing.stock} left."
        group = groups.setdefault(listing.store_id, StoreGroup(store=listing.store))
        group.lines.append(CartLine(item=item, listing=listing, problem=problem))
    options = ShippingOption.objects.filter(store_id__in=groups.keys(), active=True)
    for option in options:
        groups[option.store_id].shipping_options.append(option)
    return list(groups.values())


def cart_count(cart: Cart | None) -> int:
    if cart is None:
        return 0
    return int(sum(cart.items.values_list("quantity", flat=True)))


def clear_lines(cart: Cart, listing_ids: list[int]) -> None:
    cart.items.filter(listing_id__in=listing_ids).delete()


def do_clear(cart: Cart) -> int:
    """Empty the cart; returns how many lines went."""
    deleted, _ = cart.items.all().delete()
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return int(deleted)




def purge_stale_carts(days: int = 30) -> int:
    """Anonymous carts nobody touched for `days` go (they are only a session's memory)."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).delete()
    return deleted
