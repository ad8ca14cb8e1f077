"""The audit log is a hash chain: `manage.py check_audit_log` passes on an untouched log and
reports the first edited, deleted or inserted entry (exit status non-zero); the migration
links entries written before the chain existed."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from cryptoshop.moderation import chain
from cryptoshop.moderation.actions import audit
from cryptoshop.moderation.models import AuditChainHead, AuditEntry
from tests.factories import make_account


def check() -> str:
    out = io.StringIO()
    call_command("check_audit_log", stdout=out)
    return out.getvalue()


def three_entries() -> list[AuditEntry]:
    staff = make_account().user
    return [audit(staff, "store.suspend", ("stores.store", "s_1"), "spam", {"n": 1}),
            audit(None, "listing.block", ("catalog.listing", "l_2"), "fake", {"t": ["a"]}),
            audit(staff, "account.ban", ("accounts.user", "u_3"), "fraud")]


@pytest.mark.django_db
def test_entries_link_to_the_one_before_and_an_untouched_log_checks_out() -> None:
    first, second, third = three_entries()
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    # What is hashed is what the database gives back.
    assert all(chain.entry_hash(e) == e.entry_hash for e in AuditEntry.objects.all())
    assert f"audit log intact: 3 entries, head {third.entry_hash}" in check()


@pytest.mark.django_db
def test_an_edited_field_is_reported() -> None:
    _, second, _ = three_entries()
    AuditEntry.objects.filter(pk=second.pk).update(reason="routine check")
    with pytest.raises(CommandError, match=f"entry #{second.pk} was edited"):
        check()


@pytest.mark.django_db
def test_an_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    _, second, third = three_entries()
    second.data = {"n": 99}
    second.entry_hash = chain.entry_hash(second)
    second.save()
    with pytest.raises(CommandError, match=f"entry #{third.pk} does not link"):
        check()


@pytest.mark.django_db
def test_a_deleted_entry_is_reported() -> None:
    _, second, third = three_entries()
    AuditEntry.objects.filter(pk=second.pk).delete()
    with pytest.raises(CommandError, match=f"entry #{third.pk} does not link .* deleted"):
        check()


@pytest.mark.django_db
def test_deleting_the_last_entries_is_reported() -> None:
    first, second, third = three_entries()
    AuditEntry.objects.filter(pk__in=[second.pk, third.pk]).delete()
    with pytest.raises(CommandError, match=f"head is #{third.pk} but the log ends at "
                                           f"#{first.pk}"):
        check()


@pytest.mark.django_db
def test_an_inserted_entry_is_reported_even_with_valid_hashes() -> None:
    *_, third = three_entries()
    forged = AuditEntry(actor_label="system", action="account.unban", target_type="x",
                        target_id="u_9", prev_hash=third.entry_hash)
    forged.entry_hash = chain.entry_hash(forged)
    forged.save()
    with pytest.raises(CommandError, match="inserted at the end"):
        check()


@pytest.mark.django_db
def test_an_inserted_entry_with_a_made_up_link_is_reported() -> None:
    three_entries()
    forged = AuditEntry.objects.create(actor_label="system", action="account.unban",
                                       prev_hash="0" * 64, entry_hash="1" * 64)
    with pytest.raises(CommandError, match=f"entry #{forged.pk} does not link"):
        check()


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_entries_written_before_the_chain() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("moderation", "0001_initial")])
    old_apps = executor.loader.project_state([("moderation", "0001_initial")]).apps
    old_entry = old_apps.get_model("moderation", "AuditEntry")
    for n in range(3):
        old_entry.objects.create(actor_label="op", action=f"old.{n}", target_type="t",
                                 target_id=str(n), data={"n": n})
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "audit log intact: 3 entries" in check()
    head = AuditChainHead.objects.get()
    assert head.last_id == AuditEntry.objects.order_by("id").last().pk  # type: ignore[union-attr]
    audit(None, "new.entry", None)
    assert "audit log intact: 4 entries" in check()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_queue_on_the_head_and_never_fork_the_chain() -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                audit(None, f"writer.{n}.{i}", None)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert "audit log intact: 20 entries" in check()
