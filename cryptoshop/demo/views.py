"""Regtest demo buttons: "Pay with the demo wallet" on the pay page and "Mine a block" on the
pay and escrow pages. Real transactions and real blocks on the local regtest node that
`make run` starts; on any other network these pages don't exist."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cryptoshop.accounts.who import page_user
from cryptoshop.chain.configured import regtest_dir
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.core.errors import ActionError, NotFound
from cryptoshop.escrow.access import escrow_for
from cryptoshop.orders import actions as order_actions
from cryptoshop.payments.actions import open_invoice
from cryptoshop.payments.views import note_payment_sent

logger = logging.getLogger(__name__)


def _demo_node() -> RegtestNode:
    if not settings.DEMO_WALLET or settings.BITCOIN_NETWORK != "regtest":
        raise NotFound("The demo wallet only exists on regtest.")
    if not RegtestNode.has_state(regtest_dir()):
        raise ActionError("The regtest node isn't running (manage.py regtest start).")
    return RegtestNode.attach(regtest_dir())


@login_required
@require_POST
def demo_pay(request: HttpRequest, public_id: str) -> HttpResponse:
    """Regtest only: pay what is due from the harness's mined coins (a real transaction)."""
    order = order_actions.order_for_buyer(page_user(request), public_id)
    invoice = open_invoice(order)
    if invoice is None or invoice.due_sat == 0:
        messages.info(request, "Nothing is due.")
        return redirect("payments:pay", public_id=public_id)
    try:
        txid = _demo_node().fund(invoice.address, invoice.due_sat)
        note_payment_sent(request, invoice, txid)
        messages.success(request, f"The demo wallet sent {invoice.due_sat:,} sats "
                                  f"(transaction {txid[:16]}…).")
    except ActionError as exc:
        messages.error(request, exc.message)
    except Exception as exc:  # the node's own error, shown to the demo user
        logger.warning("demo wallet failed: %s", exc)
        messages.error(request, f"The demo wallet could not pay: {exc}")
    return redirect("payments:pay", public_id=public_id)


@login_required
@require_POST
def mine_for_order(request: HttpRequest, public_id: str) -> HttpResponse:
    order_actions.order_for_buyer(page_user(request), public_id)
    mine_demo_block(request)
    return redirect("payments:pay", public_id=public_id)


def mine_demo_block(request: HttpRequest) -> None:
    """Regtest demo: mine one block on the local node, saying how it went."""
    try:
        _demo_node().mine(1)
        messages.success(request, "Mined a block.")
    except ActionError as exc:
        messages.error(request, exc.message)
    except Exception as exc:  # the node's own error, shown to the demo user
        messages.error(request, f"Could not mine: {exc}")


@login_required
@require_POST
def mine_for_escrow(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mine a block so an escrow payout confirms."""
    escrow, _role = escrow_for(page_user(request), public_id)
    mine_demo_block(request)
    return redirect("escrow:detail", public_id=escrow.public_id)
