"""What conversations needs from apps above it (ADR 10): escrow decides who acts as the
arbiter of an order's thread, and which threads an open dispute keeps from the purge."""

from __future__ import annotations

from collections.abc import Callable

from cryptoshop.accounts.models import User
from cryptoshop.core.registry import Hooks
from cryptoshop.orders.models import Order

# `check(user, order) -> bool`: True when `user` may read and write the order's thread as
# the arbiter now (escrow: staff with 2FA while the order's dispute is not closed).
THREAD_ARBITER: Hooks[Callable[[User, Order], bool]] = Hooks("conversations.THREAD_ARBITER")

# `held() -> set of order pks`: orders whose thread the purge must keep (an open dispute).
THREAD_HELD: Hooks[Callable[[], set[int]]] = Hooks("conversations.THREAD_HELD")
