"""What the stores layer asks of the apps above it, filled from their wiring.py.

Listing, cart and checkout pages say how a store is paid, but a store's payout wallet and
mode belong to the payments app, which sits above every app that shows a store. The
payments app provides the answer here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Slot

if TYPE_CHECKING:
    from cryptoshop.stores.models import Store

# "escrow" (2-of-3 multisig), "direct" (the seller's own wallet), or None (no wallet yet).
PAYMENT_MODE: Slot[Callable[[Store], str | None]] = Slot(
    "a store's payment mode", provided_by="cryptoshop.payments")
