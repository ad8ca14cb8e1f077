"""`manage.py backup`: one encrypted archive of the database, the media and the secrets.

The database copy is made in a private folder inside the var dir (same disk and the same
privacy as the database itself) and removed afterwards; the secrets go from memory
straight into the encryption. The archive is written as `<name>.partial` (mode 0600) and
renamed when complete, so a killed backup never leaves something that looks like one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from cryptoshop.core.backup import database, secrets
from cryptoshop.core.backup.archive import Entry, write_archive
from cryptoshop.core.backup.stream import BackupError

MIN_PASSPHRASE_CHARS = 12
PASSPHRASE_ENV = "CRYPTOSHOP_BACKUP_PASSPHRASE"  # noqa: S105 - a variable name
MANIFEST_FORMAT = "cryptoshop-backup"
MANIFEST_VERSION = 1


def passphrase(path: str | None) -> str:
    """From --passphrase-file (its first line), else $CRYPTOSHOP_BACKUP_PASSPHRASE."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise BackupError(f"cannot read the passphrase file {path}: {exc.strerror}") \
                from exc
        value = text[0] if text else ""
        where = f"the passphrase file {path}"
    else:
        value = os.environ.get(PASSPHRASE_ENV, "")
        where = PASSPHRASE_ENV
    if not value:
        raise BackupError(f"no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV} "
                          "(the archive holds the shop's secrets; it is never written "
                          "unencrypted)")
    if len(value) < MIN_PASSPHRASE_CHARS:
        raise BackupError(f"{where}: the passphrase must be at least {MIN_PASSPHRASE_CHARS} "
                          "characters")
    return value


def default_output() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"cryptoshop-{stamp}.csbackup"


def private_dir(prefix: str) -> Path:
    """A fresh folder only we can read, inside the var dir."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=settings.VAR_DIR))


def media_files() -> Iterator[Entry]:
    """Every regular file under MEDIA_ROOT (symlinks are not followed out of it)."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield Entry("media/" + path.relative_to(root).as_posix(), path=path)


def manifest_base() -> dict[str, Any]:
    kind = database.engine()
    return {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"engine": kind, "file": database.DUMP_NAMES[kind]},
            "migrations": database.applied_migrations(),
            "secrets": secrets.ARCHIVE_NAME}


def make_backup(output: Path, phrase: str) -> dict[str, Any]:
    """Write the archive to ``output``; returns its manifest."""
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    work = private_dir(".backup-")
    partial = output.with_name(output.name + ".partial")
    try:
        base = manifest_base()
        dump = work / "dump"
        database.dump(dump)
        entries = [Entry(base["database"]["file"], path=dump),
                   Entry(secrets.ARCHIVE_NAME, data=secrets.current()), *media_files()]
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an old .partial may have had another mode
        with os.fdopen(fd, "wb") as out:
            manifest = write_archive(out, phrase, entries, base)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return manifest
