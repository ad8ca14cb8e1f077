"""Two payouts of one escrow signed at the same moment — the buyer's release and the
seller's refund: the marketplace co-signs exactly one of them (a row lock on the escrow),
the other is told another payout went out first. PostgreSQL only (real concurrency)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from cryptoshop.escrow import signing
from cryptoshop.escrow.models import Escrow, Spend
from tests.factories import (
    BUYER_SEED,
    SELLER_SEED,
    make_account,
    make_order,
    open_escrow,
    refund_spend,
    release_spend,
    seller,
    signed_by,
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_release_and_refund_signed_at_once_only_one_is_cosigned() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("race test needs real concurrent transactions: runs in the PostgreSQL tier")
    buyer = make_account()
    owner, store = seller(shipping_sat=0)
    escrow = open_escrow(make_order(buyer.user, store), Escrow.Status.FUNDED)
    release, refund = release_spend(escrow), refund_spend(escrow)
    uploads = [(buyer.user, signed_by(BUYER_SEED, escrow, release)),
               (owner.user, signed_by(SELLER_SEED, escrow, refund))]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def sign(index: int) -> None:
        user, psbt = uploads[index]
        try:
            fresh = Escrow.objects.select_related("order", "order__store").get(pk=escrow.pk)
            barrier.wait()
            signing.do_sign(signing.check_sign(fresh, user, psbt_text=psbt))
            results.append("cosigned")
        except Exception as exc:  # the loser: Conflict
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[0] == "Conflict: Another payout of this escrow went out first.", results
    assert sorted(results)[1] == "cosigned", results
    statuses: dict[str, Any] = dict(Spend.objects.filter(escrow=escrow)
                                    .values_list("kind", "status"))
    assert sorted(statuses.values()) == ["broadcast", "superseded"]
    escrow.refresh_from_db()
    assert escrow.status == "settling"
