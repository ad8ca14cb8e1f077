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

# Called once per application of the chain (a block, a poll's recompute) with every
# invoice that settled in it, inside the watcher's transaction: the escrow app funds the
# escrows among them. A list, so a listener does its work in a few queries per block.
INVOICES_SETTLED: Hooks[Callable[[list[Invoice]], None]] = Hooks("invoices settled")

# Called once per application with a list of (invoice, old status, new status), one per
# invoice whose status changed (inside the watcher's transaction); the webhooks app queues
# invoice.* deliveries here, in one INSERT.
INVOICE_STATUS_CHANGES: Hooks[Callable[[list[tuple[Invoice, str, str]]], None]] = Hooks(
    "invoice status changes")
