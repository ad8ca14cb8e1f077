"""The escrow's event trail: every step is an EscrowEvent, shown on the escrow page and
pushed live to both parties; and the notifications that go with the steps that need one."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.escrow.models import Escrow, EscrowEvent, Role
from cryptoshop.escrow.registry import ESCROW_EVENT
from cryptoshop.notifications.actions import do_notify
from cryptoshop.realtime import publish


def record(escrow: Escrow, kind: str, actor: Role, detail: str = "",
           txid: str = "") -> EscrowEvent:
    """Store the event and, after commit, tell both parties' pages (``escrow:updated``)."""
    event = EscrowEvent.objects.create(escrow=escrow, kind=kind, actor=actor,
                                       detail=detail[:300], txid=txid)
    order = escrow.order
    payload = {"type": kind, "escrowId": escrow.public_id, "orderId": order.public_id,
               "status": escrow.status, "txid": txid or None}
    rooms = [f"escrow-{escrow.public_id}", f"order-{order.public_id}",
             f"user-{order.store.owner.public_id}"]
    if order.buyer is not None:
        rooms.append(f"user-{order.buyer.public_id}")
    for room in rooms:  # sent once the surrounding transaction commits (see publish)
        publish(room, "escrow:updated", payload)
    ESCROW_EVENT.call_each(escrow, kind)
    return event


def notify_parties(escrow: Escrow, text: str, *, kind: str = "escrow_updated",
                   title: str = "Escrow update", severity: str = "info",
                   roles: tuple[Role, ...] = (Role.BUYER, Role.SELLER)) -> None:
    """A notice to the escrow's buyer and/or seller, live (the header badge counts it; the
    escrow page follows its own room, so it doesn't refresh twice)."""
    url = f"/escrow/{escrow.public_id}/"
    parties = {Role.BUYER: escrow.order.buyer, Role.SELLER: escrow.order.store.owner}
    for role in roles:
        user = parties.get(role)
        if user is not None:
            do_notify(user, kind, title, text, url=url, severity=severity)


def notify_staff(escrow: Escrow) -> None:
    """A new dispute needs an arbiter: the first active staff accounts hear of it."""
    for staff in User.objects.filter(is_staff=True, is_active=True)[:20]:
        do_notify(staff, "escrow_disputed", "Dispute needs an arbiter",
                  f"Dispute opened on escrow {escrow.public_id}.",
                  url=f"/escrow/{escrow.public_id}/", severity="warning", live=False)
