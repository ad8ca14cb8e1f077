"""Reading configuration from the environment (and an optional ./.env file).

Kept tiny and dependency-free on purpose: every variable is documented in
.env.example, and settings.py is the only reader.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


def load_dotenv(path: Path) -> None:
    """Load KEY=VALUE lines into os.environ without overriding real environment variables."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key, value)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str, *, pool: dict[str, object] | None = None) -> dict[str, object]:
    """Turn postgres://user:pass@host:port/name?sslmode=… into a Django DATABASES entry.
    pool: psycopg_pool options (Django's OPTIONS["pool"], ADR 18), or None for a new
    connection per request."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL: only postgres:// URLs are supported, got {parts.scheme!r}")
    options: dict[str, object] = dict(parse_qsl(parts.query))
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ValueError("DATABASE_URL must name a database (postgres://…/NAME)")
    # 0 under the WSGI thread pool (ADR 16): persistent connections pile up per thread
    # (seen in the benchmark: "too many clients"). The pool replaces them, and Django
    # refuses a pool with persistent connections.
    conn_max_age = int(str(options.pop("conn_max_age", 0)))
    if pool is not None:
        if conn_max_age:
            raise ValueError("conn_max_age in a database URL needs CRYPTOSHOP_DB_POOL=off "
                             "(Django's pool and persistent connections exclude each other)")
        options["pool"] = pool
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }


def replica_from_url(url: str, primary: dict[str, object], *,
                     connect_timeout_s: int) -> dict[str, object]:
    """The read replica's DATABASES entry: its own server, the primary's options (the pool
    included, with a wait capped at connect_timeout_s so a replica that is down costs a
    request that much at most, once per check interval, before reads fall back).

    TEST MIRROR: in Django 5.2 a mirror only takes the primary's test database NAME
    (BaseDatabaseCreation.set_as_test_mirror) and keeps its own host and port; the test
    runner never creates, flushes or destroys it. The standby replicates the whole cluster,
    so the test database created on the primary appears on the replica by itself."""
    entry = database_from_url(url)
    options = {**dict(primary["OPTIONS"]),  # type: ignore[call-overload]
               **dict(entry["OPTIONS"])}  # type: ignore[call-overload]
    options.setdefault("connect_timeout", connect_timeout_s)
    pool = options.get("pool")
    if isinstance(pool, dict):
        options["pool"] = {**pool, "timeout": min(float(pool.get("timeout", 30)),
                                                  float(connect_timeout_s))}
    return {**entry, "CONN_MAX_AGE": primary["CONN_MAX_AGE"], "OPTIONS": options,
            "TEST": {"MIRROR": "default"}}
