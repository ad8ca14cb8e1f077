"""Asking for a payout: release (buyer), refund (seller), auto-release (seller, after the
timeout). Each prepares a spend (its plan and unsigned PSBT) for the party the policy
names to sign first; signing.py then checks and co-signs it. The policy:

- release       buyer signs            → seller's payout address (+ marketplace fee)
- refund        seller signs           → buyer's refund address
- split         favoured side signs    → both, by the arbiter's percentages (+ fee)
- auto_release  seller signs, N days after shipping with no dispute → as release
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.psbt import serialize_psbt
from cryptoshop.chain.netstats import fee_source_label
from cryptoshop.core.errors import Conflict, NotFound
from cryptoshop.escrow.access import role_in, settled_spend, signer_label
from cryptoshop.escrow.events import record
from cryptoshop.escrow.models import Escrow, Role, Spend
from cryptoshop.escrow.planning import (
    describe_outputs,
    escrow_script,
    output_keys,
    output_shares,
    plan_for,
    plan_to_json,
)
from cryptoshop.orders.models import Order, OrderEvent


def prepare_spend(escrow: Escrow, kind: Spend.Kind, signer: str, actor: Role,
                  buyer_percent: int | None = None) -> Spend:
    """Plan ``kind`` now and store it with its unsigned PSBT; an earlier unsigned spend of
    the same kind is superseded (a signature on it is refused)."""
    plan, rate = plan_for(escrow, kind, buyer_percent)
    psbt = btc_escrow.create_psbt(escrow_script(escrow), plan,
                                  output_keys=output_keys(escrow, plan))
    with transaction.atomic():
        Spend.objects.filter(escrow=escrow, kind=kind,
                             status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        plan_json = plan_to_json(plan, escrow.network)
        spend = Spend.objects.create(
            escrow=escrow, kind=kind, signer=signer, plan=plan_json,
            psbt=serialize_psbt(psbt), unsigned_txid=bytes(psbt.tx.txid()).hex(),
            fee_rate_sat_vb=rate.sat_vb, fee_rate_source=rate.source,
            **output_shares(escrow, plan_json))
        record(escrow, f"{kind}_prepared", actor,
               f"{describe_outputs(spend)}; network fee {plan.fee_sat} sat at "
               f"{rate.sat_vb} sat/vB ({fee_source_label(rate.source)}); "
               f"waiting for the {signer_label(signer)}'s signature")
    return spend


def _open_spend(escrow: Escrow, kind: Spend.Kind, signer: Role) -> Spend | None:
    return escrow.spends.filter(kind=kind, signer=signer,
                                status=Spend.Status.AWAITING_SIGNATURE).first()


def _require_open(escrow: Escrow, *, kinds: tuple[Spend.Kind, ...]) -> Spend | None:
    """None if the escrow can still be spent; the settled spend when this very kind of
    spend already went out (a replayed request is answered, not repeated)."""
    done = settled_spend(escrow)
    if done is not None:
        if done.kind in kinds:
            return done
        raise Conflict(f"This escrow was already paid out ({done.get_kind_display().lower()}).")
    if escrow.status == Escrow.Status.AWAITING_PAYMENT:
        raise Conflict("The escrow isn't funded yet: the payment must confirm first.")
    if escrow.status not in Escrow.OPEN:
        raise Conflict("This escrow is closed.")
    return None


def _party_spend(escrow: Escrow, user: User, role: Role, kind: Spend.Kind,
                 fresh: bool) -> Spend:
    """The ``kind`` spend that ``role`` asks for and signs: made once, and the same one is
    returned until it is signed, superseded or the escrow paid out (then that payout).
    ``fresh`` prepares it again (today's fee rate, coins that arrived since)."""
    if role_in(escrow, user) != role:
        raise NotFound("No such escrow.")
    done = _require_open(escrow, kinds=(kind,))
    if done is not None:
        return done
    if not fresh:
        waiting = _open_spend(escrow, kind, role)
        if waiting is not None:
            return waiting
    return prepare_spend(escrow, kind, role, role)


def do_release(escrow: Escrow, user: User, *, fresh: bool = False) -> Spend:
    """The buyer releases to the seller: the release PSBT for the buyer to sign."""
    return _party_spend(escrow, user, Role.BUYER, Spend.Kind.RELEASE, fresh)


def do_refund(escrow: Escrow, user: User, *, fresh: bool = False) -> Spend:
    """The seller agrees to refund: the refund PSBT for the seller to sign."""
    return _party_spend(escrow, user, Role.SELLER, Spend.Kind.REFUND, fresh)


def shipped_at(order: Order) -> datetime | None:
    event = (OrderEvent.objects.filter(order=order, to_status=Order.Status.SHIPPED)
             .order_by("created_at").first())
    return event.created_at if event else None


def auto_release_at(escrow: Escrow) -> datetime | None:
    shipped = shipped_at(escrow.order)
    return shipped + timedelta(days=escrow.auto_release_days) if shipped else None


def do_claim_auto_release(escrow: Escrow, user: User, *, now: datetime | None = None,
                          fresh: bool = False) -> Spend:
    """The seller claims after the timeout: shipped N days ago, no release, no dispute."""
    if role_in(escrow, user) != Role.SELLER:
        raise NotFound("No such escrow.")
    done = _require_open(escrow, kinds=(Spend.Kind.AUTO_RELEASE, Spend.Kind.RELEASE))
    if done is not None:
        return done
    if escrow.status == Escrow.Status.DISPUTED:
        raise Conflict("The buyer opened a dispute: the arbiter decides.")
    due = auto_release_at(escrow)
    if due is None:
        raise Conflict("Mark the order as shipped first; auto-release counts from then.")
    if (now or timezone.now()) < due:
        raise Conflict(f"Auto-release opens on {due:%Y-%m-%d %H:%M} UTC "
                       f"({escrow.auto_release_days} days after shipping).")
    waiting = None if fresh else _open_spend(escrow, Spend.Kind.AUTO_RELEASE, Role.SELLER)
    return waiting or prepare_spend(escrow, Spend.Kind.AUTO_RELEASE, Role.SELLER, Role.SELLER)
