"""Disputes: either side opens one on a funded escrow, the buyer, the seller and the
arbiter write in the order's conversation (with photos; the arbiter sees all of it while
the dispute is open), and staff with 2FA decide the split, which is then prepared as a
spend for the favoured side to sign."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.conversations.actions import do_post, thread_for_order
from cryptoshop.conversations.models import Message
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed, invalid
from cryptoshop.escrow.access import role_in, settled_spend
from cryptoshop.escrow.events import notify_parties, notify_staff, record
from cryptoshop.escrow.models import Dispute, Escrow, Role, Spend
from cryptoshop.escrow.spends import prepare_spend

MAX_MESSAGE = 4000


def check_text(text: str, field: str, *, minimum: int = 1) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise invalid(field, f"At least {minimum} characters.")
    if len(text) > MAX_MESSAGE:
        raise invalid(field, f"At most {MAX_MESSAGE} characters.")
    return text


def do_open_dispute(escrow: Escrow, user: User, reason: str) -> Dispute:
    role = role_in(escrow, user)
    if role not in (Role.BUYER, Role.SELLER):
        raise NotFound("No such escrow.")
    reason = check_text(reason, "reason", minimum=10)
    with transaction.atomic():
        locked = Escrow.objects.select_for_update().get(pk=escrow.pk)
        if settled_spend(locked) is not None:
            raise Conflict("This escrow was already paid out.")
        if locked.status == Escrow.Status.DISPUTED:
            raise Conflict("A dispute is already open.")
        if locked.status != Escrow.Status.FUNDED:
            raise Conflict("Only a funded escrow can be disputed.")
        dispute = Dispute.objects.create(escrow=escrow, opened_by=role, reason=reason)
        Escrow.objects.filter(pk=escrow.pk).update(status=Escrow.Status.DISPUTED)
        escrow.status = Escrow.Status.DISPUTED
        # A pending auto-release claim ends with the dispute.
        escrow.spends.filter(kind=Spend.Kind.AUTO_RELEASE,
                             status=Spend.Status.AWAITING_SIGNATURE
                             ).update(status=Spend.Status.SUPERSEDED)
        record(escrow, "dispute_opened", role, reason[:200])
        notify_staff(escrow)
        notify_parties(escrow, f"The {Role(role).label.lower()} opened a dispute on order "
                               f"{escrow.order.public_id}; an arbiter will decide.",
                       kind="escrow_disputed", title="Dispute opened", severity="warning",
                       roles=(Role.SELLER if role == Role.BUYER else Role.BUYER,))
    return dispute


def do_add_message(escrow: Escrow, user: User, text: str,
                   evidence: bytes | None = None) -> Message:
    """A message in the order's conversation, written from the escrow page or API while a
    dispute is open (the arbiter may write only then)."""
    role = role_in(escrow, user)
    if role is None:
        raise NotFound("No such escrow.")
    dispute = getattr(escrow, "dispute", None)
    if dispute is None:
        raise Conflict("There is no dispute to write in.")
    if dispute.status == Dispute.Status.CLOSED:
        raise Conflict("This dispute is closed.")
    if role == Role.ARBITER and not user.totp_enabled:
        raise ActionError("Staff must turn on two-factor authentication first.",
                          code="2fa_required")
    text = check_text(text, "text")
    ratelimit.hit("escrow:message", str(user.pk))
    try:
        message = do_post(thread_for_order(escrow.order), user, str(role), text, evidence)
    except ValidationFailed as exc:
        # The photo is called "evidence" on the escrow page and in its API.
        raise ValidationFailed({("evidence" if k == "photo" else k): v
                                for k, v in exc.details.items()}, exc.message) from exc
    record(escrow, "dispute_message", role, "with a photo" if message.attachment else "")
    return message


def do_resolve(escrow: Escrow, staff: User, buyer_percent: int, note: str) -> Spend:
    """The arbiter decides the split; the PSBT is prepared for the favoured side."""
    if not (staff.is_staff and staff.is_active):
        raise NotFound("No such escrow.")
    if not staff.totp_enabled:
        raise ActionError("Staff must turn on two-factor authentication first.",
                          code="2fa_required")
    if isinstance(buyer_percent, bool) or not isinstance(buyer_percent, int) or not (
            0 <= buyer_percent <= 100):
        raise invalid("buyerPercent", "A whole number from 0 to 100.")
    note = check_text(note, "note", minimum=3)
    dispute = getattr(escrow, "dispute", None)
    if dispute is None or dispute.status == Dispute.Status.CLOSED:
        raise Conflict("There is no open dispute to decide.")
    if settled_spend(escrow) is not None:
        raise Conflict("This escrow was already paid out.")
    signer = (Spend.Signer.BUYER if buyer_percent > 50
              else Spend.Signer.SELLER if buyer_percent < 50 else Spend.Signer.EITHER)
    with transaction.atomic():
        # A new decision replaces an earlier one that nobody signed yet.
        escrow.spends.filter(kind=Spend.Kind.SPLIT,
                             status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        Dispute.objects.filter(pk=dispute.pk).update(
            status=Dispute.Status.DECIDED, buyer_percent=buyer_percent, decision_note=note,
            decided_by=staff, decided_at=timezone.now())
        record(escrow, "dispute_decided", Role.ARBITER,
               f"{buyer_percent}% to the buyer, {100 - buyer_percent}% to the seller: "
               f"{note[:150]}")
        spend = prepare_spend(escrow, Spend.Kind.SPLIT, signer, Role.ARBITER, buyer_percent)
        _notify_decision(escrow, buyer_percent, signer)
    return spend


def _notify_decision(escrow: Escrow, buyer_percent: int, signer: str) -> None:
    """One notice per party: the side that must sign hears "signature needed"."""
    split = (f"Dispute on order {escrow.order.public_id} decided: {buyer_percent}% to the "
             f"buyer, {100 - buyer_percent}% to the seller.")
    for role in (Role.BUYER, Role.SELLER):
        if signer in (role, Spend.Signer.EITHER):
            notify_parties(escrow, split + " Sign the payout to send it.", roles=(role,),
                           kind="escrow_signature_needed", title="Signature needed",
                           severity="warning")
        else:
            notify_parties(escrow, split + f" The {Role(signer).label.lower()} signs the "
                           "payout.", roles=(role,), kind="escrow_decided",
                           title="Dispute decided")
