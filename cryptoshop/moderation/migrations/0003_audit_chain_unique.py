"""No two audit entries follow the same one (a separate migration: PostgreSQL won't alter a
table in the transaction that just rewrote its rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0002_audit_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
