"""What the payments layer asks of the apps above it, filled from their wiring.py.

Payments sits below escrow: an escrow holds an invoice's coins, so escrow imports payments.
Yet taking an escrow-mode payment needs the escrow app (the buyer's key, the 2-of-3 address),
and a settled invoice must fund its escrow. The escrow app provides these here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from cryptoshop.core.registry import Hooks, Slot

if TYPE_CHECKING:
    from cryptoshop.accounts.models import User
    from cryptoshop.orders.models import Order
    from cryptoshop.payments.models import Invoice


class EscrowMode(Protocol):
    """How a store in escrow mode is paid: into a fresh 2-of-3 address per order."""

    def has_key(self, user: User) -> bool:
        """Whether `user` registered the escrow key a party needs."""
        ...

    def check_open(self, order: Order, buyer: User, refund_address: str) -> object:
        """Validate (the buyer's key, the refund address…) before anything is taken;
        returns terms for `do_open`."""
        ...

    def do_open(self, terms: object) -> tuple[str, str]:
        """Open the escrow (inside the caller's transaction); returns (address, scriptPubKey
        hex) for the invoice."""
        ...


ESCROW_MODE: Slot[EscrowMode] = Slot("the escrow payment mode", provided_by="cryptoshop.escrow")

# Called with each invoice that settles (inside the watcher's transaction).
INVOICE_SETTLED: Hooks[Callable[[Invoice], None]] = Hooks("invoice settled")

# Called with (invoice, old status, new status) whenever an invoice's status changes (inside
# the watcher's transaction); the webhooks app queues invoice.* deliveries here.
INVOICE_STATUS_CHANGED: Hooks[Callable[[Invoice, str, str], None]] = Hooks(
    "invoice status changed")
