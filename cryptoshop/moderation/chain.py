"""The audit log as a hash chain (docs/adr/0011-audit-log-hash-chain.md).

entry_hash = SHA-256(canonical JSON of the entry's recorded fields + prev_hash), and each
entry's prev_hash is the entry_hash of the one before it (by id); the first links to
GENESIS. AuditChainHead holds the last link. Editing a recorded field breaks that entry's
hash; deleting or inserting one breaks the next entry's link, or the head.

Not in the hash: the id (order is by id; renumbering loses nothing) and actor_id, which
becomes NULL when an account is deleted (actor_label keeps who it was, and is hashed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from cryptoshop.moderation.models import AuditChainHead, AuditEntry

GENESIS = hashlib.sha256(b"cryptoshop audit log genesis v1").hexdigest()
HEAD_PK = 1


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Any) -> bytes:
    """The recorded fields as canonical JSON (sorted keys, no spaces, UTF-8)."""
    body = {
        "v": 1, "actor_label": entry.actor_label, "action": entry.action,
        "target_type": entry.target_type, "target_id": entry.target_id,
        "reason": entry.reason, "data": entry.data,
        "created_at": _timestamp(entry.created_at), "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def entry_hash(entry: Any) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def append(**values: Any) -> AuditEntry:
    """Add an entry at the end of the chain. The head row is locked for the rest of the
    transaction, so a concurrent writer waits and then links to this entry."""
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(pk=HEAD_PK, defaults={"last_hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
        entry = AuditEntry(**values, prev_hash=head.last_hash)
        # Stored as the JSON column will give it back (tuples become lists, …).
        entry.data = json.loads(json.dumps(entry.data))
        entry.entry_hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_PK).update(last_id=entry.pk,
                                                         last_hash=entry.entry_hash)
    return entry


@dataclass(frozen=True)
class Verdict:
    checked: int
    head_hash: str
    problem: str = ""  # the first break, empty when the chain is whole


def _walk() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=1000)


def _link_problem(entry: AuditEntry, before: AuditEntry | None,
                  two_before: str) -> str:
    where = f"after entry #{before.pk}" if before else "at the start"
    if before is not None and entry.prev_hash == two_before:
        return (f"entry #{before.pk} was inserted: entry #{entry.pk} links to the entry "
                f"before it")
    return (f"entry #{entry.pk} does not link to the entry {where}: an entry between "
            f"them was deleted, or #{entry.pk} was inserted")


def _head_problem(last: AuditEntry | None, prev: str) -> str:
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    if head is None:
        return "the chain head row is missing" if last is not None else ""
    if head.last_hash == prev and head.last_id == (last.pk if last else None):
        return ""
    end = f"#{last.pk}" if last else "nothing"
    if last is not None and head.last_id is not None and last.pk > head.last_id:
        return (f"the log goes on past the chain head (#{head.last_id}) to {end}: entries "
                f"were inserted at the end")
    return (f"the chain head is #{head.last_id} but the log ends at {end}: entries at the "
            f"end were deleted")


def verify() -> Verdict:
    """Walk the chain from the genesis; the first break wins."""
    prev, two_before = GENESIS, ""
    before: AuditEntry | None = None
    checked = 0
    for entry in _walk():
        if entry.prev_hash != prev:
            return Verdict(checked, prev, _link_problem(entry, before, two_before))
        if entry_hash(entry) != entry.entry_hash:
            return Verdict(checked, prev, f"entry #{entry.pk} was edited: its recorded "
                                          f"fields no longer match its hash")
        two_before, prev, before = prev, entry.entry_hash, entry
        checked += 1
    return Verdict(checked, prev, _head_problem(before, prev))
