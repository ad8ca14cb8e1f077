"""Reports stop naming their reporter (3/3): the link to the account is dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0005_report_duplicate_key_fill"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="report",
            name="reporter",
        ),
    ]
