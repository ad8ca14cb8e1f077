"""Encryption at rest: AES-256-GCM with key ids, and keyed hashes for secrets we only compare.

Ciphertext format: "v1:<key id>:<base64url(nonce || ciphertext+tag)>". The key id lets an
operator add a new key (first in CRYPTOSHOP_DATA_KEYS) and keep old ones for reading; rows
are re-encrypted under the current key whenever they are next saved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12
PREFIX = "v1"


class DecryptionError(Exception):
    """The ciphertext is damaged, was made for another field, or its key is gone."""


def _keys() -> tuple[dict[str, bytes], str]:
    s = settings.SERVER_SECRETS
    return s.data_keys, s.current_data_key_id


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


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    try:
        prefix, kid_raw, rest = blob.split(b":", 2)
    except ValueError as exc:
        raise DecryptionError("not a CryptoShop ciphertext") from exc
    if prefix.decode(errors="replace") != PREFIX:
        raise DecryptionError("not a CryptoShop ciphertext")
    keys, _ = _keys()
    key = keys.get(kid_raw.decode(errors="replace"))
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
