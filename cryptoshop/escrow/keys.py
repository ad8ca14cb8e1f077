"""Escrow keys: the marketplace cosigner (created on first start, encrypted at rest) and
buyers' and sellers' account xpubs, made in the browser, on the server (shown once), or
pasted from their own wallet."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from embit.bip32 import HDKey

from cryptoshop.accounts.models import User
from cryptoshop.btc.cosigner import MAX_EXPORT_CHARS as MAX_KEY_EXPORT_CHARS
from cryptoshop.btc.cosigner import cosigner_expression
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.escrow import escrow_account_path
from cryptoshop.btc.keys import (
    account_xpub,
    generate_mnemonic,
    key_origin,
    root_from_mnemonic,
    root_from_seed,
)
from cryptoshop.chain import configured
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import invalid
from cryptoshop.escrow.models import EscrowKey, MarketplaceKey

MAX_BACKUP_CHARS = 4000


def marketplace_key(network: str | None = None) -> MarketplaceKey:
    """The cosigner for ``network``, made on first use (first_run makes it at start-up)."""
    net = network or configured.network()
    found = MarketplaceKey.objects.filter(network=net).first()
    if found is not None:
        return found
    root = root_from_seed(secrets.token_bytes(32), net)
    path = escrow_account_path(net)
    expression = key_origin(root, path) + account_xpub(root, path, net)
    try:
        with transaction.atomic():
            return MarketplaceKey.objects.create(network=net, root=root.to_base58(),
                                                 expression=expression)
    except IntegrityError:  # another process made it first: use theirs
        return MarketplaceKey.objects.get(network=net)


def marketplace_signer(key: MarketplaceKey) -> HDKey:
    """The decrypted cosigner, for one signature; callers never keep or log it."""
    root: HDKey = HDKey.from_string(key.root)
    return root


def check_key_expression(text: str, network: str | None = None) -> str:
    """A pasted account key (``[fingerprint/path]`` + any SLIP-132 header, a descriptor
    holding it, or a wallet's export file) as ``[fingerprint/48h/1h/0h/2h]tpub…``."""
    net = network or configured.network()
    if not (text or "").strip():
        raise invalid("key", "Paste your wallet's multisig account key (Vpub/tpub, or "
                             "Zpub/xpub on mainnet), a descriptor or its export file.")
    if len(text) > MAX_KEY_EXPORT_CHARS:
        raise invalid("key", "That is too long for an account key or a wallet export.")
    try:
        return cosigner_expression(text, net)
    except BitcoinError as exc:
        raise invalid("key", str(exc)) from exc


def check_backup(backup: str) -> str:
    """The browser's encrypted phrase is opaque to us; we only check it is a small JSON
    object so nobody stores arbitrary data here."""
    backup = (backup or "").strip()
    if not backup:
        return ""
    if len(backup) > MAX_BACKUP_CHARS:
        raise invalid("backup", "The encrypted backup is too large.")
    try:
        data = json.loads(backup)
    except ValueError as exc:
        raise invalid("backup", "The encrypted backup is not JSON.") from exc
    if not isinstance(data, dict) or "ct" not in data:
        raise invalid("backup", "The encrypted backup has an unknown format.")
    return backup


def do_register_key(user: User, expression: str, *, kind: str,
                    backup: str = "") -> EscrowKey:
    """Register (or replace) ``user``'s escrow key. Existing escrows keep their copy of
    the old key, so replacing it only affects new orders. Counted against the
    ``escrow:key`` rate limit before anything is checked, so the page and the API share it
    and guessing at keys costs attempts."""
    ratelimit.hit("escrow:key", str(user.pk))
    if kind not in EscrowKey.Kind.values:
        raise invalid("kind", "browser, server or external.")
    clean = check_key_expression(expression)
    backup = check_backup(backup) if kind == EscrowKey.Kind.BROWSER else ""
    market = marketplace_key()
    if clean.split("]")[-1] == market.expression.split("]")[-1]:
        raise invalid("key", "That is the marketplace's key.")
    key, _ = EscrowKey.objects.update_or_create(
        user=user, defaults={"network": configured.network(), "expression": clean, "kind": kind,
                             "backup": backup})
    return key


@dataclass(frozen=True)
class NewServerKey:
    key: EscrowKey
    mnemonic: str  # shown to the user once, then forgotten


def do_create_server_key(user: User) -> NewServerKey:
    """No JavaScript: we make the phrase, keep only the xpub, and return the phrase for one
    page view. Nothing of it is stored or logged."""
    net = configured.network()
    mnemonic = generate_mnemonic(12)
    root = root_from_mnemonic(mnemonic, net)
    path = escrow_account_path(net)
    expression = key_origin(root, path) + account_xpub(root, path, net)
    key = do_register_key(user, expression, kind=EscrowKey.Kind.SERVER)
    return NewServerKey(key, mnemonic)


def key_of(user: User) -> EscrowKey | None:
    key = EscrowKey.objects.filter(user=user, network=configured.network()).first()
    return key


def signer_from_phrase(mnemonic: str) -> HDKey:
    """A root key from a typed phrase, for one signature (never stored)."""
    try:
        return root_from_mnemonic(mnemonic, configured.network())
    except BitcoinError as exc:
        raise invalid("phrase", str(exc)) from exc
