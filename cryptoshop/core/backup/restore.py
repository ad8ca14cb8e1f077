"""`manage.py restore`: bring an archive up in the configured database and var dir.

Order, so that a refusal or a bad archive leaves nothing half-restored:
1. refuse a non-empty database or media folder (unless --force), before decrypting;
2. decrypt and authenticate the whole archive into a private folder in the var dir and
   check every file against the manifest (wrong passphrase, a flipped byte, a cut-off
   file: refused here, nothing put in place);
3. check the archive fits this code (same database engine; no migration this code lacks)
   and that its secrets may replace what is there;
4. put the database, the media and the secrets in place, then run the migrations this
   code has and the archive's database lacks (in a new process, with the restored
   secrets).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from cryptoshop.core.backup import database, secrets
from cryptoshop.core.backup.archive import read_archive
from cryptoshop.core.backup.create import MANIFEST_FORMAT, MANIFEST_VERSION, private_dir
from cryptoshop.core.backup.stream import ArchiveDamaged, BackupError

Say = Callable[[str], None]


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def target_refusals(*, force: bool) -> list[str]:
    """What is already there and would be overwritten (empty list: nothing)."""
    if force:
        return []
    found = []
    tables = database.table_names()
    if tables:
        found.append(f"the {database.describe()} is not empty ({len(tables)} tables): "
                     "restore into a new, empty database, or pass --force to replace it")
    if _has_files(_media_root()):
        found.append(f"the media folder {_media_root()} has files: restore into a fresh "
                     "var dir, or pass --force to replace them")
    return found


def check_manifest(manifest: dict[str, Any]) -> None:
    """Does this archive fit this checkout?"""
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("version") != MANIFEST_VERSION:
        raise ArchiveDamaged(f"unknown manifest format {manifest.get('format')!r} version "
                             f"{manifest.get('version')!r}")
    engine = str(manifest.get("database", {}).get("engine"))
    if engine != database.engine():
        raise BackupError(f"the archive holds a {engine} database but this shop is "
                          f"configured for {database.engine()}: restore it on the same "
                          "engine (DATABASE_URL)")
    applied = {(app, name) for app, names in manifest.get("migrations", {}).items()
               for name in names}
    unknown = sorted(applied - database.code_migrations())
    if unknown:
        shown = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(f"the archive's database was migrated by newer code than this "
                          f"checkout ({shown}): check out that version or newer, then "
                          "restore")


def pending_migrations(manifest: dict[str, Any]) -> int:
    applied = {(app, name) for app, names in manifest.get("migrations", {}).items()
               for name in names}
    return len(database.code_migrations() - applied)


def _install_media(staged: Path, manifest: dict[str, Any], *, force: bool) -> int:
    """Move the staged media into MEDIA_ROOT with the modes they had (staged as 0600)."""
    modes = {f["name"]: f.get("mode") for f in manifest["files"]}
    root = _media_root()
    if force and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    if staged.is_dir():
        for path in sorted(staged.rglob("*")):
            if path.is_file():
                dest = root / path.relative_to(staged)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), dest)
                mode = modes.get("media/" + path.relative_to(staged).as_posix())
                if isinstance(mode, int):
                    dest.chmod(mode & 0o777)
                count += 1
    return count


def _migrate(say: Say) -> None:
    """In a new process: it starts with the restored secrets, and no state of this one."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate",
               "--noinput"]
    done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603 - our argv
                          check=False)
    if done.returncode != 0:
        raise BackupError("the data is restored, but migrating it to this code failed; fix "
                          "the cause and run `manage.py migrate`:\n"
                          + (done.stderr or done.stdout).strip()[-2000:])
    say("migrations applied")


def restore(archive: Path, phrase: str, *, force: bool, say: Say) -> dict[str, Any]:
    try:
        manifest = _restore(archive, phrase, force=force, say=say)
    except (BackupError, OSError):
        secrets.forget_generated()
        raise
    if pending_migrations(manifest):
        say(f"this code has {pending_migrations(manifest)} migrations the archive lacks; "
            "migrating")
        _migrate(say)
    return manifest


def _restore(archive: Path, phrase: str, *, force: bool, say: Say) -> dict[str, Any]:
    refused = target_refusals(force=force)
    if refused:
        raise BackupError("refusing to restore:\n  - " + "\n  - ".join(refused))
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    staging = private_dir(".restore-")
    try:
        with archive.open("rb") as source:
            manifest = read_archive(source, phrase, staging)
        say(f"archive authenticated: {len(manifest['files'])} files match the manifest "
            f"(made {manifest.get('created_at')})")
        check_manifest(manifest)
        archived = secrets.read_staged(staging / secrets.ARCHIVE_NAME)
        refused = secrets.refusals(archived, force=force)
        if refused:
            raise BackupError("refusing to restore:\n  - " + "\n  - ".join(refused))
        database.restore(staging / manifest["database"]["file"], force=force)
        say(f"database restored into the {database.describe()}")
        say(f"{_install_media(staging / 'media', manifest, force=force)} media files restored")
        kept = secrets.install(archived)
        say(f"secrets restored to {secrets.target()}"
            + (f" (the previous file is kept as {kept.name})" if kept else ""))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
