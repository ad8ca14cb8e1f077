"""Figures that describe now rather than a history — orders by status, escrow held, the
latest payouts — read straight from their tables (indexed, small answers) by both the
rollup and the reference paths."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice, Payment
from cryptoshop.stores.models import Store

PAYOUTS_SHOWN = 20
HELD = (Escrow.Status.FUNDED, Escrow.Status.DISPUTED, Escrow.Status.SETTLING)


def escrow_held(store: Store | None = None) -> dict[str, int]:
    """Coins waiting in escrow now (funded, disputed, or paid out but not yet confirmed)."""
    qs = Escrow.objects.filter(status__in=HELD)
    if store is not None:
        qs = qs.filter(order__store=store)
    got = qs.aggregate(n=Count("id"), sat=Sum("funded_sat"))
    return {"count": int(got["n"] or 0), "sat": int(got["sat"] or 0)}


def orders_by_status(store: Store) -> list[dict[str, Any]]:
    counts = dict(Order.objects.filter(store=store).order_by().values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    return [{"status": value, "label": str(name), "orders": counts.get(value, 0)}
            for value, name in Order.Status.choices]


def payouts(store: Store) -> list[dict[str, Any]]:
    """The store's latest payouts with their txids: escrow payouts to the seller and, for
    direct payments, the buyer's payment itself (it paid the seller's own wallet)."""
    escrow: list[dict[str, Any]] = [
              {"at": s.confirmed_at or s.broadcast_at, "txid": s.txid, "sat": s.seller_sat,
               "order": s.escrow.order.public_id, "kind": s.get_kind_display(),
               "confirmed": s.status == Spend.Status.CONFIRMED}
              for s in Spend.objects.filter(escrow__order__store=store, seller_sat__gt=0,
                                            status__in=(Spend.Status.BROADCAST,
                                                        Spend.Status.CONFIRMED))
              .select_related("escrow__order").order_by("-broadcast_at")[:PAYOUTS_SHOWN]]
    direct: list[dict[str, Any]] = [{"at": p.seen_at, "txid": p.txid, "sat": p.value_sat,
               "order": p.invoice.order.public_id, "kind": "Direct payment",
               "confirmed": p.state == Payment.State.CONFIRMED}
              for p in Payment.objects.filter(invoice__order__store=store,
                                              invoice__slot__isnull=False,
                                              invoice__status=Invoice.Status.SETTLED)
              .select_related("invoice__order").order_by("-seen_at")[:PAYOUTS_SHOWN]]
    return sorted(escrow + direct, key=lambda p: p["at"], reverse=True)[:PAYOUTS_SHOWN]
