"""Before a buyer releases escrow on an order the seller hasn't marked shipped, the escrow
page warns them (by the release button, and again on the release waiting for their
signature): a release can't be undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.escrow.models import Escrow
from cryptoshop.orders import actions as order_actions
from tests.factories import open_escrow as escrow_row
from tests.factories import release_spend

pytestmark = pytest.mark.django_db
WARNING = "hasn't marked this order as shipped"


def _escrow_page(client: Client, user: Any, escrow: Escrow) -> str:
    client.force_login(user)
    return " ".join(client.get(f"/escrow/{escrow.public_id}/").content.decode().split())


def test_releasing_before_shipping_is_warned_about(client: Client,
                                                   trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    order.status = "paid"
    order.save(update_fields=["status"])
    assert WARNING in _escrow_page(client, buyer.user, escrow)  # by the release button
    assert WARNING not in _escrow_page(client, owner.user, escrow)  # the seller isn't releasing
    release_spend(escrow)
    assert WARNING in _escrow_page(client, buyer.user, escrow)  # on the release to sign
    order_actions.do_mark_shipped(order, owner.user, "DHL 123456")
    assert WARNING not in _escrow_page(client, buyer.user, escrow)
