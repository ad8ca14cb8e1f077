"""RFC 6238 test vectors (Appendix B, SHA-1, 8 digits) and the drift window."""

from __future__ import annotations

import pytest

from cryptoshop.accounts import totp

RFC_SECRET = b"12345678901234567890"


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_sha1_vectors(unix_time: int, expected: str) -> None:
    assert totp.hotp(RFC_SECRET, unix_time // 30, digits=8) == expected


def test_matching_step_accepts_one_step_of_drift_only() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.current_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.code_at(secret, step + offset), now) == step + offset
    assert totp.matching_step(secret, totp.code_at(secret, step + 2), now) is None
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), now) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_malformed_codes_never_match(bad: str) -> None:
    assert totp.matching_step(totp.new_secret(), bad) is None


def test_otpauth_url_and_qr() -> None:
    url = totp.otpauth_url("JBSWY3DPEHPK3PXP", "Anonymous abc", "CryptoShop")
    assert url.startswith("otpauth://totp/CryptoShop%3AAnonymous%20abc?")
    assert "secret=JBSWY3DPEHPK3PXP" in url and "issuer=CryptoShop" in url
    svg = totp.qr_svg(url)
    assert svg.startswith("<svg") and "<path" in svg
