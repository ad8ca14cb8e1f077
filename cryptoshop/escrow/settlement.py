"""After the broadcast: the settle job closes an escrow (and its order) once its payout is
in a block, and re-broadcasts one the node doesn't know. (Dispute messages and photos are
the order's conversation, purged on its schedule by the conversations app.)"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cryptoshop.chain import configured
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.escrow.events import notify_parties, record
from cryptoshop.escrow.models import Dispute, Escrow, Role, Spend
from cryptoshop.escrow.planning import describe_outputs
from cryptoshop.escrow.signing import broadcast
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order

# What a confirmed spend of each kind makes of the escrow and of its order.
CLOSE: dict[str, tuple[Escrow.Status, Order.Status]] = {
    Spend.Kind.RELEASE: (Escrow.Status.RELEASED, Order.Status.COMPLETED),
    Spend.Kind.AUTO_RELEASE: (Escrow.Status.RELEASED, Order.Status.COMPLETED),
    Spend.Kind.REFUND: (Escrow.Status.REFUNDED, Order.Status.REFUNDED),
    Spend.Kind.SPLIT: (Escrow.Status.SPLIT, Order.Status.COMPLETED),
}


def settle_broadcast_spends() -> int:
    """The job after each poll: a broadcast spend that is in a block closes its escrow and
    its order; one the node doesn't know is broadcast again."""
    try:
        backend = configured.backend()
    except configured.ChainNotConfigured:
        return 0
    closed = 0
    for spend in Spend.objects.filter(status=Spend.Status.BROADCAST).select_related(
            "escrow", "escrow__order"):
        try:
            status = backend.get_tx_status(spend.txid)
        except TxNotFound:
            broadcast(spend.escrow, spend.raw_tx, spend.txid)
            continue
        except ChainError:
            continue
        if status.block_height is not None and _close(spend, status.block_height):
            closed += 1
    return closed


def _close(spend: Spend, height: int) -> bool:
    """Mark the confirmed spend and close its escrow, dispute and order; False when
    another process did it first (the conditional UPDATE matched nothing)."""
    escrow_status, order_status = CLOSE[spend.kind]
    with transaction.atomic():
        if not Spend.objects.filter(pk=spend.pk, status=Spend.Status.BROADCAST).update(
                status=Spend.Status.CONFIRMED, confirmed_at=timezone.now(),
                confirmed_height=height):
            return False
        escrow = spend.escrow
        Escrow.objects.filter(pk=escrow.pk).update(status=escrow_status,
                                                   closed_at=timezone.now())
        escrow.status = escrow_status
        Dispute.objects.filter(escrow=escrow).update(status=Dispute.Status.CLOSED)
        record(escrow, "payout_confirmed", Role.SYSTEM,
               f"{describe_outputs(spend)} — in block {height}", txid=spend.txid)
        order_actions.do_close_by_escrow(
            escrow.order, order_status,
            f"Escrow {spend.get_kind_display().lower()} confirmed ({spend.txid[:16]}…)")
        refunded = escrow_status == Escrow.Status.REFUNDED
        notify_parties(escrow, f"Escrow of order {escrow.order.public_id}: "
                               f"{escrow.get_status_display().lower()}, confirmed on chain.",
                       kind="escrow_refunded" if refunded else "escrow_released",
                       title="Escrow refunded" if refunded else "Escrow paid out",
                       severity="success")
    return True
