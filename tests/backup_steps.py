"""Steps for the backup scenarios (tests/app/test_backup_restore.py, and the regtest one):
back the shop under test up in-process, then restore the archive with `manage.py restore`
in another process, with its own var dir and a new database (a new SQLite file, or on
PostgreSQL a database made here with CREATE DATABASE), as on a fresh checkout; and run
tests/backup_probe.py in the restored shop."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from cryptoshop.core.backup.create import PASSPHRASE_ENV

ROOT = Path(settings.BASE_DIR)
PHRASE = "a long and unguessable backup passphrase"
# What the test process may carry that a fresh checkout would not have.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "CRYPTOSHOP_SQLITE_PATH", "DJANGO_SECRET_KEY",
                 "CRYPTOSHOP_TOKEN_HASH_KEY", "CRYPTOSHOP_DATA_KEYS", PASSPHRASE_ENV)


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"


@contextmanager
def fresh_checkout(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh checkout: its own var dir and an empty database."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(CRYPTOSHOP_VAR_DIR=str(tmp_path / "restored-var"),
               CRYPTOSHOP_CHAIN_BACKEND="none", DJANGO_SETTINGS_MODULE="config.settings")
    if connection.vendor != "postgresql":
        yield env  # SQLite: the new var dir's cryptoshop.sqlite3, made by the restore
        return
    name = f"cs_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = _url(name)
    try:
        yield env
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def restore(env: dict[str, str], archive: Path, *extra: str,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    return run({**env, PASSPHRASE_ENV: PHRASE}, "manage.py", "restore", str(archive), *extra,
               check=check)


def backup(tmp_path: Path) -> Path:
    """`manage.py backup` of the shop under test (its data must be committed)."""
    (tmp_path / "phrase").write_text(PHRASE + "\n")
    archive = tmp_path / "archives" / "shop.csbackup"
    call_command("backup", output=str(archive), passphrase_file=str(tmp_path / "phrase"))
    assert archive.stat().st_mode & 0o777 == 0o600
    assert not list(archive.parent.glob("*.partial"))
    assert PHRASE.encode() not in archive.read_bytes()
    return archive


def probe(env: dict[str, str], args: dict[str, Any]) -> dict[str, Any]:
    """tests/backup_probe.py in the restored shop: its JSON answer."""
    out: dict[str, Any] = json.loads(run(env, "-m", "tests.backup_probe",
                                         json.dumps(args)).stdout)
    return out
