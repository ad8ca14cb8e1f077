"""Converting fiat prices to sats from one rate snapshot, refusing bad amounts, and the
receipt a snapshot keeps (sources, values, time)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from cryptoshop.rates import actions
from cryptoshop.rates.models import RateQuote, RateSnapshot
from tests.price_server import (
    PriceServer,
    serve_all,
)

pytestmark = pytest.mark.django_db

def test_exact_fiat_to_sats(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "USD:65000.00,JPY:10000000"
    amount, snap = actions.fiat_to_sats(Decimal("19.99"), "USD")
    # 19.99 * 10^8 / 65000 = 30753.846… → nearest satoshi
    assert amount == 30754 and isinstance(amount, int)
    assert RateSnapshot.objects.get(pk=snap.pk).rate == Decimal("65000")
    # Ties go to even (cryptoshop.btc.amounts.fiat_to_sats): 0.5 → 0, 1.5 → 2, 2.5 → 2
    settings.RATE_FIXED_RATES = "USD:200000000"
    snap = actions.current_rate("USD")
    assert [actions.fiat_to_sats(Decimal(n), "USD", snap)[0] for n in ("1", "3", "5")] == [0, 2, 2]
    # Back to fiat: rounded down to the minor unit.
    settings.RATE_FIXED_RATES = "USD:65000.00,JPY:10000000"
    value, _ = actions.sats_to_fiat(30754, "USD")
    assert value == Decimal("19.99")  # 19.9901 rounded down
    yen, _ = actions.sats_to_fiat(12345, "JPY")
    assert yen == Decimal("1234")  # 1234.5 yen, no minor unit


def test_one_snapshot_prices_several_lines(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "EUR:60000"
    first, snap = actions.fiat_to_sats(Decimal("10.00"), "EUR")
    second, same = actions.fiat_to_sats(Decimal("5.00"), "EUR", snap)
    assert same.pk == snap.pk and RateSnapshot.objects.count() == 1
    assert (first, second) == (16667, 8333)
    with pytest.raises(ValueError, match="snapshot is for EUR"):
        actions.fiat_to_sats(Decimal("1"), "USD", snap)


def test_bad_amounts_are_refused_before_a_receipt(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "USD:65000"
    from cryptoshop.core.errors import ValidationFailed

    for bad in (Decimal("-1"), Decimal("NaN"), 19.99):
        with pytest.raises(ValidationFailed):
            actions.fiat_to_sats(bad, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        actions.fiat_to_sats(Decimal(1), "US DOLLARS")
    assert RateSnapshot.objects.count() == 0


def test_receipt_stores_sources_values_and_time(rates_settings: Any,
                                                price_server: PriceServer) -> None:
    serve_all(price_server)
    before = timezone.now()
    actions.refresh_rates()
    RateQuote.objects.filter(source="kraken", currency="USD").update(
        fetched_at=timezone.now() - timedelta(hours=1))
    amount, snap = actions.fiat_to_sats(Decimal("100"), "USD")
    snap = RateSnapshot.objects.get(pk=snap.pk)
    assert snap.method == "median" and snap.currency == "USD"
    # binance 65030.01, bitstamp 65020, coinbase 65005.12, coingecko 65000 → 65012.56
    assert snap.rate == Decimal("65012.56")
    assert amount == 153816  # 100 * 10^8 / 65012.56 = 153816.32…
    assert [(s["source"], s["rate"]) for s in snap.sources] == [
        ("binance", "65030.01000000"), ("bitstamp", "65020.00000000"),
        ("coinbase", "65005.12000000"), ("coingecko", "65000.00000000")]
    for entry in snap.sources:
        assert before <= timezone.datetime.fromisoformat(entry["fetchedAt"]) <= snap.created_at
    assert snap.excluded[0]["source"] == "kraken" and snap.excluded[0]["reason"] == "stale"
    assert snap.receipt()["rate"] == "65012.56000000"
    assert "median of 4 sources" in snap.label
