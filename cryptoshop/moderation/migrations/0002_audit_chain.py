"""The audit log becomes a hash chain: hash columns, the chain head, and a backfill that
links the existing entries in id order (docs/adr/0011-audit-log-hash-chain.md)."""

from typing import Any

from django.db import migrations, models

from cryptoshop.moderation.chain import GENESIS, HEAD_PK, entry_hash


def link_existing(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("moderation", "AuditEntry")
    head_model = apps.get_model("moderation", "AuditChainHead")
    prev, last_id = GENESIS, None
    for entry in entry_model.objects.order_by("id").iterator(chunk_size=1000):
        entry.prev_hash = prev
        digest = entry_hash(entry)
        entry_model.objects.filter(pk=entry.pk).update(prev_hash=prev, entry_hash=digest)
        prev, last_id = digest, entry.pk
    head_model.objects.update_or_create(pk=HEAD_PK,
                                        defaults={"last_hash": prev, "last_id": last_id})


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("last_id", models.BigIntegerField(null=True)),
                ("last_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
