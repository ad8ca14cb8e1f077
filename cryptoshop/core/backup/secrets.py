"""The secrets in a backup: the values this shop runs with, whether they come from
var/secrets.json or the environment, archived as a secrets.json. Without them a restored
database is mostly ciphertext: the escrow marketplace key, shipping addresses, TOTP
secrets… are sealed under the data keys, and every access token is checked against an
HMAC under the token-hash key.

They go into the archive from memory and come out into the target var dir only.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from cryptoshop.core import crypto
from cryptoshop.core.backup.stream import ArchiveDamaged, BackupError
from cryptoshop.core.secrets_store import (
    SecretsError,
    data_keys_spec,
    parse_data_keys,
    write_secrets_file,
)

ARCHIVE_NAME = "secrets/secrets.json"
FIELDS = ("django_secret_key", "token_hash_key", "data_keys")
ENV_NAMES = {"django_secret_key": "DJANGO_SECRET_KEY",
             "token_hash_key": "CRYPTOSHOP_TOKEN_HASH_KEY",
             "data_keys": "CRYPTOSHOP_DATA_KEYS"}


def target() -> Path:
    return Path(settings.VAR_DIR) / "secrets.json"


def current() -> bytes:
    """The running secrets as secrets.json holds them (the data key ring as it is now:
    a key added by `rotate_data_key --new-key` since start-up is included)."""
    keys, kid = crypto.key_ring()
    ring = {kid: keys[kid], **{k: v for k, v in keys.items() if k != kid}}
    s = settings.SERVER_SECRETS
    data = {"django_secret_key": s.django_secret_key,
            "token_hash_key": base64.b64encode(s.token_hash_key).decode(),
            "data_keys": data_keys_spec(ring)}
    return json.dumps(data, indent=2).encode()


def read_staged(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parse_data_keys(str(data["data_keys"]))
        return {name: str(data[name]) for name in FIELDS}
    except (OSError, ValueError, KeyError, TypeError, SecretsError) as exc:
        raise ArchiveDamaged(f"the archive's secrets are unreadable: {exc}") from exc


def _existing() -> dict[str, str] | None:
    try:
        data = json.loads(target().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return {name: str(data.get(name, "")) for name in FIELDS} if isinstance(data, dict) else {}


def _env_mismatches(archived: dict[str, str]) -> list[str]:
    """Secrets set in the environment win over var/secrets.json: they must hold the
    archive's, or the restored shop could not read what it restored."""
    wrong = []
    for field, name in ENV_NAMES.items():
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if field == "data_keys":
            have, _ = parse_data_keys(value)
            want, _ = parse_data_keys(archived[field])
            if any(have.get(kid) != key for kid, key in want.items()):
                wrong.append(f"{name} is set in the environment without the archive's data "
                             f"keys ({', '.join(want)}): unset it, or set it to them")
        elif value != archived[field]:
            wrong.append(f"{name} is set in the environment and differs from the archive's: "
                         "unset it, or set it to the archive's value")
    return wrong


def refusals(archived: dict[str, str], *, force: bool) -> list[str]:
    """Why the archive's secrets can't be put in place (empty: they can)."""
    found = _env_mismatches(archived)
    existing = _existing()
    fresh = settings.SERVER_SECRETS.file_created
    if existing is not None and existing != archived and not fresh and not force:
        found.append(f"{target()} already holds other secrets: replacing them makes "
                     "anything encrypted under them unreadable. If nothing uses them "
                     "(a fresh install), run again with --force; the old file is kept "
                     "beside it as secrets.json.replaced-<time>")
    return found


def forget_generated() -> None:
    """After a failed restore: remove var/secrets.json if this process generated it at
    start-up (nothing is encrypted under it), so a retry meets the var dir as it was."""
    s = settings.SERVER_SECRETS
    if not s.file_created:
        return
    existing = _existing() or {}
    if existing.get("django_secret_key") == s.django_secret_key:  # still ours, untouched
        target().unlink(missing_ok=True)


def install(archived: dict[str, str]) -> Path | None:
    """Write the archive's secrets to var/secrets.json (0600, atomic rename); a different
    file already there is kept beside it. Returns where the old one went, if anywhere."""
    path = target()
    existing = _existing()
    kept = None
    # Keys this very process generated at start-up encrypt nothing: no need to keep them.
    if existing is not None and existing != archived and not settings.SERVER_SECRETS.file_created:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = path.with_name(f"secrets.json.replaced-{stamp}")
        path.replace(kept)
    write_secrets_file(path, archived)
    return kept


__all__ = ["BackupError", "current", "install", "read_staged", "refusals"]
