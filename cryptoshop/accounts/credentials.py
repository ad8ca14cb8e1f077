"""Access tokens and recovery codes: generation, normalisation, keyed hashes.

An access token is the whole credential of an anonymous account, so it carries 256 bits
from the OS CSPRNG. Only HMAC-SHA256(server key, token) is stored: a stolen database alone
gives nothing to test guesses against.
"""

from __future__ import annotations

import base64
import re
import secrets

from cryptoshop.core.crypto import keyed_hash

TOKEN_PREFIX = "cs1_"  # noqa: S105 (a format prefix, not a secret)
TOKEN_BYTES = 32
_TOKEN_RE = re.compile(r"^cs1_[a-z2-7]{52}$")
RECOVERY_CODE_COUNT = 10
_RECOVERY_RE = re.compile(r"^[a-z2-7]{5}-?[a-z2-7]{5}$")


def new_access_token() -> str:
    body = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=").lower()
    return TOKEN_PREFIX + body


def normalise_token(raw: str) -> str | None:
    """Accept what people paste (spaces, newlines, upper case); None if it can't be a token."""
    token = "".join(raw.split()).lower()
    return token if _TOKEN_RE.match(token) else None


def token_hash(token: str) -> str:
    return keyed_hash(token, purpose="access-token")


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        body = base64.b32encode(secrets.token_bytes(7)).decode().lower()[:10]
        codes.append(f"{body[:5]}-{body[5:]}")
    return codes


def normalise_recovery_code(raw: str) -> str | None:
    code = "".join(raw.split()).lower()
    if not _RECOVERY_RE.match(code):
        return None
    code = code.replace("-", "")
    return f"{code[:5]}-{code[5:]}"


def recovery_code_hash(user_pk: int, code: str) -> str:
    return keyed_hash(code, purpose=f"recovery-code:{user_pk}")
