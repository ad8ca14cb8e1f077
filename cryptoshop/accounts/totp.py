"""RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits — what every authenticator app speaks).

Small enough to own: the replay rule (a step may be used once) lives in actions.py, where
it is enforced atomically in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

import segno

PERIOD = 30
DIGITS = 6
# Accept the previous and next step too: phones' clocks drift and people type slowly.
DRIFT_STEPS = 1


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % (10**digits)).zfill(digits)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // PERIOD)


def code_at(secret_b32: str, step: int) -> str:
    return hotp(_key(secret_b32), step)


def matching_step(secret_b32: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals `code` (within the drift window), else None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret_b32)
    step = current_step(now)
    found = None
    # Compare every candidate (no early exit) so timing says nothing about which matched.
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, candidate), code):
            found = candidate
    return found


def otpauth_url(secret_b32: str, account_label: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account_label}")
    query = urlencode({"secret": secret_b32, "issuer": issuer, "digits": DIGITS, "period": PERIOD})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(data: str) -> str:
    """An inline SVG QR code, rendered on the server so it works without JavaScript."""
    qr = segno.make(data, error="m")
    return str(
        qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", omitsize=True)
    )
