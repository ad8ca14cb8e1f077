"""Invoices, the addresses they pay to, payments seen on chain, and the watcher's state."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models
from django.utils import timezone

from cryptoshop.orders.models import Order
from cryptoshop.stores.models import Store


def new_invoice_id() -> str:
    return "i_" + secrets.token_hex(8)


class PaymentSettings(models.Model):
    """A store's payout wallet (watch-only: an xpub or descriptor) and invoice policy."""

    class Mode(models.TextChoices):
        DIRECT = "direct", "Direct to my wallet"
        ESCROW = "escrow", "2-of-3 escrow"

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="payment_settings")
    network = models.CharField(max_length=10)
    descriptor = models.TextField()  # checksummed receive descriptor
    change_descriptor = models.TextField(blank=True)
    # Escrow is the default for new stores, to protect buyers: the coins wait in a 2-of-3
    # multisig until they release them.
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ESCROW)
    auto_release_days = models.PositiveSmallIntegerField(default=14)
    next_index = models.PositiveIntegerField(default=0)
    required_confirmations = models.PositiveSmallIntegerField(default=1)
    invoice_minutes = models.PositiveSmallIntegerField(default=15)
    watch_hours = models.PositiveSmallIntegerField(default=24)
    tolerance_percent = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)


class AddressSlot(models.Model):
    """One receive address of a store's wallet, handed to at most one open invoice at a time.

    Free slots (never paid, watch window over) are reused before new indexes, so unpaid
    invoices don't burn through the seller's wallet gap limit."""

    class State(models.TextChoices):
        IN_USE = "in_use", "In use"
        FREE = "free", "Free for reuse"
        USED = "used", "Received a payment"

    settings = models.ForeignKey(PaymentSettings, on_delete=models.CASCADE, related_name="slots")
    index = models.PositiveIntegerField()
    address = models.CharField(max_length=100)
    script_pubkey = models.CharField(max_length=140, db_index=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.IN_USE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["settings", "index"], name="slot_unique_index"),
        ]
        indexes = [models.Index(fields=["settings", "state", "index"], name="slot_free")]


class Invoice(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "Waiting for payment"
        PROCESSING = "processing", "Paid, confirming"
        SETTLED = "settled", "Settled"
        EXPIRED = "expired", "Expired"
        INVALID = "invalid", "Invalid"

    public_id = models.CharField(max_length=24, unique=True, default=new_invoice_id,
                                 editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    # Direct payments take an address from the seller's wallet; escrow invoices pay the
    # order's multisig address instead and have no slot.
    slot = models.ForeignKey(AddressSlot, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="invoices")
    network = models.CharField(max_length=10)
    address = models.CharField(max_length=100, db_index=True)
    script_pubkey = models.CharField(max_length=140, db_index=True)
    amount_sat = models.BigIntegerField()
    rate_snapshot = models.ForeignKey("rates.RateSnapshot", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW,
                              db_index=True)
    # BTCPay-style exception marks; independent of the status.
    paid_partial = models.BooleanField(default=False)
    paid_over = models.BooleanField(default=False)
    paid_late = models.BooleanField(default=False)
    paid_sat = models.BigIntegerField(default=0)
    confirmed_sat = models.BigIntegerField(default=0)
    required_confirmations = models.PositiveSmallIntegerField()
    tolerance_percent = models.DecimalField(max_digits=4, decimal_places=2)
    refund_address = models.CharField(max_length=100, blank=True)
    created_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    watch_until = models.DateTimeField(db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The analytics refresh finds invoices settled since its last run; the watcher
        # finds the NEW invoices whose expiry passed without reading the others.
        indexes = [models.Index(fields=["settled_at"], name="invoice_settled_at"),
                   models.Index(fields=["status", "expires_at"], name="invoice_status_expiry")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def due_sat(self) -> int:
        return max(0, self.amount_sat - self.paid_sat)

    @property
    def expired_unpaid(self) -> bool:
        """Expired with nothing paid: the order needs a new invoice (and address) to be paid.
        An expired invoice that received coins is not replaced: those coins are watched."""
        return self.status == self.Status.EXPIRED and self.paid_sat == 0


class OutputState(models.TextChoices):
    MEMPOOL = "mempool", "Unconfirmed"
    CONFIRMED = "confirmed", "In a block"
    REPLACED = "replaced", "Replaced (RBF)"
    CONFLICTED = "conflicted", "Double-spent"
    DROPPED = "dropped", "Dropped from the mempool"


class SeenOutput(models.Model):
    """An output paying one of our watched addresses, as the watcher saw it: what a payment
    to an invoice and a refund to a buyer have in common."""

    State = OutputState

    txid = models.CharField(max_length=64)
    vout = models.PositiveIntegerField()
    value_sat = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=OutputState.choices,
                             default=OutputState.MEMPOOL)
    block_height = models.PositiveIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=64, blank=True, db_index=True)
    rbf = models.BooleanField(default=False)
    # Outpoints this transaction spends ("txid:vout"), to spot double-spends.
    inputs = models.JSONField(default=list)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["seen_at", "id"]

    @property
    def counts(self) -> bool:
        return self.state in (OutputState.MEMPOOL, OutputState.CONFIRMED)


class Payment(SeenOutput):
    """One output paying an invoice's address."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")

    class Meta(SeenOutput.Meta):
        constraints = [
            models.UniqueConstraint(fields=["txid", "vout"], name="payment_unique_output"),
        ]
        # Every poll reads the unconfirmed payments; the confirmed ones pile up forever.
        indexes = [models.Index(fields=["state"], name="payment_state")]


class InvoiceEvent(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)  # address_generated, payment_detected, …
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    txid = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class WatchedBlock(models.Model):
    """The blocks the watcher processed, by height: how it notices a reorg."""

    height = models.PositiveIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    processed_at = models.DateTimeField(default=timezone.now)


class WatcherState(models.Model):
    """The watcher's cursor and the leader lease (one row, name="chain")."""

    name = models.CharField(max_length=20, unique=True)
    network = models.CharField(max_length=10)
    cursor_height = models.IntegerField(null=True, blank=True)
    tip_height = models.IntegerField(null=True, blank=True)
    tip_hash = models.CharField(max_length=64, blank=True)
    tip_time = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    leader = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)


def new_refund_id() -> str:
    return "r_" + secrets.token_hex(8)


class Refund(models.Model):
    """Coins the seller sends back to the buyer's refund address from their OWN wallet: a
    cancelled order, an overpayment, or a partial payment that will never be completed.

    The marketplace never holds or signs these coins (direct mode pays the seller's wallet);
    it only shows the request (BIP21 + QR) and watches the address like an invoice's, so
    both sides can see the money went back."""

    class Kind(models.TextChoices):
        CANCEL = "cancel", "Order cancelled"
        OVERPAYMENT = "overpayment", "Overpayment"
        LEFTOVER = "leftover", "Unfinished payment"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the seller's payment"
        SEEN = "seen", "Sent, confirming"
        CONFIRMED = "confirmed", "Refunded"

    public_id = models.CharField(max_length=24, unique=True, default=new_refund_id,
                                 editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    network = models.CharField(max_length=10)
    # An address, not free text: the watcher needs its scriptPubKey in clear anyway.
    address = models.CharField(max_length=100)
    script_pubkey = models.CharField(max_length=140, db_index=True)
    amount_sat = models.BigIntegerField()  # what the seller was asked to send
    received_sat = models.BigIntegerField(default=0)  # counted (mempool or mined)
    confirmed_sat = models.BigIntegerField(default=0)
    required_confirmations = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING,
                              db_index=True)
    txids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.public_id

    @property
    def due_sat(self) -> int:
        return max(0, self.amount_sat - self.received_sat)


class RefundPayment(SeenOutput):
    """One output paying a refund's address."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="payments")

    class Meta(SeenOutput.Meta):
        constraints = [
            models.UniqueConstraint(fields=["txid", "vout"], name="refund_payment_unique_output"),
        ]
