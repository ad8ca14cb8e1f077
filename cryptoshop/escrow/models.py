"""2-of-3 escrow: the marketplace's cosigner key, participants' escrow keys, one escrow per
order, the spends proposed for it, disputes, and the event trail. A dispute's messages are
the order's conversation (cryptoshop/conversations), which the arbiter joins.

Only public keys of buyers and sellers are stored. The marketplace key is the one private
key on the server (encrypted at rest); on its own it can never complete a spend."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.chain.netstats import fee_source_label
from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.orders.models import Order


class Role(models.TextChoices):
    """Who acts in an escrow, as stored in events (actor), messages, disputes and spends.
    The buyer and the seller hold keys; staff act as the arbiter of a dispute; the
    marketplace co-signs and broadcasts; the system is the jobs (funding, settling)."""

    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"
    ARBITER = "arbiter", "Arbiter"
    MARKETPLACE = "marketplace", "Marketplace"
    SYSTEM = "system", "System"


def new_escrow_id() -> str:
    return "e_" + secrets.token_hex(8)


class MarketplaceKey(models.Model):
    """The marketplace cosigner, one per network: a BIP32 root kept as AES-256-GCM
    ciphertext (key from CRYPTOSHOP_DATA_KEYS or var/secrets.json), never logged."""

    network = models.CharField(max_length=10, unique=True)
    root = EncryptedTextField()  # tprv/xprv of the master key
    expression = models.CharField(max_length=200)  # [fingerprint/48h/1h/0h/2h]tpub…
    created_at = models.DateTimeField(default=timezone.now)


class EscrowKey(models.Model):
    """A buyer's or seller's escrow key: the account xpub only."""

    class Kind(models.TextChoices):
        BROWSER = "browser", "Made in your browser"
        SERVER = "server", "Made here, shown once"
        EXTERNAL = "external", "From your own wallet"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="escrow_key")
    network = models.CharField(max_length=10)
    expression = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The browser's password-encrypted phrase (opaque to us), so a new browser can sign.
    backup = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class EscrowCounter(models.Model):
    """Hands out indexes: "escrow:<network>" for escrow addresses (each order gets fresh keys
    of all three parties) and "fee:<wallet hash>" for the operator's fee addresses, taken
    only when a payout with a fee is planned so the fee wallet's gap limit holds."""

    name = models.CharField(max_length=80, unique=True)
    next_index = models.PositiveIntegerField(default=0)


class Escrow(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Waiting for payment"
        FUNDED = "funded", "Funded"
        DISPUTED = "disputed", "In dispute"
        SETTLING = "settling", "Payout sent, confirming"
        RELEASED = "released", "Released to the seller"
        REFUNDED = "refunded", "Refunded to the buyer"
        SPLIT = "split", "Split by the arbiter"

    OPEN = (Status.FUNDED, Status.DISPUTED)
    CLOSED = (Status.RELEASED, Status.REFUNDED, Status.SPLIT)

    public_id = models.CharField(max_length=24, unique=True, default=new_escrow_id,
                                 editable=False)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="escrow")
    network = models.CharField(max_length=10)
    index = models.PositiveIntegerField()
    # Copies of the three keys as they were when the address was made: replacing one's
    # key later never changes an existing escrow.
    buyer_key = models.CharField(max_length=200)
    seller_key = models.CharField(max_length=200)
    marketplace_key = models.CharField(max_length=200)
    descriptor = models.TextField()  # checksummed, at this index
    address = models.CharField(max_length=100, unique=True)
    script_pubkey = models.CharField(max_length=140)
    refund_address = models.CharField(max_length=100)
    payout_address = models.CharField(max_length=100, blank=True)  # set on first planning
    fee_address = models.CharField(max_length=100, blank=True)  # likewise
    # Terms fixed when the escrow is opened.
    fee_bps = models.PositiveIntegerField()  # marketplace fee, basis points
    fee_min_sat = models.BigIntegerField()
    fee_wallet = models.TextField(blank=True)
    auto_release_days = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT, db_index=True)
    funded_sat = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["network", "index"], name="escrow_unique_index"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Spend(models.Model):
    """A transaction proposed from the escrow: its exact plan, the PSBT with the
    signatures gathered so far, and what became of it."""

    class Kind(models.TextChoices):
        RELEASE = "release", "Release to the seller"
        REFUND = "refund", "Refund to the buyer"
        SPLIT = "split", "Dispute split"
        AUTO_RELEASE = "auto_release", "Auto-release to the seller"

    class Status(models.TextChoices):
        AWAITING_SIGNATURE = "awaiting", "Waiting for a signature"
        BROADCAST = "broadcast", "Broadcast"
        CONFIRMED = "confirmed", "Confirmed"
        SUPERSEDED = "superseded", "Superseded"

    class Signer(models.TextChoices):
        """Who must sign before the marketplace co-signs (a 50/50 split: either side)."""

        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        EITHER = "either", "Buyer or seller"

    escrow = models.ForeignKey(Escrow, on_delete=models.CASCADE, related_name="spends")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    signer = models.CharField(max_length=8)  # a Signer value
    # Inputs (txid, vout, value_sat, index), outputs (script, address, value_sat), fee_sat.
    plan = models.JSONField()
    psbt = models.TextField()  # base64
    unsigned_txid = models.CharField(max_length=64, db_index=True)
    fee_rate_sat_vb = models.PositiveIntegerField()
    # Where the rate came from: estimatesmartfee, mempool (btcd: tiers of the node's
    # mempool), esplora, or default (the node couldn't estimate); see chain/netstats.py.
    fee_rate_source = models.CharField(max_length=20, blank=True)
    # Who gets what, read off the plan's outputs when it is made, so analytics can sum the
    # seller's payouts and the marketplace's fee income as exact integers (the network fee
    # is the plan's fee_sat).
    seller_sat = models.BigIntegerField(default=0)
    buyer_sat = models.BigIntegerField(default=0)
    marketplace_fee_sat = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices,
                              default=Status.AWAITING_SIGNATURE)
    txid = models.CharField(max_length=64, blank=True)
    raw_tx = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The analytics refresh finds payouts confirmed since its last run.
        indexes = [models.Index(fields=["confirmed_at"], name="spend_confirmed_at")]

    @property
    def fee_rate_source_label(self) -> str:
        return fee_source_label(self.fee_rate_source)


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DECIDED = "decided", "Decided, waiting for a signature"
        CLOSED = "closed", "Closed"

    escrow = models.OneToOneField(Escrow, on_delete=models.CASCADE, related_name="dispute")
    opened_by = models.CharField(max_length=8)  # Role: buyer / seller
    reason = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    buyer_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)


class EscrowEvent(models.Model):
    escrow = models.ForeignKey(Escrow, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    actor = models.CharField(max_length=12)  # a Role value
    detail = models.CharField(max_length=300, blank=True)
    txid = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ").capitalize()
