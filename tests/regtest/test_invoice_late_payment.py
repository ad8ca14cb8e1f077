"""Scenario: the invoice expires unpaid, then the buyer pays inside the watch window: the
payment is still seen and settles, flagged paid_late for the seller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments.models import Invoice
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_payment_after_expiry_is_late_but_counted(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Seller opens a shop; a buyer orders a 42 000 sat item and gets an invoice")
        shop = open_shop(btcd_node, price_sat=42_000)
        log.info("The invoice's 15 minutes run out before anything is paid")
        past = timezone.now() - timedelta(minutes=1)
        Invoice.objects.filter(pk=shop.invoice.pk).update(expires_at=past)
        shop.poll()
        assert shop.invoice.status == "expired" and not shop.invoice.paid_partial
        # The order's own reservation lapses too: stock goes back.
        log.info("The order's stock reservation lapses as well")
        order_actions.expire_reservations(timezone.now() + timedelta(hours=2))
        shop.order.refresh_from_db()
        assert shop.order.status == "expired"
        log.info("Buyer pays the full amount late, after the expiry")
        shop.pay(42_000)
        shop.poll()
        assert shop.invoice.status == "processing" and shop.invoice.paid_late
        log.info("A block confirms the late payment")
        shop.mine(1)
        shop.poll()
        assert shop.invoice.status == "settled" and shop.invoice.paid_late
        assert shop.order.status == "paid"
        assert "paid after the invoice expired" in shop.order.events.filter(
            to_status="paid").first().note
