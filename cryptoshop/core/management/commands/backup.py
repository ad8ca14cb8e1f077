"""Write one encrypted archive of the database, the media and the secrets.
See docs/operations.md "Backups"."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cryptoshop.core.backup.create import default_output, make_backup, passphrase
from cryptoshop.core.backup.stream import BackupError


class Command(BaseCommand):
    help = ("Back up the database, media and secrets into one archive encrypted with a "
            "passphrase (--passphrase-file or CRYPTOSHOP_BACKUP_PASSPHRASE).")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", metavar="PATH",
                            help="where to write the archive (default: "
                                 "var/backups/cryptoshop-<UTC time>.csbackup)")
        parser.add_argument("--passphrase-file", metavar="FILE",
                            help="read the passphrase from the first line of FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            phrase = passphrase(options["passphrase_file"])
            output = Path(options["output"]) if options["output"] else default_output()
            manifest = make_backup(output.resolve(), phrase)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # a full disk, a file that vanished while being read
            raise CommandError(f"backup failed: {exc}") from exc
        size = output.stat().st_size
        self.stdout.write(f"backup written to {output} ({size} bytes, mode 0600): "
                          f"{manifest['database']['engine']} database, "
                          f"{len(manifest['files'])} files")
