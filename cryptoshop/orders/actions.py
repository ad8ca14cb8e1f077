"""Order actions: checkout (stock reserved atomically), status changes with history,
reservation expiry, and ownership checks. Payments (a later layer) call do_mark_paid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cryptoshop.accounts.deletion import DeletionPlan
from cryptoshop.accounts.models import User
from cryptoshop.cart.actions import StoreGroup, cart_groups, clear_lines, do_add_to_cart
from cryptoshop.cart.models import Cart
from cryptoshop.catalog.actions import do_delete_listing
from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Listing
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.orders import history
from cryptoshop.orders.models import Order, OrderEvent, OrderItem
from cryptoshop.orders.paying import do_mark_paid_many
from cryptoshop.stores.models import ShippingOption

logger = logging.getLogger(__name__)
OrderStatus = Order.Status
Actor = OrderEvent.Actor
OPEN_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED)
MAX_ADDRESS = 2000


@dataclass(frozen=True)
class CheckoutInput:
    shipping: dict[int, int]  # store id -> shipping option id (stores with physical goods)
    address: str = ""
    note: str = ""


def _event(order: Order, to_status: str, role: str, actor: User | None, note: str = "",
           from_status: str | None = None, *, notify: bool = True) -> None:
    """Every change of an order goes through history.py: its history row, `order:updated`
    to both parties' pages, and the notices that go with a status change (notices.py)."""
    history.record_changes([history.Change(order, to_status, role, actor, note, from_status,
                                           notify)])


def check_checkout(user: User, groups: list[StoreGroup], data: CheckoutInput) -> None:
    errors: dict[str, list[str]] = {}
    if not groups:
        raise ActionError("Your cart is empty.", code="empty_cart")
    problems = [f"{line.listing.title}: {line.problem}" for g in groups for line in g.lines
                if line.problem]
    if problems:
        raise Conflict("Some items can't be bought right now — " + " ".join(problems))
    if any(g.store.owner_id == user.pk for g in groups):
        raise ActionError("You can't buy from your own store.")
    needs_address = any(g.needs_shipping for g in groups)
    address = data.address.strip()
    if needs_address and not 10 <= len(address) <= MAX_ADDRESS:
        errors["shippingAddress"] = ["Where should it go? (10–2000 characters)"]
    for group in groups:
        if not group.needs_shipping:
            continue
        option_id = data.shipping.get(group.store.pk)
        if not any(o.pk == option_id for o in group.shipping_options):
            errors[f"shipping_{group.store.pk}"] = [
                f"Choose how {group.store.name} should ship." if group.shipping_options
                else f"{group.store.name} has no shipping option right now."]
    if len(data.note) > 1000:
        errors["note"] = ["At most 1000 characters."]
    if errors:
        raise ValidationFailed(errors)
    pending = Order.objects.filter(buyer=user, status=OrderStatus.PENDING_PAYMENT).count()
    if pending + len(groups) > settings.MAX_PENDING_ORDERS:
        raise ActionError("You have too many unpaid orders. Pay or cancel some first.",
                          code="too_many_pending")


def _reserve(listing: Listing, quantity: int) -> None:
    """Take stock in one conditional UPDATE: of two buyers racing for the last item, the
    database lets exactly one decrement succeed (row lock on PostgreSQL, the single
    writer on SQLite)."""
    if listing.stock is None:
        return
    taken = Listing.objects.filter(pk=listing.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity)
    if not taken:
        raise Conflict(f"“{listing.title}” just sold out (or has fewer left than you want).")
    bump_generation()  # cached catalogue pages show stock ("3 left", "Sold out"; ADR 15)


def do_checkout(user: User, cart: Cart, data: CheckoutInput, *, client_ip: str) -> list[Order]:
    """Turn the cart into one order per store, reserving stock until reserved_until."""
    ratelimit.hit("checkout:account", str(user.pk))
    groups = cart_groups(cart)
    check_checkout(user, groups, data)
    until = timezone.now() + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES)
    orders: list[Order] = []
    with transaction.atomic():
        for group in groups:
            option = None
            if group.needs_shipping:
                option = ShippingOption.objects.get(pk=data.shipping[group.store.pk])
            currencies = set(group.fiat_totals)
            if len(currencies) > 1:
                raise ActionError(f"{group.store.name}: items priced in different currencies "
                                  "must be ordered separately.")
            fiat_total = sum(group.fiat_totals.values(), Decimal("0"))
            order = Order.objects.create(
                buyer=user, store=group.store, items_sat=group.items_sat,
                fiat_total=fiat_total, fiat_currency=next(iter(currencies), ""),
                shipping_name=option.name if option else "",
                shipping_sat=option.cost_sat if option else 0,
                # Sat-only orders have their total now; fiat items are converted by the
                # payments layer from a rate snapshot when the invoice is made.
                total_sat=(group.items_sat + (option.cost_sat if option else 0))
                if not currencies else None,
                shipping_address=data.address.strip() if group.needs_shipping else "",
                buyer_note=data.note.strip(), reserved_until=until,
            )
            for line in group.lines:
                _reserve(line.listing, line.item.quantity)
                OrderItem.objects.create(
                    order=order, listing=line.listing, title=line.listing.title,
                    kind=line.listing.kind, quantity=line.item.quantity,
                    unit_price_sat=line.listing.price_sat if line.listing.price_mode == "sat"
                    else None,
                    unit_price_fiat=line.listing.price_fiat if line.listing.price_mode == "fiat"
                    else None,
                    fiat_currency=line.listing.fiat_currency,
                )
            _event(order, OrderStatus.PENDING_PAYMENT, Actor.BUYER, user, "Order placed")
            orders.append(order)
        clear_lines(cart, [line.listing.pk for g in groups for line in g.lines])
    logger.info("checkout: %d order(s) for account %s", len(orders), user.public_id)
    return orders



def do_checkout_items(user: User, items: list[tuple[str, int]], data: CheckoutInput, *,
                      client_ip: str) -> list[Order]:
    """Checkout of an explicit list of (listing id, quantity), as the API takes it: the
    same checkout as the pages, over a throwaway cart that never outlives the call."""
    with transaction.atomic():
        cart = Cart.objects.create()
        try:
            for listing_id, quantity in items:
                try:
                    do_add_to_cart(cart, listing_id, quantity, user=user)
                except ActionError as exc:
                    raise ValidationFailed({"items": [f"{listing_id}: {exc.message}"]},
                                           exc.message) from exc
            return do_checkout(user, cart, data, client_ip=client_ip)
        finally:
            cart.delete()

def _transition(order: Order, from_status: tuple[str], to: str, role: str,
                actor: User | None, note: str = "", *, notify: bool = True,
                **fields: object) -> bool:
    """Change status only if it is still `from_status` (one conditional UPDATE, so
    concurrent changes can't both win). Returns False if the order moved on already."""
    updated = Order.objects.filter(pk=order.pk, status=from_status[0]).update(
        status=to, updated_at=timezone.now(), **fields)
    if not updated:
        return False
    order.refresh_from_db()
    _event(order, to, role, actor, note, from_status=from_status[0], notify=notify)
    return True


def _release_stock(order: Order) -> None:
    for item in order.items.filter(listing__isnull=False).select_related("listing"):
        if item.listing is not None and item.listing.stock is not None:
            Listing.objects.filter(pk=item.listing.pk).update(stock=F("stock") + item.quantity)
    bump_generation()


def do_cancel(order: Order, actor: User, *, role: str, reason: str = "") -> Order:
    """Buyer or seller cancels an unpaid order; the reserved stock goes back."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise Conflict("Only unpaid orders can be cancelled here.")
    with transaction.atomic():
        if not _transition(order, (OrderStatus.PENDING_PAYMENT,), OrderStatus.CANCELLED, role,
                           actor, reason or "Cancelled"):
            raise Conflict("This order changed meanwhile; reload it.")
        _release_stock(order)
    return order


def do_mark_paid(order: Order, *, note: str = "Payment settled") -> bool:
    """Called by the payments layer when the invoice settles: commits the reserved stock
    and counts the sale. Idempotent: a second call does nothing. (A block's worth at once:
    paying.do_mark_paid_many.)"""
    return bool(do_mark_paid_many([(order, note)]))


def do_mark_shipped(order: Order, seller: User, note: str) -> Order:
    note = note.strip()
    if len(note) > 500:
        raise ValidationFailed({"note": ["At most 500 characters."]})
    if order.status != OrderStatus.PAID:
        raise Conflict("Only paid orders can be marked as shipped.")
    if not _transition(order, (OrderStatus.PAID,), OrderStatus.SHIPPED, Actor.SELLER, seller,
                       note or "Shipped", ship_note=note):
        raise Conflict("This order changed meanwhile; reload it.")
    return order


def do_close_by_escrow(order: Order, to: str, note: str) -> bool:
    """The escrow's payout confirmed on chain: the order is completed (released or split)
    or refunded. Idempotent."""
    if to not in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
        raise ValueError(to)
    # The escrow app tells both parties itself (escrow_released / escrow_refunded).
    return any(_transition(order, (frm,), to, Actor.SYSTEM, None, note, notify=False)
               for frm in (OrderStatus.SHIPPED, OrderStatus.PAID))


def do_cancel_paid(order: Order, seller: User, reason: str = "") -> Order:
    """The seller cancels a paid direct-mode order (to refund it from their own wallet);
    the stock goes back. Escrow orders are refunded through their escrow instead."""
    if hasattr(order, "escrow"):
        raise Conflict("This order is paid into escrow: refund it from its escrow page, "
                       "where the refund is co-signed.", code="escrow_mode")
    if order.status != OrderStatus.PAID:
        raise Conflict("Only paid orders that aren't shipped yet can be cancelled and "
                       "refunded.", code="not_paid")
    with transaction.atomic():
        if not _transition(order, (OrderStatus.PAID,), OrderStatus.CANCELLED, Actor.SELLER,
                           seller, reason or "Cancelled by the seller, to be refunded"):
            raise Conflict("This order changed meanwhile; reload it.")
        _release_stock(order)
    return order


def do_mark_refunded(order: Order, note: str) -> bool:
    """A cancelled order's refund confirmed in full. Idempotent. No generic notice: the
    refund's own (payments/refunds.py) names the sats and the address."""
    return _transition(order, (OrderStatus.CANCELLED,), OrderStatus.REFUNDED, Actor.SYSTEM,
                       None, note, notify=False)


def do_unmark_refunded(order: Order, note: str) -> bool:
    """The refund's transaction left the chain (a reorg): back to cancelled, waiting. Not a
    new cancellation, so no "cancelled" notice; the order's page shows the note."""
    return _transition(order, (OrderStatus.REFUNDED,), OrderStatus.CANCELLED, Actor.SYSTEM,
                       None, note, notify=False)


def do_note(order: Order, note: str) -> None:
    """A history line without a status change (a partial refund, a returned overpayment)."""
    _event(order, order.status, Actor.SYSTEM, None, note, from_status=order.status)


def do_confirm_received(order: Order, buyer: User) -> Order:
    if hasattr(order, "escrow"):
        raise Conflict("This order is paid into escrow: release the escrow to confirm "
                       "receipt, so the seller is paid.")
    if order.status != OrderStatus.SHIPPED:
        raise Conflict("Only shipped orders can be confirmed as received.")
    if not _transition(order, (OrderStatus.SHIPPED,), OrderStatus.COMPLETED, Actor.BUYER, buyer,
                       "Received"):
        raise Conflict("This order changed meanwhile; reload it.")
    return order


def expire_reservations(now: object = None) -> int:
    """Unpaid orders past their reservation expire and give their stock back."""
    cutoff = timezone.now() if now is None else now
    expired = 0
    overdue = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, reserved_until__lt=cutoff)
    for order in overdue.iterator():
        with transaction.atomic():
            if _transition(order, (OrderStatus.PENDING_PAYMENT,), OrderStatus.EXPIRED, Actor.SYSTEM,
                           None, "Not paid in time; stock released"):
                _release_stock(order)
                expired += 1
    return expired


def purge_finished_details(now: datetime | None = None) -> int:
    """Privacy by minimisation: shipping addresses and notes of orders that finished
    (completed, refunded, cancelled or expired) more than ORDER_PURGE_DAYS ago are erased."""
    cutoff = (timezone.now() if now is None else now) - timedelta(
        days=settings.ORDER_PURGE_DAYS)
    finished = Order.objects.filter(
        status__in=(OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.CANCELLED,
                    OrderStatus.EXPIRED), updated_at__lt=cutoff)
    # Encrypted empty values are stored as "" (see EncryptedTextField), so this is a plain
    # UPDATE; rows already purged don't match.
    return finished.exclude(shipping_address="", buyer_note="").update(
        shipping_address="", buyer_note="")


# --- access ------------------------------------------------------------------------------

def orders_of_buyer(user: User) -> QuerySet[Order]:
    return Order.objects.filter(buyer=user).select_related("store")


def orders_of_seller(user: User) -> QuerySet[Order]:
    return Order.objects.filter(store__owner=user).select_related("store")


def order_for_buyer(user: User, public_id: str) -> Order:
    order = orders_of_buyer(user).filter(public_id=public_id).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def order_for_seller(user: User, public_id: str) -> Order:
    order = orders_of_seller(user).filter(public_id=public_id).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def order_for_party(user: User, public_id: str) -> tuple[Order, str]:
    """The order and the caller's role in it ("buyer" or "seller"); 404 for anyone else —
    including staff, who use the admin (which never shows shipping addresses)."""
    order = (Order.objects.select_related("store").filter(public_id=public_id)
             .filter(Q(buyer=user) | Q(store__owner=user)).first())
    if order is None:
        raise NotFound("No such order.")
    return order, (Actor.BUYER if order.buyer_id == user.pk
                   else Actor.SELLER)


# --- account deletion ----------------------------------------------------------------------

def deletion_plan(user: User) -> DeletionPlan:
    plan = DeletionPlan()
    open_buying = Order.objects.filter(buyer=user, status__in=OPEN_STATUSES).count()
    if open_buying:
        plan.blockers.append(f"{open_buying} order{'s' if open_buying != 1 else ''} you placed "
                             f"{'are' if open_buying != 1 else 'is'} still in progress; "
                             "wait until they complete or cancel unpaid ones")
    finished = Order.objects.filter(buyer=user).exclude(status__in=OPEN_STATUSES).count()
    if finished:
        plan.kept.append(f"{finished} finished order{'s stay' if finished != 1 else ' stays'} "
                         "in the sellers' records, no longer linked to any account")
    store = getattr(user, "store", None)
    if store is not None:
        if Order.objects.filter(store=store).exists():
            plan.blockers.append(f"your store “{store.name}” has order history; stores "
                                 "with orders can't be deleted (hide your listings instead)")
        else:
            plan.removed.append(f"your store “{store.name}” and its listings")
    return plan


def delete_store_of(user: User) -> None:
    store = getattr(user, "store", None)
    if store is None:
        return
    for listing in store.listings.all():
        do_delete_listing(listing)
    store.delete()

