"""Who may see and do what in an escrow: the caller's role, the escrows they take part
in, and which spend is theirs to sign. Pages, the API and the actions all ask here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cryptoshop.accounts.models import User
from cryptoshop.core.errors import NotFound
from cryptoshop.escrow.models import Escrow, Role, Spend

# Escrows that still depend on the keys they were opened with (not yet closed).
UNSETTLED = (Escrow.Status.AWAITING_PAYMENT, *Escrow.OPEN, Escrow.Status.SETTLING)


def role_in(escrow: Escrow, user: User) -> Role | None:
    if escrow.order.buyer_id == user.pk:
        return Role.BUYER
    if escrow.order.store.owner_id == user.pk:
        return Role.SELLER
    if (user.is_staff and user.is_active and user.totp_enabled
            and hasattr(escrow, "dispute")):
        # Staff act as the arbiter only with two-factor on, as everywhere staff act.
        return Role.ARBITER
    return None


def escrow_for(user: User, public_id: str) -> tuple[Escrow, Role]:
    """The escrow and the caller's role; 404 for anyone who is not a party (staff see
    escrows in dispute, as the arbiter)."""
    escrow = (Escrow.objects.select_related("order", "order__store").filter(
        public_id=public_id).first())
    role = role_in(escrow, user) if escrow is not None else None
    if escrow is None or role is None:
        raise NotFound("No such escrow.")
    return escrow, role


def escrows_of(user: User) -> QuerySet[Escrow]:
    """The escrows ``user`` is the buyer or the seller of."""
    return (Escrow.objects.select_related("order", "order__store")
            .filter(Q(order__buyer=user) | Q(order__store__owner=user)))


def open_escrow_count(user: User) -> int:
    """How many of the user's escrows keep using the key they were opened with, so the key
    page can warn before the key is replaced."""
    return escrows_of(user).filter(status__in=UNSETTLED).count()


def spend_for(escrow: Escrow, spend_id: int) -> Spend | None:
    return escrow.spends.filter(pk=spend_id).first()


def may_sign(spend: Spend, role: str) -> bool:
    return role in (Role.BUYER, Role.SELLER) and spend.signer in (role, Spend.Signer.EITHER)


def spend_waiting_for(escrow: Escrow, role: str) -> Spend | None:
    """The newest spend waiting for ``role``'s signature, if any."""
    awaiting = escrow.spends.filter(status=Spend.Status.AWAITING_SIGNATURE)
    return next((s for s in awaiting if may_sign(s, role)), None)


def settled_spend(escrow: Escrow) -> Spend | None:
    """The spend that went out (broadcast or confirmed); there is at most one."""
    return escrow.spends.filter(status__in=[Spend.Status.BROADCAST,
                                            Spend.Status.CONFIRMED]).first()


def signer_label(signer: str) -> str:
    return "buyer or seller" if signer == Spend.Signer.EITHER else signer
