"""Reports stop naming their reporter (2/3): open reports from an account get the keyed
hash of (account, listing) so the account still can't report the listing twice; resolved
ones need nothing. A separate migration: PostgreSQL won't alter a table in the transaction
that just rewrote its rows."""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from cryptoshop.core.crypto import keyed_hash

    Report = apps.get_model("moderation", "Report")
    rows = Report.objects.filter(status="open", reporter__isnull=False).only(
        "pk", "reporter_id", "listing_id")
    for report in rows.iterator(chunk_size=500):
        key = keyed_hash(f"{report.reporter_id}:{report.listing_id}", purpose="report-duplicate")
        Report.objects.filter(pk=report.pk).update(duplicate_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0004_report_duplicate_key"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
