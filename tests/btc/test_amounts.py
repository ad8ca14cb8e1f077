from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptoshop.btc.amounts import (
    MAX_MONEY_SAT,
    btc_to_sats,
    fiat_to_sats,
    format_btc,
    format_sats,
    sats,
    sats_to_btc,
    sats_to_fiat,
)
from cryptoshop.btc.errors import AmountError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("1", 100_000_000),
        ("0.00000001", 1),
        ("21000000", MAX_MONEY_SAT),
        ("0.1", 10_000_000),
        (".5", 50_000_000),
        ("20999999.99999999", MAX_MONEY_SAT - 1),
    ],
)
def test_btc_to_sats(text: str, expected: int) -> None:
    assert btc_to_sats(text) == expected
    assert btc_to_sats(Decimal(text)) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "-1",
        "0.000000001",
        "21000000.00000001",
        "1e3",
        "NaN",
        "Infinity",
        "1,5",
        "1.2.3",
        "0x10",
        " ",
        "١",
    ],
)
def test_btc_to_sats_refuses(bad: str) -> None:
    with pytest.raises(AmountError):
        btc_to_sats(bad)


def test_float_refused() -> None:
    with pytest.raises(AmountError):
        btc_to_sats(0.1)  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        sats(1.0)  # type: ignore[arg-type]
    with pytest.raises(AmountError):
        sats(True)


def test_formatting() -> None:
    assert format_btc(100_000) == "0.00100000"
    assert format_btc(100_000, trim=True) == "0.001"
    assert format_btc(0, trim=True) == "0"
    assert format_btc(150_000_000, unit=True) == "1.50000000 BTC"
    assert format_sats(1_234_567) == "1,234,567 sat"


def test_fiat_rounding_half_even() -> None:
    rate = Decimal("50000")  # 1 sat = 0.0005 units
    assert fiat_to_sats(Decimal("10.00"), rate) == 20_000
    # 0.00075 / 0.0005 = 1.5 sat -> 2 (half to even); 0.00025 -> 0.5 -> 0
    assert fiat_to_sats(Decimal("0.00075"), rate) == 2
    assert fiat_to_sats(Decimal("0.00025"), rate) == 0
    assert sats_to_fiat(12_345, Decimal("50000")) == Decimal("6.17")
    with pytest.raises(AmountError):
        fiat_to_sats(Decimal("1"), Decimal("0"))
    with pytest.raises(AmountError):
        fiat_to_sats(Decimal("NaN"), Decimal("1"))


@given(st.integers(min_value=0, max_value=MAX_MONEY_SAT))
def test_round_trip(amount: int) -> None:
    assert btc_to_sats(format_btc(amount)) == amount
    assert btc_to_sats(format_btc(amount, trim=True)) == amount
    assert btc_to_sats(sats_to_btc(amount)) == amount
