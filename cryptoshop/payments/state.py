"""The invoice state machine as a pure function (BTCPay's semantics), so every rule is
unit-testable without a chain or a database.

Statuses: new → processing → settled; new → expired; invalid. Exception marks, independent
of the status: paid_partial, paid_over, paid_late. Amounts are integer sats throughout;
the tolerance is applied with integer arithmetic (basis points)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

NEW, PROCESSING, SETTLED, EXPIRED, INVALID = "new", "processing", "settled", "expired", "invalid"


@dataclass(frozen=True)
class SeenPayment:
    value_sat: int
    seen_at: datetime
    height: int | None  # None while unconfirmed
    rbf: bool
    counts: bool  # False once replaced, double-spent or dropped


@dataclass(frozen=True)
class InvoiceState:
    status: str
    paid_sat: int
    confirmed_sat: int
    paid_partial: bool
    paid_over: bool
    paid_late: bool


def threshold_sat(amount_sat: int, tolerance_percent: Decimal) -> int:
    """The least payment that counts as full: amount minus the tolerance, rounded so the
    buyer never has to pay more than `amount_sat` (floor of the allowance)."""
    basis_points = int((tolerance_percent * 100).to_integral_value())
    return amount_sat - (amount_sat * basis_points) // 10_000


def confirmations(height: int | None, tip_height: int) -> int:
    return 0 if height is None or height > tip_height else tip_height - height + 1


def needed_confirmations(required: int, payment: SeenPayment) -> int:
    # A payment that signals replaceability can be swapped for one paying elsewhere until
    # it is mined, so it never settles at 0 confirmations.
    return max(required, 1) if payment.rbf else required


def compute(*, amount_sat: int, tolerance_percent: Decimal, required_confirmations: int,
            expires_at: datetime, now: datetime, tip_height: int,
            payments: list[SeenPayment], previous_status: str) -> InvoiceState:
    counted = [p for p in payments if p.counts]
    paid_sat = sum(p.value_sat for p in counted)
    confirmed_sat = sum(p.value_sat for p in counted
                        if confirmations(p.height, tip_height) >= needed_confirmations(
                            required_confirmations, p))
    enough_sat = threshold_sat(amount_sat, tolerance_percent)
    full = paid_sat >= enough_sat

    # Late: the payment that made the total reach the threshold arrived after expiry.
    late = False
    running_sat = 0
    for payment in sorted(counted, key=lambda p: p.seen_at):
        running_sat += payment.value_sat
        if running_sat >= enough_sat:
            late = payment.seen_at > expires_at
            break

    if confirmed_sat >= enough_sat:
        status = SETTLED
    elif full:
        status = PROCESSING
    elif previous_status in (PROCESSING, SETTLED, INVALID):
        # It was paid, and a replacement or double-spend took the payment away.
        status = INVALID
    elif now >= expires_at:
        status = EXPIRED
    else:
        status = NEW
    return InvoiceState(
        status=status, paid_sat=paid_sat, confirmed_sat=confirmed_sat,
        paid_partial=0 < paid_sat < enough_sat, paid_over=paid_sat > amount_sat,
        paid_late=full and late,
    )


REFUND_WAITING, REFUND_SEEN, REFUND_CONFIRMED = "waiting", "seen", "confirmed"


@dataclass(frozen=True)
class RefundState:
    status: str
    received_sat: int
    confirmed_sat: int


def compute_refund(*, amount_sat: int, required_confirmations: int, tip_height: int,
                   payments: list[SeenPayment]) -> RefundState:
    """A refund (the seller paying the buyer's refund address) by the invoices' rules:
    payments add up, RBF needs a block, and it is done once the requested amount has its
    confirmations. A payment that vanishes (replaced, dropped, reorged out and not back)
    stops counting, so the refund falls back to seen or waiting."""
    counted = [p for p in payments if p.counts]
    received_sat = sum(p.value_sat for p in counted)
    confirmed_sat = sum(p.value_sat for p in counted
                        if confirmations(p.height, tip_height) >= needed_confirmations(
                            required_confirmations, p))
    if confirmed_sat >= amount_sat > 0:
        status = REFUND_CONFIRMED
    elif received_sat:
        status = REFUND_SEEN
    else:
        status = REFUND_WAITING
    return RefundState(status=status, received_sat=received_sat, confirmed_sat=confirmed_sat)
