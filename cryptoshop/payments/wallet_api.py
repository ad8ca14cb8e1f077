"""/api/bitcoin/wallet: the store's payout wallet and payment settings, over the same
action and validation as /sell/payments/ (payments.actions.do_set_payout). Any key of the
store may read it; changing it needs the account or a key with `wallet:write`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router
from pydantic import ConfigDict, Field

from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import CamelSchema, In, envelope, ok
from cryptoshop.core.errors import NotFound
from cryptoshop.payments import actions
from cryptoshop.payments.models import PaymentSettings
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.key_auth import key_or_account

router = Router(tags=["payments"])


class WalletIn(In):
    model_config = ConfigDict(extra="forbid")

    descriptor: str = Field(max_length=1000, description=(
        "watch-only account xpub / zpub (tpub / vpub on test networks) or output descriptor"))
    mode: Literal["escrow", "direct"] = "escrow"
    required_confirmations: Literal[0, 1, 2, 6] = 1
    invoice_minutes: int = Field(default=15, ge=5, le=240)
    watch_hours: int = Field(default=24, ge=1, le=168)
    tolerance_percent: str = Field(default="0", max_length=6, pattern=r"^\d{1,2}(\.\d{1,2})?$",
                                   description="accepted underpayment, percent (0–10)")
    auto_release_days: int = Field(default=14, ge=1, le=365)


class WalletOut(CamelSchema):
    network: str
    descriptor: str = Field(description="the normalised receive descriptor (with checksum)")
    change_descriptor: str
    first_addresses: list[str] = Field(description="compare with your wallet's first "
                                       "receive addresses")
    mode: str
    required_confirmations: int
    invoice_minutes: int
    watch_hours: int
    tolerance_percent: str
    auto_release_days: int


def wallet_out(ps: PaymentSettings) -> dict[str, Any]:
    return {"network": ps.network, "descriptor": ps.descriptor,
            "changeDescriptor": ps.change_descriptor,
            "firstAddresses": actions.first_addresses(ps), "mode": ps.mode,
            "requiredConfirmations": ps.required_confirmations,
            "invoiceMinutes": ps.invoice_minutes, "watchHours": ps.watch_hours,
            # Two places always (as stored), also for a value not yet read back.
            "tolerancePercent": str(Decimal(ps.tolerance_percent).quantize(Decimal("0.01"))),
            "autoReleaseDays": ps.auto_release_days}


@router.get("/wallet", auth=key_or_account(None), response=envelope(WalletOut), by_alias=True)
def get_wallet(request: HttpRequest) -> dict[str, Any]:
    """Your store's payout wallet (404 until one is set)."""
    ps = PaymentSettings.objects.filter(store=own_store(api_caller(request))).first()
    if ps is None:
        raise NotFound("No payout wallet yet: PUT one.")
    return ok(wallet_out(ps))


@router.put("/wallet", auth=key_or_account("wallet:write"), response=envelope(WalletOut),
            by_alias=True)
def put_wallet(request: HttpRequest, payload: WalletIn) -> dict[str, Any]:
    """Set the payout wallet and payment settings (validated as on /sell/payments/: the
    wallet must be of this shop's network and not another store's; escrow needs your
    escrow key)."""
    store = own_store(api_caller(request))
    ps = actions.do_set_payout(store, actions.PayoutInput(
        descriptor=payload.descriptor, required_confirmations=payload.required_confirmations,
        invoice_minutes=payload.invoice_minutes, watch_hours=payload.watch_hours,
        tolerance_percent=Decimal(payload.tolerance_percent), mode=payload.mode,
        auto_release_days=payload.auto_release_days))
    return ok(wallet_out(ps), "Wallet saved: compare firstAddresses with your wallet.")
