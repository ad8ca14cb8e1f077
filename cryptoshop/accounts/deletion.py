"""What deleting an account removes, keeps, or is blocked by.

Apps above accounts (orders for stores and orders) add to DELETION_PLANS and
DELETION_CLEANUPS from their wiring.py, so the delete page can say exactly what happens,
and so an account can't vanish while a seller still owes goods or a buyer still has coins
in escrow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Hooks

if TYPE_CHECKING:
    from cryptoshop.accounts.models import User


@dataclass
class DeletionPlan:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    def extend(self, other: DeletionPlan) -> None:
        self.removed += other.removed
        self.kept += other.kept
        self.blockers += other.blockers


DeletionHook = Callable[["User"], DeletionPlan]
Cleanup = Callable[["User"], None]
DELETION_PLANS: Hooks[DeletionHook] = Hooks("account deletion plans")
# Run inside the deletion transaction, before the account row goes (e.g. remove a store
# that nothing else refers to).
DELETION_CLEANUPS: Hooks[Cleanup] = Hooks("account deletion cleanups")


def run_cleanups(user: User) -> None:
    for cleanup in DELETION_CLEANUPS:
        cleanup(user)


def plan_for(user: User) -> DeletionPlan:
    plan = DeletionPlan(
        removed=[
            "your access token (it stops working at once)",
            "your display name" if user.display_name else "your anonymous profile",
            "your two-factor secret and recovery codes" if user.totp_enabled else "",
            "your default refund address" if user.default_refund_address else "",
            "every signed-in session, on every device",
        ]
    )
    plan.removed = [item for item in plan.removed if item]
    for hook in DELETION_PLANS:
        plan.extend(hook(user))
    return plan
