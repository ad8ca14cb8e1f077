from __future__ import annotations

import pytest

from cryptoshop.btc import assert_native_secp256k1
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.btc.qr import qr_svg
from cryptoshop.btc.secp import secp256k1_backend


def test_native_secp256k1() -> None:
    assert secp256k1_backend() == "embit.util.ctypes_secp256k1"
    assert_native_secp256k1()


def test_qr_svg() -> None:
    svg = qr_svg("BITCOIN:BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU?amount=0.001", title="Pay")
    assert svg.startswith("<svg") and "<title>Pay</title>" in svg
    assert "script" not in svg.lower()
    with pytest.raises(BitcoinError):
        qr_svg("")
    with pytest.raises(BitcoinError):
        qr_svg("x" * 10_000)
