"""Signing webhook bodies, and checking a signature as a receiver does.

Header: ``CryptoShop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, where the HMAC is
keyed with the endpoint's secret over ``"<t>.<body>"`` (the raw body bytes). The timestamp
is inside the signed text, so a captured request can't be replayed later with a fresh
``t``; a receiver refuses any ``t`` further than `tolerance_s` from its own clock.

This module imports nothing of Django, so a receiver written in Python can copy it."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "CryptoShop-Signature"
SCHEME = "v1"


class SignatureError(ValueError):
    """The header is missing or malformed, the signature doesn't match, or it is stale."""


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body` sent at `timestamp` (now by default)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},{SCHEME}={_mac(secret, stamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, tolerance_s: int = 300,
                     now: float | None = None) -> int:
    """Check a received header against the raw body; returns its timestamp. Raises
    SignatureError when it doesn't verify or is older (or newer) than `tolerance_s`."""
    stamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
    if stamp is None or not candidates:
        raise SignatureError("malformed signature header")
    expected = _mac(secret, stamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    clock = time.time() if now is None else now
    if abs(clock - stamp) > tolerance_s:
        raise SignatureError("timestamp outside the tolerance (a replay?)")
    return stamp
