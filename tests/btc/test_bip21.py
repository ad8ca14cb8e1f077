from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptoshop.btc.amounts import MAX_MONEY_SAT
from cryptoshop.btc.bip21 import PaymentRequest, build_uri, parse_uri
from cryptoshop.btc.errors import BIP21Error
from cryptoshop.btc.networks import MAINNET

# BIP21's examples use 175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W, whose base58check checksum is
# wrong (a known erratum); a validating parser must refuse it, so the examples below use
# a valid address with the BIP's query strings unchanged.
BIP21_EXAMPLE_ADDRESS = "175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W"
ADDR = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


def test_bip21_examples() -> None:
    assert parse_uri(f"bitcoin:{ADDR}", MAINNET) == PaymentRequest(ADDR)
    req = parse_uri(f"bitcoin:{ADDR}?label=Luke-Jr", MAINNET)
    assert req.label == "Luke-Jr"
    req = parse_uri(f"bitcoin:{ADDR}?amount=20.3&label=Luke-Jr", MAINNET)
    assert req.amount_sat == 2_030_000_000 and req.label == "Luke-Jr"
    req = parse_uri(
        f"bitcoin:{ADDR}?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz", MAINNET
    )
    assert req.amount_sat == 5_000_000_000
    assert req.message == "Donation for project xyz"
    with pytest.raises(BIP21Error, match="req-somethingyoudontunderstand"):
        parse_uri(
            f"bitcoin:{ADDR}?req-somethingyoudontunderstand=50&req-somethingelseyoudontget=999",
            MAINNET,
        )
    req = parse_uri(
        f"bitcoin:{ADDR}?somethingyoudontunderstand=50&somethingelseyoudontget=999", MAINNET
    )
    assert req.extras == (("somethingyoudontunderstand", "50"), ("somethingelseyoudontget", "999"))


def test_bip21_example_address_has_a_bad_checksum() -> None:
    with pytest.raises(BIP21Error, match="checksum"):
        parse_uri(f"bitcoin:{BIP21_EXAMPLE_ADDRESS}", MAINNET)


def test_build() -> None:
    uri = build_uri(PaymentRequest(ADDR, 100_000, "Shop #1", "Order 42 & more"), MAINNET)
    assert uri == f"bitcoin:{ADDR}?amount=0.001&label=Shop%20%231&message=Order%2042%20%26%20more"
    bech = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    assert build_uri(PaymentRequest(bech, 1), MAINNET, qr_uppercase=True) == (
        f"BITCOIN:{bech.upper()}?amount=0.00000001"
    )
    assert parse_uri(f"BITCOIN:{bech.upper()}?amount=0.00000001", MAINNET).amount_sat == 1


@pytest.mark.parametrize(
    "bad",
    [
        f"bitcoin:{ADDR}?amount=1,5",
        f"bitcoin:{ADDR}?amount=-1",
        f"bitcoin:{ADDR}?amount=0.000000001",
        f"bitcoin:{ADDR}?amount=1&amount=2",
        "bitcoin:notanaddress",
        f"litecoin:{ADDR}",
        f"bitcoin:{ADDR}?label=%ff",
        "bitcoin:tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    ],
)
def test_parse_refuses(bad: str) -> None:
    with pytest.raises(BIP21Error):
        parse_uri(bad, MAINNET)


@given(
    amount=st.none() | st.integers(min_value=0, max_value=MAX_MONEY_SAT),
    label=st.none() | st.text(),
    message=st.none() | st.text(),
)
def test_round_trip(amount: int | None, label: str | None, message: str | None) -> None:
    req = PaymentRequest(ADDR, amount, label, message)
    assert parse_uri(build_uri(req, MAINNET), MAINNET) == req
