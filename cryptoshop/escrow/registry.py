"""What the escrow layer asks of the apps above it, filled from their wiring.py.

The webhooks app sits above escrow (it tells a store's endpoints about escrow steps), so
escrow can't import it; it announces each step here instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Hooks

if TYPE_CHECKING:
    from cryptoshop.escrow.models import Escrow

# Called with (escrow, event kind) for every EscrowEvent recorded (events.record), inside
# the step's transaction; `escrow.status` is already the new one.
ESCROW_EVENT: Hooks[Callable[[Escrow, str], None]] = Hooks("escrow event")
