"""Store API keys: made by the store's owner (never by another key), shown once, kept as
a SHA-256, limited to scopes, revocable. Shared by the seller's page and /api/keys; the
credential check for endpoints is stores/key_auth.py."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from cryptoshop.accounts.sessions import STORE_KEY_PREFIX
from cryptoshop.core.errors import ActionError, NotFound, ValidationFailed
from cryptoshop.stores.models import Store, StoreApiKey

KEY_PREFIX = STORE_KEY_PREFIX  # "csk_"
SHOWN_PREFIX_CHARS = 12  # "csk_" + 8 random characters: enough to tell keys apart
MAX_ACTIVE_KEYS = 20
# Scope -> what it allows, as the seller's page and docs/api.md say it.
SCOPES: dict[str, str] = {
    "orders:read": "Read the store's orders (as the seller)",
    "listings:write": "Create, change and delete the store's listings and their images",
    "wallet:write": "Change the payout wallet and payment settings",
    "webhooks:write": "Read and manage the store's webhooks and their deliveries",
}
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class KeyInput:
    name: str
    scopes: list[str]


def check_create_key(store: Store, data: KeyInput) -> KeyInput:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.name).split())
    if not 1 <= len(name) <= 60:
        errors["name"] = ["Give the key a name of 1–60 characters (what uses it)."]
    scopes = sorted(set(data.scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        errors["scopes"] = [f"Unknown scope {unknown[0]!r}: one of {', '.join(SCOPES)}."]
    elif not scopes:
        errors["scopes"] = ["Choose at least one scope."]
    if errors:
        raise ValidationFailed(errors)
    if active_keys(store).count() >= MAX_ACTIVE_KEYS:
        raise ActionError(f"A store can have at most {MAX_ACTIVE_KEYS} active keys: revoke "
                          "one first.", code="too_many_keys")
    return KeyInput(name=name, scopes=scopes)


@dataclass(frozen=True)
class CreatedKey:
    key: StoreApiKey
    secret: str  # shown to the seller once, never stored


def do_create_key(store: Store, data: KeyInput) -> CreatedKey:
    clean = check_create_key(store, data)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = StoreApiKey.objects.create(store=store, name=clean.name,
                                     prefix=secret[:SHOWN_PREFIX_CHARS],
                                     secret_hash=hash_secret(secret), scopes=clean.scopes)
    return CreatedKey(key, secret)


def keys_of(store: Store) -> QuerySet[StoreApiKey]:
    return StoreApiKey.objects.filter(store=store)


def active_keys(store: Store) -> QuerySet[StoreApiKey]:
    return keys_of(store).filter(revoked_at__isnull=True)


def key_of(store: Store, key_id: int) -> StoreApiKey:
    key = keys_of(store).filter(pk=key_id).first()
    if key is None:
        raise NotFound("No such API key.")
    return key


def do_revoke_key(key: StoreApiKey) -> StoreApiKey:
    """Revoke now (idempotent: a revoked key keeps its first revocation time)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def key_for_secret(secret: str) -> StoreApiKey | None:
    """The active key with this secret, whose store's owner is still active; else None."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    return (StoreApiKey.objects.select_related("store__owner")
            .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True,
                    store__owner__is_active=True).first())


def touch(key: StoreApiKey) -> None:
    """Record the use (at most once a minute per key: a busy script isn't a write each)."""
    now = timezone.now()
    StoreApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)).update(
        last_used_at=now)
