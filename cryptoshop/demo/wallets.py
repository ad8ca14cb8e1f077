"""Regtest demo wallets: every demo store gets a watch-only wallet and its seller an escrow
key, so `make run` can sell and get paid on the local chain in a minute. Regtest only — the
mnemonic is the public BIP39 test vector, which must never hold real coins.

All demo stores take escrow (the default for new stores) except Highland Roasters, which is
paid directly, so both flows can be tried side by side."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.escrow.keys import do_register_key, key_of
from cryptoshop.payments.actions import PayoutInput, do_set_payout
from cryptoshop.payments.models import PaymentSettings
from cryptoshop.stores.models import Store

DEMO_MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                 "abandon abandon about")
DIRECT_DEMO_STORES = ("highland-roasters",)
FEE_WALLET_PATH = "m/84h/1h/999h"


def demo_fee_wallet() -> str:
    """The operator fee wallet `make run` uses (watch-only, from the test vector)."""
    root = root_from_mnemonic(DEMO_MNEMONIC, REGTEST)
    return key_origin(root, FEE_WALLET_PATH) + account_xpub(root, FEE_WALLET_PATH, REGTEST)


def demo_wallet_count() -> int:
    """How many stores have a wallet on the regtest demo (0 on any other network)."""
    if settings.BITCOIN_NETWORK != "regtest":
        return 0
    return PaymentSettings.objects.filter(network="regtest").count()


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
        direct = store.slug in DIRECT_DEMO_STORES
        if not direct and key_of(store.owner) is None:
            # The demo seller's escrow key: the test vector at a BIP48 account of its own,
            # so the demo seller can sign refunds by typing the (public) demo phrase.
            escrow_path = f"m/48h/1h/{store.pk}h/2h"
            do_register_key(store.owner, key_origin(root, escrow_path)
                            + account_xpub(root, escrow_path, REGTEST), kind="server")
        do_set_payout(store, PayoutInput(descriptor=tpub, required_confirmations=1,
                                         mode="direct" if direct else "escrow",
                                         auto_release_days=7))
        made += 1
    return made
