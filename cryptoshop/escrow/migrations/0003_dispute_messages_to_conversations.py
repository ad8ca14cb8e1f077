"""Fold the dispute messages into the order's conversation (cryptoshop/conversations).

Each DisputeMessage becomes a Message in its order's thread (made when missing), with the
same author, role and time. The text is re-encrypted on the way: EncryptedTextField binds
the ciphertext to "<app>.<Model>.<field>", so reading the historical
escrow.DisputeMessage.text decrypts under that context and writing
conversations.Message.body encrypts under the new one. Evidence photos move from
media/evidence/ to media/messages/ (where the conversation serves them from). The next
migration (0004) removes DisputeMessage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations


def _move_photo(path: str) -> str:
    """Move an evidence photo and its thumbnail into messages/; "" when it is gone."""
    if not path:
        return ""
    root = Path(settings.MEDIA_ROOT)
    source = root / path
    if not source.is_file():
        return ""
    target = root / "messages" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    source.replace(target)
    thumb = source.with_name(source.stem + "-thumb.webp")
    if thumb.is_file():
        thumb.replace(target.with_name(target.stem + "-thumb.webp"))
    return f"messages/{target.name}"


def copy_dispute_messages(apps: Any, schema_editor: Any = None) -> int:
    """Copy every dispute message into its order's thread; returns how many were copied."""
    DisputeMessage = apps.get_model("escrow", "DisputeMessage")
    Thread = apps.get_model("conversations", "Thread")
    Message = apps.get_model("conversations", "Message")
    copied = 0
    for old in DisputeMessage.objects.select_related(
            "dispute__escrow__order").order_by("created_at", "id"):
        order = old.dispute.escrow.order
        thread = Thread.objects.filter(order_id=order.pk).first()
        if thread is None:
            thread = Thread.objects.create(
                kind="order", order_id=order.pk, store_id=order.store_id,
                buyer_id=order.buyer_id, subject=f"Order {order.public_id}",
                created_at=old.created_at, buyer_read_at=old.created_at,
                seller_read_at=old.created_at)
        Message.objects.create(thread=thread, author_id=old.author_id, author_role=old.role,
                               body=old.text, attachment=_move_photo(old.evidence),
                               created_at=old.created_at)
        if thread.last_message_at is None or thread.last_message_at < old.created_at:
            Thread.objects.filter(pk=thread.pk).update(last_message_at=old.created_at)
            thread.last_message_at = old.created_at
        copied += 1
    return copied


def _forward(apps: Any, schema_editor: Any) -> None:
    copy_dispute_messages(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("escrow", "0002_spend_amount_names"),
        ("conversations", "0001_threads_and_messages"),
    ]

    # Not reversible: the messages live on in the conversation, and 0004 drops the table.
    operations = [migrations.RunPython(_forward, migrations.RunPython.noop)]
