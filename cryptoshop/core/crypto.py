"""Encryption at rest: AES-256-GCM with key ids, and keyed hashes for secrets we only compare.

Ciphertext format: "v1:<key id>:<base64url(nonce || ciphertext+tag)>". The key id lets an
operator add a new key (first in CRYPTOSHOP_DATA_KEYS) and keep old ones for reading; rows
are re-encrypted under the current key whenever they are next saved, and all at once by
`manage.py rotate_data_key` (core/rotation.py).

When the keys come from var/secrets.json, the ring follows that file: a key added there
(`rotate_data_key --new-key`) is used by every running process from its next encryption on,
and a row already rotated to it decrypts everywhere, without a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from cryptoshop.core.secrets_store import SecretsError, read_file_data_keys

NONCE_BYTES = 12
PREFIX = "v1"


class DecryptionError(Exception):
    """The ciphertext is damaged, was made for another field, or its key is gone."""


Ring = tuple[dict[str, bytes], str]
_file_rings: dict[Path, tuple[int, Ring]] = {}


def _file_ring(path: Path, stamp_at_start: int) -> Ring | None:
    """The ring in var/secrets.json if the file changed since start-up (one stat a call)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    if stamp == stamp_at_start:
        return None
    cached = _file_rings.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        ring = read_file_data_keys(path)
    except SecretsError:
        return None  # half-edited by hand: keep the keys we started with
    _file_rings[path] = (stamp, ring)
    return ring


def _keys() -> Ring:
    s = settings.SERVER_SECRETS
    if s.data_keys_file is not None:
        ring = _file_ring(s.data_keys_file, s.data_keys_stamp)
        if ring is not None:
            return ring
    return s.data_keys, s.current_data_key_id


def key_ring() -> Ring:
    """({key id: key}, current key id) as this process sees them now."""
    return _keys()


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt text; `context` (e.g. "accounts.User.totp_secret") is bound as associated data
    so a ciphertext copied into another column or table fails to decrypt."""
    keys, kid = _keys()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keys[kid]).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    return f"{PREFIX}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(ciphertext: str) -> str:
    parts = ciphertext.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not a CryptoShop ciphertext")
    return parts[1]


def decrypt(ciphertext: str, *, context: str) -> str:
    kid = key_id_of(ciphertext)
    keys, _ = _keys()
    key = keys.get(kid)
    if key is None:
        raise DecryptionError(f"data key {kid!r} is not configured")
    try:
        blob = base64.urlsafe_b64decode(ciphertext.split(":", 2)[2])
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext failed authentication") from exc
    return plain.decode("utf-8")


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    """Binary variant for files (digital goods): b"v1:<kid>:" + nonce + ciphertext."""
    keys, kid = _keys()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keys[kid]).encrypt(nonce, data, context.encode())
    return f"{PREFIX}:{kid}:".encode() + nonce + sealed


def key_id_of_bytes(blob: bytes) -> str:
    head = blob[:40].split(b":", 2)
    if len(head) != 3 or head[0] != PREFIX.encode():
        raise DecryptionError("not a CryptoShop ciphertext")
    return head[1].decode(errors="replace")


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    kid = key_id_of_bytes(blob)
    rest = blob.split(b":", 2)[2]
    keys, _ = _keys()
    key = keys.get(kid)
    if key is None:
        raise DecryptionError("data key is not configured")
    try:
        return AESGCM(key).decrypt(rest[:NONCE_BYTES], rest[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 under the server's token-hash key, domain-separated by purpose.

    For high-entropy secrets (access tokens, recovery codes) a keyed hash is enough: there
    is nothing to brute-force without the key, and lookups stay a single indexed equality.
    """
    key = settings.SERVER_SECRETS.token_hash_key
    mac = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
