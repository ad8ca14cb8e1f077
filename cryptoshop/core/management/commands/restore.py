"""Restore an archive made by `manage.py backup` into the configured (empty) database and
var dir. See docs/operations.md "Backups"."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryptoshop.core.backup.create import passphrase
from cryptoshop.core.backup.restore import restore
from cryptoshop.core.backup.stream import BackupError


class Command(BaseCommand):
    help = ("Restore a backup archive into the configured database and var dir (refuses to "
            "overwrite data or secrets unless --force).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", help="the .csbackup file")
        parser.add_argument("--passphrase-file", metavar="FILE",
                            help="read the passphrase from the first line of FILE "
                                 "(default: CRYPTOSHOP_BACKUP_PASSPHRASE)")
        parser.add_argument("--force", action="store_true",
                            help="replace a non-empty database, media folder and other "
                                 "secrets (the old secrets file is kept beside the new one)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            phrase = passphrase(options["passphrase_file"])
            manifest = restore(Path(options["archive"]), phrase, force=options["force"],
                               say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # a full disk, a file that vanished while being read
            raise CommandError(f"restore failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"restored the backup of {manifest.get('created_at')}"))
