"""Payments without a chain: payout wallets, invoice creation, amounts from a rate
snapshot, address allocation and recycling, limits, and the state machine's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.core.errors import ActionError, ValidationFailed
from cryptoshop.payments import actions as pay
from cryptoshop.payments import state
from cryptoshop.payments.addresses import recycle_unpaid_addresses
from cryptoshop.payments.models import AddressSlot, Invoice
from tests.factories import add_to_cart, checkout, listing, make_account, seller, seller_tpub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _configured_but_unreachable_node(settings) -> None:  # type: ignore[no-untyped-def]
    # A shop with a node configured (here: nothing listens there). Invoices are still
    # made; the watcher would catch up once the node answers.
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
MAINNET_ZPUB = ("zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG"
                "868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs")


def _order(store, buyer, **listing_fields):  # type: ignore[no-untyped-def]
    item = listing(store, **listing_fields)
    [order] = checkout(buyer.user, add_to_cart(buyer.user, item), address="1 Main Street x")
    return order


def test_payout_wallet_validation_and_first_addresses(client: Client) -> None:
    owner, store = seller()
    with pytest.raises(ValidationFailed) as wrong_net:
        pay.do_set_payout(store, pay.PayoutInput(descriptor=MAINNET_ZPUB))
    assert "descriptor" in wrong_net.value.details
    with pytest.raises(ValidationFailed) as junk:
        pay.do_set_payout(store, pay.PayoutInput(descriptor="hello", required_confirmations=3,
                                                 tolerance_percent=Decimal("50")))
    assert {"descriptor", "requiredConfirmations", "tolerancePercent"} <= set(junk.value.details)
    ps = pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(7), mode="direct"))
    assert ps.descriptor.startswith("wpkh([73c5da0a/84h/1h/7h]tpub") and "#" in ps.descriptor
    client.post("/accounts/login/", {"token": owner.token})
    page = client.get("/sell/payments/").content.decode()
    for address in parse_wallet_descriptor(seller_tpub(7), "regtest").addresses(0, 3):
        assert address in page
    _, other = seller("Other", "other")
    with pytest.raises(ValidationFailed) as shared:
        pay.do_set_payout(other, pay.PayoutInput(descriptor=seller_tpub(7), mode="direct"))
    assert "already used by another store" in shared.value.details["descriptor"][0]


def test_invoice_needs_a_wallet_and_uses_fresh_addresses() -> None:
    _, store = seller()
    buyer = make_account()
    order = _order(store, buyer)
    with pytest.raises(ActionError) as exc:
        pay.do_create_invoice(order, buyer.user, client_ip="x")
    assert exc.value.code == "store_not_payable"
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(8), mode="direct"))
    first = pay.do_create_invoice(order, buyer.user, client_ip="x")
    assert first.amount_sat == order.total_sat == 25_000 + 5_000
    assert first.slot.index == 0 and first.status == "new"
    with pytest.raises(ActionError):  # one open invoice per order
        pay.do_create_invoice(order, buyer.user, client_ip="x")
    second = pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    assert second.slot.index == 1 and second.address != first.address
    stranger = make_account()
    with pytest.raises(ActionError):
        pay.do_create_invoice(order, stranger.user, client_ip="x")


def test_fiat_order_is_fixed_in_sats_from_a_rate_snapshot(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RATE_FIXED_RATES = "USD:65000"
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(9), mode="direct"))
    buyer = make_account()
    order = _order(store, buyer, price_mode="fiat", price_sat=None, price_fiat="19.99",
                   fiat_currency="USD")
    assert order.total_sat is None
    invoice = pay.do_create_invoice(order, buyer.user, client_ip="x")
    # 19.99 USD at 65,000 USD/BTC = 30,753.846… sats → 30,754 (nearest, ties to even).
    assert invoice.amount_sat == 30_754 + 5_000
    assert invoice.rate_snapshot is not None and invoice.rate_snapshot.method == "fixed"
    order.refresh_from_db()
    assert order.total_sat == invoice.amount_sat


def test_invoice_limits(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAX_OPEN_INVOICES = 2
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(10), mode="direct"))
    buyer = make_account()
    for _ in range(2):
        pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    with pytest.raises(ActionError) as exc:
        pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    assert exc.value.code == "too_many_invoices"


def test_unpaid_addresses_are_recycled_after_the_watch_window() -> None:
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(11), mode="direct"))
    buyer = make_account()
    first = pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    assert recycle_unpaid_addresses() == 0  # still watched
    Invoice.objects.filter(pk=first.pk).update(
        status="expired", expires_at=timezone.now() - timedelta(days=2),
        watch_until=timezone.now() - timedelta(days=1))
    assert recycle_unpaid_addresses() == 1
    assert AddressSlot.objects.get(pk=first.slot_id).state == "free"
    again = pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    assert again.address == first.address and again.slot_id == first.slot_id


def test_pay_page_and_api_are_for_the_buyer_only(client: Client) -> None:
    owner, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(12), mode="direct"))
    buyer = make_account()
    order = _order(store, buyer)
    client.post("/accounts/login/", {"token": buyer.token})
    page = client.get(f"/orders/{order.public_id}/pay/")
    assert page.status_code == 200 and b"Show the payment address" in page.content
    bad = client.post(f"/orders/{order.public_id}/pay/", {"refund_address": "not-an-address"})
    assert bad.status_code == 400 and b"Not a valid regtest address" in bad.content
    made = client.post(f"/orders/{order.public_id}/pay/", {"refund_address": ""})
    assert made.status_code == 302
    page = client.get(f"/orders/{order.public_id}/pay/").content.decode()
    invoice = Invoice.objects.get()
    assert invoice.address in page and "<svg" in page and 'http-equiv="refresh"' in page
    assert f"bitcoin:{invoice.address}?amount=0.0003" in page
    api = client.post("/api/bitcoin/address", data={"orderId": order.public_id},
                      content_type="application/json",
                      headers={"X-CSRFToken": client.cookies["cs_csrftoken"].value})
    assert api.status_code == 200 and api.json()["data"]["address"] == invoice.address
    detail = client.get(f"/api/orders/{order.public_id}").json()["data"]
    assert detail["payment"]["invoiceId"] == invoice.public_id
    stranger = Client()
    stranger.post("/accounts/login/", {"token": make_account().token})
    assert stranger.get(f"/orders/{order.public_id}/pay/").status_code == 404
    assert stranger.get(f"/orders/{order.public_id}/pay/status/").status_code == 404
    seller_client = Client()
    seller_client.post("/accounts/login/", {"token": owner.token})
    assert seller_client.get(f"/orders/{order.public_id}/pay/").status_code == 404
    assert seller_client.get(f"/orders/{order.public_id}/pay/status/").status_code == 200
    assert Client().get("/api/blockchain/monitor").json()["data"]["network"] == "regtest"


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _seen(value: int, minutes: int = 0, height: int | None = None, rbf: bool = False,
          counts: bool = True) -> state.SeenPayment:
    return state.SeenPayment(value, T0 + timedelta(minutes=minutes), height, rbf, counts)


@pytest.mark.parametrize(
    ("payments", "required", "now_min", "previous", "expected"),
    [
        ([], 1, 1, "new", ("new", False, False, False)),
        ([], 1, 20, "new", ("expired", False, False, False)),
        ([_seen(400)], 1, 1, "new", ("new", True, False, False)),
        ([_seen(400)], 1, 20, "new", ("expired", True, False, False)),
        ([_seen(1000)], 1, 1, "new", ("processing", False, False, False)),
        ([_seen(1000, height=100)], 1, 1, "new", ("settled", False, False, False)),
        ([_seen(1000, height=100)], 2, 1, "new", ("processing", False, False, False)),
        ([_seen(600), _seen(400, 2, height=100)], 1, 3, "new", ("processing", False, False, False)),
        ([_seen(1500, height=100)], 1, 1, "new", ("settled", False, True, False)),
        ([_seen(1000, 16)], 1, 16, "expired", ("processing", False, False, True)),
        ([_seen(1000)], 0, 1, "new", ("settled", False, False, False)),
        ([_seen(1000, rbf=True)], 0, 1, "new", ("processing", False, False, False)),
        ([_seen(1000, counts=False)], 1, 1, "processing", ("invalid", False, False, False)),
    ],
    ids=["nothing", "expired", "partial", "partial-expired", "mempool", "confirmed",
         "needs-2", "two-payments", "overpaid", "late", "zero-conf", "zero-conf-rbf",
         "replaced"],
)
def test_state_machine(payments: list[state.SeenPayment], required: int, now_min: int,
                       previous: str, expected: tuple[str, bool, bool, bool]) -> None:
    result = state.compute(amount_sat=1000, tolerance_percent=Decimal("0"),
                           required_confirmations=required, expires_at=T0 + timedelta(minutes=15),
                           now=T0 + timedelta(minutes=now_min), tip_height=100,
                           payments=payments, previous_status=previous)
    assert (result.status, result.paid_partial, result.paid_over, result.paid_late) == expected


def test_tolerance_threshold_is_integer_exact() -> None:
    assert state.threshold_sat(100_000, Decimal("0")) == 100_000
    assert state.threshold_sat(100_000, Decimal("1")) == 99_000
    assert state.threshold_sat(200_001, Decimal("1.00")) == 198_001  # floor of 2000.01
    assert state.threshold_sat(3, Decimal("10")) == 3  # allowance rounds down to 0 sats
    assert state.confirmations(100, 100) == 1 and state.confirmations(None, 100) == 0


def test_seller_dashboard_shows_notifications_and_missing_wallet(client: Client) -> None:
    from cryptoshop.notifications.models import Notification

    owner, store = seller()
    client.post("/accounts/login/", {"token": owner.token})
    page = client.get("/sell/").content.decode()
    assert "Buyers can't pay you yet" in page and "Nothing new." in page
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(13), mode="direct"))
    Notification.objects.create(user=owner.user, text="Order o_1 is paid (1,000 sats).",
                                url="/sell/orders/o_1/")
    page = client.get("/sell/").content.decode()
    assert "Order o_1 is paid" in page and "Buyers can't pay you yet" not in page
    # Shown, not marked read: marking is a POST in the notification centre.
    assert Notification.objects.get().read is False


def test_no_addresses_without_a_chain_backend(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "none"
    _, store = seller()
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(14), mode="direct"))
    buyer = make_account()
    with pytest.raises(ActionError) as exc:
        pay.do_create_invoice(_order(store, buyer), buyer.user, client_ip="x")
    assert exc.value.code == "payments_unavailable"
    assert not Invoice.objects.exists()
