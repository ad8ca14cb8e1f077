"""The database part of a backup: a consistent copy out, a restore in, on either engine.

SQLite: the online backup API (a snapshot of one moment, taken while the shop writes; a
plain file copy of a WAL database can miss committed pages). PostgreSQL: `pg_dump
--format=custom` and `pg_restore --single-transaction`, from the newest PostgreSQL
installed under /usr/lib/postgresql (as scripts/services.sh finds it), else from PATH.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from cryptoshop.core.backup.stream import BackupError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
DUMP_NAMES = {SQLITE: "database/db.sqlite3", POSTGRESQL: "database/db.pgdump"}


def engine() -> str:
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def describe() -> str:
    """The configured database, for messages (never its password)."""
    s = connection.settings_dict
    if engine() == SQLITE:
        return f"SQLite file {s['NAME']}"
    return f"PostgreSQL database {s['NAME']!r} on {s.get('HOST') or 'localhost'}"


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: the newest installed PostgreSQL's, else the one on PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/" + name),
                      key=lambda p: [int(x) for x in p.parts[-3].split(".") if x.isdigit()])
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: the postgresql-client package)")
    return found


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    s = connection.settings_dict
    args = [f"--dbname={s['NAME']}"]
    if s.get("HOST"):
        args.append(f"--host={s['HOST']}")
    if s.get("PORT"):
        args.append(f"--port={s['PORT']}")
    if s.get("USER"):
        args.append(f"--username={s['USER']}")
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])  # not on the command line, where ps shows it
    sslmode = (s.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True,  # noqa: S603 - our argv
                          text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({Path(command[0]).name} exit {done.returncode}): "
                          f"{done.stderr.strip()[-2000:]}")


def dump(target: Path) -> None:
    """Write a consistent copy of the configured database to ``target`` (mode 0600)."""
    if engine() == SQLITE:
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    args, env = _pg_args_env()
    _run([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}", *args],
         env, "pg_dump")
    target.chmod(0o600)


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


def applied_migrations() -> dict[str, list[str]]:
    """{app label: [migration names]} as recorded in the database."""
    found: dict[str, list[str]] = {}
    if MigrationRecorder.Migration._meta.db_table not in table_names():
        return found
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        found.setdefault(app, []).append(name)
    return found


def code_migrations() -> set[tuple[str, str]]:
    """Every migration this checkout's code has."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _drop_everything() -> None:
    """--force on PostgreSQL: drop the tables (their sequences go with them) so the dump
    restores into an empty schema."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")


def restore(staged: Path, *, force: bool) -> None:
    """Load the staged dump into the configured (empty, or ``force``) database."""
    if engine() == SQLITE:
        name = Path(str(connection.settings_dict["NAME"]))
        connection.close()
        # Checked empty (or --force): a WAL left beside the new file must not be replayed
        # into it.
        for stale in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            stale.unlink(missing_ok=True)
        name.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, name)
        name.chmod(0o600)
        return
    if force:
        _drop_everything()
    connection.close()
    args, env = _pg_args_env()
    _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", "--no-password", *args, str(staged)], env, "pg_restore")
