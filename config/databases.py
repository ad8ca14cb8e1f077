"""settings.DATABASES from the environment: PostgreSQL with psycopg's pool (ADR 18) and an
optional read replica alias (core/dbrouter.py), or the embedded SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_str, replica_from_url


def pool_options() -> dict[str, object] | None:
    """psycopg's pool via Django's OPTIONS["pool"], per process and alias; None when off."""
    if not env_bool("CRYPTOSHOP_DB_POOL", True):
        return None
    return {"min_size": env_int("CRYPTOSHOP_DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("CRYPTOSHOP_DB_POOL_MAX_SIZE", 10),
            "timeout": env_int("CRYPTOSHOP_DB_POOL_TIMEOUT", 10)}


def databases(url: str, replica_url: str, var_dir: Path) -> dict[str, dict[str, Any]]:
    if replica_url and not url:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (a PostgreSQL "
                                   "primary)")
    if url:
        found: dict[str, dict[str, Any]] = {
            "default": database_from_url(url, pool=pool_options())}
        if replica_url:
            found["replica"] = replica_from_url(
                replica_url, found["default"],
                connect_timeout_s=env_int("CRYPTOSHOP_REPLICA_CONNECT_TIMEOUT", 2))
        return found
    return {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("CRYPTOSHOP_SQLITE_PATH") or var_dir / "cryptoshop.sqlite3",
        "OPTIONS": {
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
            # at BEGIN so concurrent writers queue instead of failing mid-transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # A file, not memory, so tests can share the database with a real server or
        # worker process they start (the SIGKILL watcher scenario, the browser tier).
        "TEST": {"NAME": str(var_dir / "test-db.sqlite3")},
    }}
