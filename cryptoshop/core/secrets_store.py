"""Server secrets: read from the environment, or generated once into ./var/secrets.json.

Why a file under var/: `make run` must work on a fresh machine with nothing configured,
and restarting must not log everybody out or make encrypted rows unreadable. The file is
created with mode 0600, is git-ignored, and its values are never logged.

No Django imports: settings.py calls this before Django is configured.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

KEY_BYTES = 32


class SecretsError(Exception):
    pass


@dataclass(frozen=True)
class ServerSecrets:
    django_secret_key: str
    # Keys the access-token and recovery-code hashes (HMAC-SHA256): a database dump
    # without this key can't be used to test guesses offline.
    token_hash_key: bytes
    # AES-256-GCM data keys by key id; the first id is the one used for new rows.
    data_keys: dict[str, bytes]
    current_data_key_id: str
    # Set when the data keys came from var/secrets.json rather than the environment: the
    # key ring then follows that file (see crypto._keys) once it changes after start-up,
    # so `rotate_data_key --new-key` reaches a running server without a restart.
    data_keys_file: Path | None = None
    data_keys_stamp: int = 0  # the file's st_mtime_ns when it was read
    # True when this process generated var/secrets.json at start-up: nothing can be
    # encrypted under those keys yet, so `manage.py restore` may replace them.
    file_created: bool = field(default=False, compare=False)


def _b64key(value: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except ValueError as exc:
        raise SecretsError(f"{what} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise SecretsError(f"{what} must decode to {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def parse_data_keys(spec: str) -> tuple[dict[str, bytes], str]:
    """Parse "kid:base64,kid2:base64" (first = current) into ({kid: key}, current_kid)."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, value = item.partition(":")
        kid = kid.strip()
        if not sep or not kid or not kid.isalnum() or len(kid) > 16:
            raise SecretsError(
                "CRYPTOSHOP_DATA_KEYS entries look like 'k1:<base64 of 32 bytes>' "
                "(key id: letters and digits, at most 16)"
            )
        if kid in keys:
            raise SecretsError(f"CRYPTOSHOP_DATA_KEYS names key id {kid!r} twice")
        keys[kid] = _b64key(value, f"data key {kid!r}")
        order.append(kid)
    if not keys:
        raise SecretsError("CRYPTOSHOP_DATA_KEYS is empty")
    return keys, order[0]


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _load_or_create_file(path: Path) -> dict[str, str]:
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SecretsError(f"{path} is unreadable; fix or remove it") from exc
        if not isinstance(data, dict):
            raise SecretsError(f"{path} is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "django_secret_key": secrets.token_urlsafe(50),
        "token_hash_key": _new_key(),
        "data_keys": f"k1:{_new_key()}",
    }
    # O_EXCL: two processes starting at once must not both write different secrets.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load_or_create_file(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    return data


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def read_file_data_keys(path: Path) -> tuple[dict[str, bytes], str]:
    """The data key ring as var/secrets.json holds it now."""
    return parse_data_keys(_load_or_create_file(path).get("data_keys", ""))


def write_secrets_file(path: Path, data: dict[str, str]) -> None:
    """Replace the secrets file atomically (temp file, mode 0600, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def data_keys_spec(keys: dict[str, bytes]) -> str:
    """The ring as CRYPTOSHOP_DATA_KEYS spells it (in the dict's order: current first)."""
    return ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in keys.items())


def add_file_data_key(path: Path) -> str:
    """Generate a data key into var/secrets.json, first in the ring (so it is current);
    the old keys stay for reading. Returns the new key id (k<n+1>)."""
    data = _load_or_create_file(path)
    keys, _ = parse_data_keys(data.get("data_keys", ""))
    numbers = [int(kid[1:]) for kid in keys if kid[:1] == "k" and kid[1:].isdigit()]
    kid = f"k{max(numbers, default=0) + 1}"
    data["data_keys"] = f"{kid}:{_new_key()}," + data_keys_spec(keys)
    write_secrets_file(path, data)
    return kid


def remove_file_data_key(path: Path, kid: str) -> None:
    """Drop a (non-current) key from var/secrets.json. The caller checks nothing uses it."""
    data = _load_or_create_file(path)
    keys, current = parse_data_keys(data.get("data_keys", ""))
    if kid == current or kid not in keys:
        raise SecretsError(f"{kid!r} is the current key or not in {path}")
    del keys[kid]
    data["data_keys"] = data_keys_spec(keys)
    write_secrets_file(path, data)


def load_secrets(var_dir: Path, environ: dict[str, str] | None = None) -> ServerSecrets:
    env = dict(os.environ if environ is None else environ)
    from_env = {
        "django_secret_key": env.get("DJANGO_SECRET_KEY", "").strip(),
        "token_hash_key": env.get("CRYPTOSHOP_TOKEN_HASH_KEY", "").strip(),
        "data_keys": env.get("CRYPTOSHOP_DATA_KEYS", "").strip(),
    }
    stored: dict[str, str] = {}
    # Taken before reading, so a change made meanwhile still counts as newer.
    stamp = _stamp(var_dir / "secrets.json")
    if not all(from_env.values()):
        stored = _load_or_create_file(var_dir / "secrets.json")
    created = bool(stored) and not stamp
    if created:  # created just now, by us
        stamp = _stamp(var_dir / "secrets.json")
    merged = {k: v or stored.get(k, "") for k, v in from_env.items()}
    if len(merged["django_secret_key"]) < 32:
        raise SecretsError("DJANGO_SECRET_KEY must be at least 32 characters")
    data_keys, current = parse_data_keys(merged["data_keys"])
    keys_file = None if from_env["data_keys"] else var_dir / "secrets.json"
    return ServerSecrets(
        django_secret_key=merged["django_secret_key"],
        token_hash_key=_b64key(merged["token_hash_key"], "CRYPTOSHOP_TOKEN_HASH_KEY"),
        data_keys=data_keys,
        current_data_key_id=current,
        data_keys_file=keys_file,
        data_keys_stamp=stamp if keys_file else 0,
        file_created=created,
    )
