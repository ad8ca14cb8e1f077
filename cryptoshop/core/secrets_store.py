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
from dataclasses import dataclass
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


def load_secrets(var_dir: Path, environ: dict[str, str] | None = None) -> ServerSecrets:
    env = dict(os.environ if environ is None else environ)
    from_env = {
        "django_secret_key": env.get("DJANGO_SECRET_KEY", "").strip(),
        "token_hash_key": env.get("CRYPTOSHOP_TOKEN_HASH_KEY", "").strip(),
        "data_keys": env.get("CRYPTOSHOP_DATA_KEYS", "").strip(),
    }
    stored: dict[str, str] = {}
    if not all(from_env.values()):
        stored = _load_or_create_file(var_dir / "secrets.json")
    merged = {k: v or stored.get(k, "") for k, v in from_env.items()}
    if len(merged["django_secret_key"]) < 32:
        raise SecretsError("DJANGO_SECRET_KEY must be at least 32 characters")
    data_keys, current = parse_data_keys(merged["data_keys"])
    return ServerSecrets(
        django_secret_key=merged["django_secret_key"],
        token_hash_key=_b64key(merged["token_hash_key"], "CRYPTOSHOP_TOKEN_HASH_KEY"),
        data_keys=data_keys,
        current_data_key_id=current,
    )
