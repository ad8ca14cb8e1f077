"""Regtest demo wallets: every demo store gets a watch-only wallet, so `make run` can sell
and get paid on the local chain in a minute. Regtest only — the mnemonic is the public
BIP39 test vector, which must never hold real coins."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.payments.actions import PayoutInput, do_set_payout
from cryptoshop.payments.models import PaymentSettings
from cryptoshop.stores.models import Store

DEMO_MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                 "abandon abandon about")


def ensure_demo_wallets() -> int:
    if settings.BITCOIN_NETWORK != "regtest":
        return 0
    root = root_from_mnemonic(DEMO_MNEMONIC, REGTEST)
    used = set(PaymentSettings.objects.values_list("descriptor", flat=True))
    made = 0
    account = 0
    for store in Store.objects.filter(payment_settings__isnull=True).order_by("pk"):
        while True:
            path = f"m/84h/1h/{1000 + account}h"
            tpub = key_origin(root, path) + account_xpub(root, path, REGTEST)
            account += 1
            if not any(tpub.split("]")[-1] in d for d in used):
                break
        do_set_payout(store, PayoutInput(descriptor=tpub, required_confirmations=1))
        made += 1
    return made
