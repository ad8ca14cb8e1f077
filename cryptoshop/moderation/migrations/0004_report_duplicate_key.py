"""Reports stop naming their reporter (1/3): the duplicate code that replaces the link."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0003_audit_chain_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="duplicate_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
    ]
