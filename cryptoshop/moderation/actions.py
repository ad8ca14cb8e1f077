"""Trust and safety actions shared by the report form, the staff queue, the admin and the API.

check_* validate, do_* act. Every privileged action requires a reason and writes one
AuditEntry through audit(), the only code that creates audit rows (none updates or deletes
them); audit() appends to the log's hash chain (chain.py). Staff actions and their audit
entries commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cryptoshop.accounts.actions import end_sessions_of
from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.visibility import refresh_store, refresh_visibility
from cryptoshop.core import ratelimit
from cryptoshop.core.admin_audit import MAX_REASON
from cryptoshop.core.crypto import keyed_hash
from cryptoshop.core.errors import ActionError, Conflict, Forbidden, NotFound, ValidationFailed
from cryptoshop.moderation import chain
from cryptoshop.moderation.models import AuditEntry, Report
from cryptoshop.notifications.actions import do_notify
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)

MIN_REASON = 3
MAX_REPORT_TEXT = 2000

# What staff can do from a report in the queue.
QUEUE_ACTIONS = {
    "block_listing": "Block the listing",
    "suspend_store": "Suspend the store",
    "ban_seller": "Ban the seller",
    "dismiss": "Dismiss the report",
    # Reports on conversation messages (message_reports.py).
    "hide_message": "Hide the message",
    "ban_author": "Ban the message's author",
}


# --- the audit log ----------------------------------------------------------------------------

def _target_ref(target: models.Model | tuple[str, str] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return target[0][:40], str(target[1])[:40]
    ident = getattr(target, "public_id", None) or target.pk
    return target._meta.label_lower[:40], str(ident)[:40]


def audit(actor: User | None, action: str, target: models.Model | tuple[str, str] | None,
          reason: str = "", data: dict[str, Any] | None = None) -> AuditEntry:
    """Record who did what to which object, when and why. `target` is a model instance (its
    public id, or else its primary key, is kept) or a ("type", "id") pair."""
    target_type, target_id = _target_ref(target)
    label = actor.label if actor is not None else "system"
    return chain.append(
        actor=actor, actor_label=label[:64], action=action[:40], target_type=target_type,
        target_id=target_id, reason=(reason or "")[:MAX_REASON], data=data or {},
    )


# --- checks -----------------------------------------------------------------------------------

def check_staff(user: User | None) -> User:
    """Staff only; to anybody else the staff tools don't exist (404, not 403). Staff act
    only with two-factor authentication on, as everywhere staff act."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        raise NotFound("Not found.")
    if not user.acts_as_staff:
        raise Forbidden("Staff must turn on two-factor authentication first.")
    return user


def check_reason(reason: str | None, field: str = "reason") -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON:
        raise ValidationFailed({field: ["Say why (at least 3 characters); it goes in the "
                                        "audit log."]})
    if len(text) > MAX_REASON:
        raise ValidationFailed({field: [f"At most {MAX_REASON} characters."]})
    return text


# --- reports ----------------------------------------------------------------------------------

def check_report(reporter: User | None, listing: Listing, reason: str,
                 text: str) -> tuple[str, str]:
    if not (listing.is_visible and listing.store.is_active):
        raise NotFound("No such listing.")
    if reporter is not None and reporter.is_authenticated and listing.store.owner_id == reporter.pk:
        raise ActionError("You can't report your own listing.", code="own_listing")
    errors: dict[str, list[str]] = {}
    if reason not in Report.Reason.values:
        errors["reason"] = ["Choose a reason: " + ", ".join(Report.Reason.values) + "."]
    text = (text or "").strip()
    if len(text) > MAX_REPORT_TEXT:
        errors["text"] = [f"At most {MAX_REPORT_TEXT} characters."]
    elif reason == Report.Reason.OTHER and len(text) < 10:
        errors["text"] = ["Tell us what is wrong (at least 10 characters)."]
    if errors:
        raise ValidationFailed(errors)
    key = duplicate_key(reporter, listing)
    if key and Report.objects.filter(listing=listing, duplicate_key=key,
                                     status=Report.Status.OPEN).exists():
        raise Conflict("You have already reported this listing; staff will look at it.")
    return reason, text


def duplicate_key(reporter: User | None, listing: Listing) -> str:
    """A code for "this account reported this listing" that names neither: a keyed hash,
    so the reports table can't be joined to the accounts table. "" when anonymous."""
    if reporter is None or not reporter.is_authenticated:
        return ""
    return keyed_hash(f"{reporter.pk}:{listing.pk}", purpose="report-duplicate")


def do_report_listing(reporter: User | None, listing: Listing, reason: str, text: str,
                      client_ip: str) -> Report:
    """Anyone may report a visible listing, with or without an account (rate-limited per
    client address; the address itself is never stored, nor the reporter's account)."""
    if reporter is not None and not reporter.is_authenticated:
        reporter = None
    reason, text = check_report(reporter, listing, reason, text)
    ratelimit.hit("report:ip", client_ip)
    report = Report.objects.create(listing=listing, reason=reason, text=text,
                                   duplicate_key=duplicate_key(reporter, listing))
    logger.info("listing reported listing=%s reason=%s", listing.public_id, reason)
    return report


def open_reports() -> models.QuerySet[Report]:
    return (Report.objects.filter(status=Report.Status.OPEN)
            .select_related("listing", "listing__store", "listing__store__owner",
                            "listing__category")
            .order_by("created_at", "id"))


def do_resolve_report(staff: User, report: Report, outcome: str, note: str) -> Report:
    check_staff(staff)
    note = check_reason(note, "note")
    if outcome not in {Report.Status.ACTIONED, Report.Status.DISMISSED}:
        raise ValidationFailed({"outcome": ["Actioned or dismissed."]})
    with transaction.atomic():
        # Conditional update: of two staff resolving the same report, one wins.
        won = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
            status=outcome, resolved_at=timezone.now(), resolved_by=staff, resolution=note,
            duplicate_key="")  # only needed while open
        if not won:
            raise Conflict("This report was already resolved.")
        report.refresh_from_db()
        subject = ({"listing": report.listing.public_id} if report.listing is not None
                   else {report.subject_type: report.subject_id})
        audit(staff, f"report.{'dismiss' if outcome == Report.Status.DISMISSED else 'action'}",
              report, note, {**subject, "reason": report.reason})
    return report


# --- listings ---------------------------------------------------------------------------------

def do_block_listing(staff: User, listing: Listing, reason: str) -> Listing:
    """Take a listing out of public view. Separate from the seller's own status, so the
    seller can't publish it again; only staff can unblock it."""
    check_staff(staff)
    reason = check_reason(reason)
    with transaction.atomic():
        won = Listing.objects.filter(pk=listing.pk, blocked=False).update(
            blocked=True, blocked_reason=reason, updated_at=timezone.now())
        if not won:
            raise Conflict("This listing is already blocked.")
        listing.blocked, listing.blocked_reason = True, reason
        listing.visible = False
        refresh_visibility(Listing.objects.filter(pk=listing.pk))
        audit(staff, "listing.block", listing, reason, {"title": listing.title})
    return listing


def do_unblock_listing(staff: User, listing: Listing, reason: str) -> Listing:
    check_staff(staff)
    reason = check_reason(reason)
    with transaction.atomic():
        won = Listing.objects.filter(pk=listing.pk, blocked=True).update(
            blocked=False, blocked_reason="", updated_at=timezone.now())
        if not won:
            raise Conflict("This listing is not blocked.")
        listing.blocked, listing.blocked_reason = False, ""
        refresh_visibility(Listing.objects.filter(pk=listing.pk))
        listing.refresh_from_db(fields=["visible"])
        audit(staff, "listing.unblock", listing, reason, {"title": listing.title})
    return listing


# --- stores -----------------------------------------------------------------------------------

def do_suspend_store(staff: User, store: Store, reason: str,
                     data: dict[str, Any] | None = None) -> Store:
    """Hide a store and all its listings; its seller can't publish while suspended."""
    check_staff(staff)
    reason = check_reason(reason)
    with transaction.atomic():
        won = Store.objects.filter(pk=store.pk, status=Store.Status.ACTIVE).update(
            status=Store.Status.SUSPENDED, suspended_reason=reason, updated_at=timezone.now())
        if not won:
            raise Conflict("This store is already suspended.")
        store.status, store.suspended_reason = Store.Status.SUSPENDED, reason
        refresh_store(store.pk)
        audit(staff, "store.suspend", store, reason, {"name": store.name, **(data or {})})
    return store


def do_unsuspend_store(staff: User, store: Store, reason: str) -> Store:
    check_staff(staff)
    reason = check_reason(reason)
    with transaction.atomic():
        won = Store.objects.filter(pk=store.pk, status=Store.Status.SUSPENDED).update(
            status=Store.Status.ACTIVE, suspended_reason="", updated_at=timezone.now())
        if not won:
            raise Conflict("This store is not suspended.")
        store.status, store.suspended_reason = Store.Status.ACTIVE, ""
        refresh_store(store.pk)
        audit(staff, "store.unsuspend", store, reason, {"name": store.name})
    return store


# --- accounts ---------------------------------------------------------------------------------

def check_ban(staff: User, user: User) -> None:
    check_staff(staff)
    if user.pk == staff.pk:
        raise ActionError("You can't ban your own account.", code="own_account")
    if (user.is_staff or user.is_superuser) and not staff.is_superuser:
        raise ActionError("Only a superuser can ban a staff account.", code="staff_account")


def do_ban_account(staff: User, user: User, reason: str) -> User:
    """Deactivate the account, end all its sessions (browser and API), and suspend its
    store so nobody orders from a seller who can no longer log in to ship."""
    check_ban(staff, user)
    reason = check_reason(reason)
    with transaction.atomic():
        won = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        if not won:
            raise Conflict("This account is already banned.")
        user.is_active = False
        end_sessions_of(user)
        audit(staff, "account.ban", user, reason)
        store = Store.objects.filter(owner=user, status=Store.Status.ACTIVE).first()
        if store is not None:
            do_suspend_store(staff, store, reason, {"via": "account.ban"})
    logger.info("account banned id=%s", user.public_id)
    return user


def do_unban_account(staff: User, user: User, reason: str) -> User:
    """Reactivate the account. Its store stays suspended until staff lift that separately."""
    check_staff(staff)
    reason = check_reason(reason)
    with transaction.atomic():
        won = User.objects.filter(pk=user.pk, is_active=False).update(is_active=True)
        if not won:
            raise Conflict("This account is not banned.")
        user.is_active = True
        audit(staff, "account.unban", user, reason)
    return user


# --- acting on a report from the queue -------------------------------------------------------

# Reports on other subjects than listings (reviews, messages): the module of this app that
# handles that subject adds `handler(staff, report, action, reason) -> sentence` here; it
# applies the action and resolves the report. "dismiss" is handled below for every subject.
SUBJECT_HANDLERS: dict[str, Callable[[User, Report, str, str], str]] = {}

def do_act_on_report(staff: User, report: Report, action: str, reason: str) -> str:
    """Apply one queue action and resolve the report (and the other open reports it
    settles: on the same listing, or on the same store when the store goes). Returns a
    sentence for the staff member."""
    check_staff(staff)
    if action not in QUEUE_ACTIONS:
        raise ValidationFailed({"action": ["Choose one of: " + ", ".join(QUEUE_ACTIONS) + "."]})
    reason = check_reason(reason)
    if report.status != Report.Status.OPEN:
        raise Conflict("This report was already resolved.")
    if action == "dismiss":
        do_resolve_report(staff, report, Report.Status.DISMISSED, reason)
        return "Report dismissed."
    listing = report.listing
    if listing is None:
        handler = SUBJECT_HANDLERS.get(report.subject_type)
        if handler is None:
            raise ValidationFailed({"action": ["Only dismiss applies to this report."]})
        with transaction.atomic():
            return handler(staff, report, action, reason)
    store = listing.store
    with transaction.atomic():
        if action == "block_listing":
            if not listing.blocked:
                do_block_listing(staff, listing, reason)
            settled = Report.objects.filter(listing=listing)
            done = f"Listing “{listing.title}” blocked."
        elif action == "suspend_store":
            if store.is_active:
                do_suspend_store(staff, store, reason)
            settled = Report.objects.filter(listing__store=store)
            done = f"Store “{store.name}” suspended."
        else:  # ban_seller
            owner = User.objects.get(pk=store.owner_id)
            if owner.is_active:
                do_ban_account(staff, owner, reason)
            elif store.is_active:
                do_suspend_store(staff, store, reason)
            settled = Report.objects.filter(listing__store=store)
            done = f"Seller {owner.label} banned and the store suspended."
        for other in settled.filter(status=Report.Status.OPEN).order_by("id"):
            do_resolve_report(staff, other, Report.Status.ACTIONED, reason)
        _tell_seller(store, listing, action, reason)
    return done


def _tell_seller(store: Store, listing: Listing, action: str, reason: str) -> None:
    """The seller hears what was decided and why (never who reported: that isn't stored)."""
    if action == "block_listing":
        title, text = "Listing blocked", f"“{listing.title}” was blocked after a report: {reason}"
    else:  # the store is suspended (a banned seller is told too; they can't log in now)
        title, text = "Store suspended", f"“{store.name}” was suspended after a report: {reason}"
    do_notify(store.owner, "report_decided", title, text[:300], severity="error",
              url="/sell/")
