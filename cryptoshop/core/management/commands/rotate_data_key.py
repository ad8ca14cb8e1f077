"""Re-encrypt every encrypted column and file under the current data key; report what each
key still encrypts; retire a key nothing uses any more. See docs/operations.md."""

from __future__ import annotations

from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cryptoshop.core import crypto, rotation
from cryptoshop.core.secrets_store import add_file_data_key, remove_file_data_key


class Command(BaseCommand):
    help = "Re-encrypt everything at rest under the current data key (resumable)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--new-key", action="store_true",
                            help="first generate a new current key into var/secrets.json "
                                 "(only when CRYPTOSHOP_DATA_KEYS is not set)")
        parser.add_argument("--dry-run", "--status", action="store_true", dest="dry_run",
                            help="change nothing; report how many values each key encrypts")
        parser.add_argument("--retire", metavar="KEY_ID",
                            help="drop a key that no longer encrypts anything")
        parser.add_argument("--batch-size", type=int, default=rotation.DEFAULT_BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retire"]:
            self._retire(options["retire"])
            return
        if options["dry_run"]:
            self._report(rotation.census(options["batch_size"]))
            return
        if options["new_key"]:
            kid = add_file_data_key(self._keys_file("--new-key"))
            self.stdout.write(f"new data key {kid} is current (var/secrets.json)")
        _, current = crypto.key_ring()
        self.stdout.write(f"re-encrypting under {current}")
        rows = rotation.rotate_columns(options["batch_size"], self._progress)
        files = rotation.rotate_files(self._progress)
        self.stdout.write(f"done: {rows} values and {files} files re-encrypted")
        counts = rotation.census(options["batch_size"])
        self._report(counts)
        old = sorted({k for tally in counts.values() for k in tally if tally[k]} - {current})
        if old:  # written by a process that doesn't know the new key yet: run again
            raise CommandError(f"still under {', '.join(old)}: restart every process with "
                               f"{current} first in the key ring, then run this again")
        retired = sorted(set(crypto.key_ring()[0]) - {current})
        if retired:
            self.stdout.write(f"nothing uses {', '.join(retired)} any more; drop it with "
                              f"--retire {retired[0]}")

    def _progress(self, what: str, done: int) -> None:
        if done:
            self.stdout.write(f"  {what}: {done} re-encrypted")

    def _report(self, counts: dict[str, Counter[str]]) -> None:
        keys, current = crypto.key_ring()
        totals: Counter[str] = Counter()
        for label, tally in counts.items():
            totals.update(tally)
            shown = ", ".join(f"{kid}={n}" for kid, n in sorted(tally.items())) or "-"
            self.stdout.write(f"  {label}: {shown}")
        for kid in sorted(set(keys) | set(totals)):
            state = ("current" if kid == current else
                     "in the ring" if kid in keys else "NOT IN THE RING (unreadable)")
            left = "" if kid == current else " remain"
            self.stdout.write(f"{kid} ({state}): {totals[kid]} values{left}")

    def _keys_file(self, option: str) -> Any:
        path = settings.SERVER_SECRETS.data_keys_file
        if path is None:
            raise CommandError(f"{option} edits var/secrets.json, but the keys come from "
                               "CRYPTOSHOP_DATA_KEYS: edit that instead (docs/operations.md)")
        return path

    def _retire(self, kid: str) -> None:
        keys, current = crypto.key_ring()
        if kid not in keys:
            raise CommandError(f"{kid} is not in the key ring")
        if kid == current:
            raise CommandError(f"{kid} is the current key; make another key current first")
        in_use = rotation.key_in_use(kid)
        if in_use:
            raise CommandError(f"{kid} still encrypts {in_use} values; run rotate_data_key "
                               "first")
        if settings.SERVER_SECRETS.data_keys_file is None:
            self.stdout.write(f"nothing uses {kid}: remove it from CRYPTOSHOP_DATA_KEYS and "
                              "restart every process")
            return
        remove_file_data_key(settings.SERVER_SECRETS.data_keys_file, kid)
        self.stdout.write(f"{kid} removed from var/secrets.json")
