"""What higher apps fill in for accounts (see core/registry.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Hooks

if TYPE_CHECKING:
    from cryptoshop.accounts.models import User

# Some or all of a user's sessions just ended (logout, token rotation, account deletion, a
# ban): listeners drop what those sessions still hold open (realtime: the live sockets).
# Called with the user; listeners must not raise into the caller.
SESSIONS_ENDED: Hooks[Callable[[User], None]] = Hooks("sessions ended")
