"""AES-256-GCM at rest with key ids; keyed hashes; the secrets file bootstrap."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from django.test import override_settings

from cryptoshop.core import crypto
from cryptoshop.core.secrets_store import SecretsError, load_secrets, parse_data_keys


def test_round_trip_and_fresh_nonce() -> None:
    a = crypto.encrypt("ship to: 1 Main St", context="orders.Order.shipping")
    b = crypto.encrypt("ship to: 1 Main St", context="orders.Order.shipping")
    assert a != b and a.startswith("v1:k1:")
    assert crypto.decrypt(a, context="orders.Order.shipping") == "ship to: 1 Main St"


def test_context_binding_and_tampering_fail() -> None:
    sealed = crypto.encrypt("secret", context="a.B.c")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, context="a.B.d")
    prefix, kid, blob = sealed.split(":")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[-1] ^= 1
    tampered = f"{prefix}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context="a.B.c")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("plain text", context="a.B.c")


def test_key_rotation_reads_old_rows(settings) -> None:  # type: ignore[no-untyped-def]
    old = settings.SERVER_SECRETS
    sealed_under_old = crypto.encrypt("v", context="x.Y.z")
    new_key = base64.b64encode(b"\x01" * 32).decode()
    keys, current = parse_data_keys(
        f"k2:{new_key},k1:{base64.b64encode(old.data_keys['k1']).decode()}")
    rotated = type(old)(old.django_secret_key, old.token_hash_key, keys, current)
    with override_settings(SERVER_SECRETS=rotated):
        assert crypto.decrypt(sealed_under_old, context="x.Y.z") == "v"
        assert crypto.encrypt("w", context="x.Y.z").startswith("v1:k2:")
    dropped = type(old)(old.django_secret_key, old.token_hash_key,
                        {"k2": keys["k2"]}, "k2")
    with override_settings(SERVER_SECRETS=dropped), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed_under_old, context="x.Y.z")


def test_keyed_hash_is_domain_separated() -> None:
    assert crypto.keyed_hash("x", purpose="a") != crypto.keyed_hash("x", purpose="b")
    assert len(crypto.keyed_hash("x", purpose="a")) == 64


def test_secrets_file_created_once_with_private_mode(tmp_path: Path) -> None:
    first = load_secrets(tmp_path, environ={})
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_secrets(tmp_path, environ={})
    assert again == first
    # Only the process that generated the file says so (restore may replace those keys).
    assert first.file_created and not again.file_created
    data = json.loads(path.read_text())
    assert set(data) == {"django_secret_key", "token_hash_key", "data_keys"}


def test_environment_wins_and_is_validated(tmp_path: Path) -> None:
    key = base64.b64encode(b"\x02" * 32).decode()
    env = {"DJANGO_SECRET_KEY": "s" * 40, "CRYPTOSHOP_TOKEN_HASH_KEY": key,
           "CRYPTOSHOP_DATA_KEYS": f"main:{key}"}
    loaded = load_secrets(tmp_path, environ=env)
    assert loaded.current_data_key_id == "main" and not (tmp_path / "secrets.json").exists()
    with pytest.raises(SecretsError):
        load_secrets(tmp_path, environ={**env, "CRYPTOSHOP_DATA_KEYS": "k1:short"})
    with pytest.raises(SecretsError):
        load_secrets(tmp_path, environ={**env, "CRYPTOSHOP_DATA_KEYS": f"bad id:{key}"})
    with pytest.raises(SecretsError):
        load_secrets(tmp_path, environ={**env, "DJANGO_SECRET_KEY": "short"})
