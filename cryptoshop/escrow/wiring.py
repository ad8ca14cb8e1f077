"""Wiring escrow into the rest: the escrow payment mode, funded when the invoice settles,
the settle job, live rooms, and the arbiter's place in an order's conversation."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.accounts.models import User
from cryptoshop.conversations.registry import THREAD_ARBITER, THREAD_HELD
from cryptoshop.core.jobs import register_chain_job
from cryptoshop.escrow import keys
from cryptoshop.escrow.access import role_in
from cryptoshop.escrow.models import Dispute, Escrow, Role
from cryptoshop.escrow.opening import check_open_escrow, do_open_escrow, on_invoices_settled
from cryptoshop.escrow.settlement import settle_broadcast_spends
from cryptoshop.orders.models import Order
from cryptoshop.payments.registry import ESCROW_MODE, INVOICES_SETTLED
from cryptoshop.realtime.rooms import register_room_authorizer


class _EscrowMode:
    """The escrow app's side of payments' EscrowMode."""

    def has_key(self, user: User) -> bool:
        return keys.key_of(user) is not None

    def check_open(self, order: Order, buyer: User, refund_address: str) -> object:
        return check_open_escrow(order, buyer, refund_address)

    def do_open(self, terms: object) -> tuple[str, str]:
        return do_open_escrow(terms)  # type: ignore[arg-type]  # terms from check_open


def _escrow_room_allowed(user: User, public_id: str) -> bool:
    """`escrow-<id>` rooms: the escrow's buyer, seller, or (in a dispute) the arbiter."""
    escrow = Escrow.objects.select_related("order", "order__store").filter(
        public_id=public_id).first()
    return escrow is not None and role_in(escrow, user) is not None


def _thread_arbiter(user: User, order: Order) -> bool:
    """The arbiter reads and writes the order's whole conversation while its dispute is
    open (or decided, not yet paid out): staff with 2FA, as on the escrow page."""
    escrow = Escrow.objects.select_related("order", "order__store", "dispute").filter(
        order=order).first()
    return (escrow is not None and role_in(escrow, user) == Role.ARBITER
            and escrow.dispute.status != Dispute.Status.CLOSED)


def _held_by_disputes() -> set[int]:
    """Orders whose conversation an open dispute keeps from the purge."""
    return set(Dispute.objects.exclude(status=Dispute.Status.CLOSED)
               .values_list("escrow__order_id", flat=True))


def _settle() -> object:
    closed = settle_broadcast_spends()
    return f"{closed} escrow payout(s) confirmed" if closed else None


def install() -> None:
    ESCROW_MODE.provide(_EscrowMode())
    INVOICES_SETTLED.add(on_invoices_settled)
    THREAD_ARBITER.add(_thread_arbiter)
    THREAD_HELD.add(_held_by_disputes)
    register_chain_job("escrow_settle", _settle, max(2, settings.WATCHER_POLL_SECONDS))
    register_room_authorizer("escrow-", _escrow_room_allowed)
