"""Signing a spend: ``check_sign`` takes the party's signature (a signed PSBT, or a phrase
used once in memory) and checks it against the plan and the policy; ``do_sign`` then adds
the marketplace's signature and broadcasts. The marketplace key signs only after the
party the policy names has signed exactly the planned transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.errors import BitcoinError, SigningRefused
from cryptoshop.btc.escrow import Escrow as EscrowScript
from cryptoshop.btc.psbt import PSBT, combine_psbts, finalize_psbt, parse_psbt, serialize_psbt
from cryptoshop.chain import configured
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, invalid
from cryptoshop.escrow import keys
from cryptoshop.escrow.access import (
    may_sign,
    role_in,
    settled_spend,
    signer_label,
    spend_waiting_for,
)
from cryptoshop.escrow.events import record
from cryptoshop.escrow.models import Escrow, Role, Spend
from cryptoshop.escrow.planning import escrow_script, plan_from_json

logger = logging.getLogger(__name__)

SENT = (Spend.Status.BROADCAST, Spend.Status.CONFIRMED)


@dataclass(frozen=True)
class SignCheck:
    """A checked signature: ``psbt`` carries the party's valid signature on exactly the
    plan of ``spend``. ``psbt`` is None when the spend already went out (a replay)."""

    escrow: Escrow
    spend: Spend
    role: Role
    psbt: PSBT | None = None
    plan: btc_escrow.SpendPlan | None = None
    script: EscrowScript | None = None


def _uploaded(escrow: Escrow, role: Role, spend: Spend | None, psbt_text: str,
              psbt_bytes: bytes) -> tuple[PSBT | None, Spend | None]:
    """The uploaded PSBT, if any, and the spend it is a transaction of. With ``spend``
    given it must be that very spend; without, it names its own spend of this escrow."""
    if not (psbt_text.strip() or psbt_bytes):
        return None, spend
    try:
        uploaded = parse_psbt(psbt_text if psbt_text.strip() else psbt_bytes)
    except BitcoinError as exc:
        raise invalid("psbt", str(exc)) from exc
    txid = bytes(uploaded.tx.txid()).hex()
    match = escrow.spends.filter(unsigned_txid=txid).first() if spend is None else (
        spend if txid == spend.unsigned_txid else None)
    if match is None:
        raise invalid("psbt", not_this_transaction(escrow, spend or spend_waiting_for(
            escrow, role), uploaded))
    return uploaded, match


def not_this_transaction(escrow: Escrow, spend: Spend | None, uploaded: PSBT) -> str:
    """The one refusal text (page and API) for a PSBT that is not the prepared
    transaction, saying what differs from it when there is one to compare with."""
    if spend is None or spend.status != Spend.Status.AWAITING_SIGNATURE:
        return ("Refused: this PSBT is not a transaction of this escrow waiting for your "
                "signature. Download the current one and sign that.")
    try:
        btc_escrow.verify_psbt(escrow_script(escrow), uploaded, plan_from_json(spend.plan))
        differs = "its inputs' sequence numbers differ"
    except SigningRefused as exc:
        differs = str(exc)
    kind = spend.kind.replace("_", "-")
    return (f"Refused: this is not the {kind} transaction the shop prepared ({differs}). "
            "Download it again and sign that one; never sign a changed one.")


def _spend_to_sign(escrow: Escrow, spend: Spend | None, role: Role) -> Spend:
    """The spend being signed: the one named, else the payout already sent (a replay),
    else the one waiting for ``role``."""
    if spend is None:
        spend = settled_spend(escrow) or spend_waiting_for(escrow, role)
    if spend is None or spend.escrow_id != escrow.pk:
        raise Conflict("Nothing is waiting for your signature.")
    if spend.status == Spend.Status.SUPERSEDED:
        if settled_spend(escrow) is not None:
            raise Conflict("Another payout of this escrow went out first.")
        raise Conflict("This transaction was replaced by a newer one; sign the current one.")
    if spend.status not in SENT and not may_sign(spend, role):
        raise Conflict(f"This {spend.get_kind_display().lower()} needs the "
                       f"{signer_label(spend.signer)}'s signature, not yours.")
    return spend


def check_sign(escrow: Escrow, user: User, *, spend: Spend | None = None,
               psbt_text: str = "", psbt_bytes: bytes = b"", phrase: str = "") -> SignCheck:
    """Is this the named party's valid signature on exactly the planned transaction?
    Every attempt counts against ``escrow:sign``; every refusal is recorded
    (``signature_refused``) so both parties see it."""
    role = role_in(escrow, user)
    if role not in (Role.BUYER, Role.SELLER):
        raise NotFound("No such escrow.")
    if not (psbt_text.strip() or psbt_bytes or phrase.strip()):
        if spend is not None and spend.status in SENT:
            return SignCheck(escrow, spend, role)  # idempotent: already signed and sent
        raise invalid("psbt", "Upload the signed PSBT, or type your phrase.")
    ratelimit.hit("escrow:sign", str(user.pk))
    try:
        return _check(escrow, role, spend, psbt_text, psbt_bytes, phrase)
    except ActionError as exc:
        _refused(escrow, role, exc)
        raise


def _refused(escrow: Escrow, role: Role, exc: ActionError) -> None:
    """On the trail, outside any transaction that the refusal rolls back."""
    record(escrow, "signature_refused", role, exc.message.removeprefix("Refused: "))


def _check(escrow: Escrow, role: Role, spend: Spend | None, psbt_text: str,
           psbt_bytes: bytes, phrase: str) -> SignCheck:
    uploaded, spend = _uploaded(escrow, role, spend, psbt_text, psbt_bytes)
    spend = _spend_to_sign(escrow, spend, role)
    if spend.status in SENT:
        return SignCheck(escrow, spend, role)  # idempotent: already signed and sent
    script = escrow_script(escrow)
    plan = plan_from_json(spend.plan)
    try:
        psbt = _party_signed(script, parse_psbt(spend.psbt), plan, role, uploaded, phrase)
        btc_escrow.check_signed_by(script, psbt, plan, role)
        _refuse_other_signatures(script, psbt, plan, role)
    except SigningRefused as exc:
        raise invalid("psbt", f"Refused: {exc}") from exc
    except BitcoinError as exc:
        raise invalid("psbt", str(exc)) from exc
    return SignCheck(escrow, spend, role, psbt, plan, script)


def _party_signed(script: EscrowScript, stored: PSBT, plan: btc_escrow.SpendPlan,
                  role: Role, uploaded: PSBT | None, phrase: str) -> PSBT:
    """The stored PSBT with the party's signature: from their upload, or made here with
    their typed phrase (used for this one signature and dropped)."""
    if uploaded is not None:
        # Wallets may strip fields they don't need; ours fill them back in.
        return combine_psbts([stored, uploaded])
    signer = keys.signer_from_phrase(phrase)
    party = script.role_of(signer)
    if party is None or party.role != role:
        raise invalid("phrase", f"That phrase is not the {role}'s key of this escrow.")
    btc_escrow.sign_psbt(script, stored, plan, signer)
    del signer
    return stored


def _refuse_other_signatures(script: EscrowScript, psbt: PSBT, plan: btc_escrow.SpendPlan,
                             role: Role) -> None:
    """Only the party's (checked) signature may come with an upload: the finaliser takes
    the first two signatures in key order, so a junk one under another cosigner's key
    would make the co-signed transaction invalid and leave the escrow stuck as sent."""
    party = {k.role: k for k in script.keys}[role]
    for n, want in enumerate(plan.inputs):
        if set(psbt.inputs[n].partial_sigs) != {party.pubkey(want.index)}:
            raise SigningRefused(f"input {n} carries a signature by a key other than the "
                                 f"{role}'s")


def do_sign(checked: SignCheck) -> Spend:
    """Co-sign a checked spend with the marketplace key and broadcast it; a replay is
    answered with the spend that already went out.

    Lock: the escrow's row (``select_for_update``) is held while the spend is marked
    broadcast and every other waiting spend superseded, so only one payout per escrow is
    ever co-signed: of two racing spends (say a refund and a release) the second finds
    the first sent and is refused."""
    escrow, spend = checked.escrow, checked.spend
    if checked.psbt is None or checked.plan is None or checked.script is None:
        return spend
    try:
        return _cosign(checked, checked.psbt, checked.plan, checked.script)
    except ActionError as exc:
        _refused(escrow, checked.role, exc)  # the transaction it came from is rolled back
        raise


def _cosign(checked: SignCheck, psbt: PSBT, plan: btc_escrow.SpendPlan,
            script: EscrowScript) -> Spend:
    escrow, spend = checked.escrow, checked.spend
    market = keys.marketplace_key(escrow.network)
    btc_escrow.sign_psbt(script, psbt, plan, keys.marketplace_signer(market))
    tx = finalize_psbt(psbt)
    raw = str(tx.serialize().hex())
    txid = str(tx.txid().hex())
    with transaction.atomic():
        Escrow.objects.select_for_update().get(pk=escrow.pk)
        fresh = Spend.objects.get(pk=spend.pk)
        if fresh.status in SENT:
            return fresh
        if settled_spend(escrow) is not None or fresh.status != Spend.Status.AWAITING_SIGNATURE:
            raise Conflict("Another payout of this escrow went out first.")
        Spend.objects.filter(pk=spend.pk).update(
            psbt=serialize_psbt(psbt), status=Spend.Status.BROADCAST, txid=txid, raw_tx=raw,
            broadcast_at=timezone.now())
        escrow.spends.filter(status=Spend.Status.AWAITING_SIGNATURE).update(
            status=Spend.Status.SUPERSEDED)
        Escrow.objects.filter(pk=escrow.pk).update(status=Escrow.Status.SETTLING)
        escrow.status = Escrow.Status.SETTLING
        record(escrow, f"{spend.kind}_signed", checked.role,
               f"signed by the {checked.role} and co-signed by the marketplace", txid=txid)
    broadcast(escrow, raw, txid)
    spend.refresh_from_db()
    return spend


def broadcast(escrow: Escrow, raw: str, txid: str) -> bool:
    """Hand the transaction to the node. A failure is not lost: the settle job keeps
    re-broadcasting a signed spend until it is seen."""
    try:
        configured.backend().broadcast(raw)
    except Exception as exc:
        logger.warning("escrow %s: broadcast failed, will retry: %s", escrow.public_id,
                       type(exc).__name__)
        record(escrow, "broadcast_retry", Role.MARKETPLACE, str(exc)[:200], txid=txid)
        return False
    record(escrow, "broadcast", Role.MARKETPLACE, "sent to the Bitcoin network", txid=txid)
    return True
