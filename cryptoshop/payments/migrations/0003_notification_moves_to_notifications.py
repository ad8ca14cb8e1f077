"""The Notification model moves to its own app (cryptoshop.notifications). Only Django's
view of the models changes: the table stays `payments_notification`, rows untouched."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0002_escrow_mode"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
