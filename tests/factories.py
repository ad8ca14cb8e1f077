"""Test data for every tier, made through the domain actions (the ``check_*``/``do_*``
functions), so each state a test starts from is one the app itself can reach.

Accounts, stores, listings, carts, orders and invoices come first; everything that needs
the escrow actions is in the last section (see "Escrow" below): cryptoshop/escrow/actions.py
is being split, and only the import lines marked there should need to change.

A few states no action can make without a node are set the way the watcher would set them,
and say so: an escrow marked funded, and a spend over a made-up funding outpoint.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from PIL import Image

from cryptoshop.accounts import actions as accounts
from cryptoshop.accounts import totp
from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic, root_from_seed
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import Outpoint, parse_psbt, serialize_psbt
from cryptoshop.cart.actions import do_add_to_cart, get_cart
from cryptoshop.cart.models import Cart
from cryptoshop.catalog.actions import ListingInput, do_add_image, do_create_listing
from cryptoshop.catalog.models import Category, Listing

# Escrow: cryptoshop/escrow/actions.py is being split; update these four import lines.
from cryptoshop.escrow import planning
from cryptoshop.escrow.keys import do_register_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.escrow.opening import check_open_escrow, do_open_escrow
from cryptoshop.orders.actions import CheckoutInput, do_checkout
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice, PaymentSettings
from cryptoshop.stores.actions import (
    ShippingInput,
    StoreInput,
    do_add_shipping_option,
    do_open_store,
)
from cryptoshop.stores.models import Store
from tests.escrow_keys import party

IP = "203.0.113.7"
SELLER_MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon "
                   "abandon abandon abandon about")


# --- accounts -------------------------------------------------------------------------------

@dataclass
class Account:
    user: User
    token: str


def make_account(display_name: str | None = None) -> Account:
    """A registered account (buyer or, once it opens a store, seller) and its token."""
    reg = accounts.do_register(display_name=display_name, client_ip=IP)
    return Account(reg.user, reg.token)


def enable_2fa(acct: Account) -> list[str]:
    """Turn 2FA on through the actions, with a real code; returns the recovery codes."""
    setup = accounts.do_begin_totp_setup(acct.user)
    code = totp.code_at(setup.secret, totp.current_step() - 1)
    codes = accounts.do_enable_totp(acct.user, code, client_ip=IP)
    acct.user.refresh_from_db()
    return codes


def fresh_code(user: User, offset: int = 0) -> str:
    """A code for a step not used yet (the drift window allows now-1 .. now+1)."""
    user.refresh_from_db()
    return totp.code_at(user.totp_secret, totp.current_step() + offset)


def operator(display_name: str | None = None, *, two_factor: bool = True,
             superuser: bool = True) -> Account:
    """A staff account as `manage.py create_operator` makes it (a moderator, an arbiter in
    escrow disputes), with 2FA turned on through the real actions unless told otherwise.
    ``superuser=False`` demotes it afterwards (no action makes plain staff)."""
    reg = accounts.do_create_operator(display_name=display_name)
    acct = Account(reg.user, reg.token)
    if not superuser:
        User.objects.filter(pk=acct.user.pk).update(is_superuser=False)
        acct.user.refresh_from_db()
    if two_factor:
        enable_2fa(acct)
    return acct


def user_of(acct: Account) -> User:
    acct.user.refresh_from_db()
    return acct.user


# --- stores and listings --------------------------------------------------------------------

def category(slug: str = "clothing", name: str = "Clothing", parent: Category | None = None,
             prohibited: bool = False) -> Category:
    """Categories are operator data (fixtures/admin), not made by a user action."""
    cat, _ = Category.objects.get_or_create(slug=slug, defaults={
        "name": name, "parent": parent, "prohibited": prohibited})
    return cat


def seller(name: str = "Wool & Co", slug: str = "", shipping_sat: int = 5_000) -> tuple[Account, Store]:
    """A new account with an open store and one shipping option ("Post", EU)."""
    acct = make_account()
    store = do_open_store(acct.user, StoreInput(name=name, slug=slug))
    do_add_shipping_option(store, ShippingInput(name="Post", regions="EU", cost_sat=shipping_sat))
    return acct, store


def listing(store: Store, title: str = "Blue wool hat", **overrides: Any) -> Listing:
    """An active listing (a physical hat for 25 000 sat unless overridden)."""
    if "category" not in overrides:
        overrides["category"] = category().slug
    fields: dict[str, Any] = {"title": title, "price_sat": 25_000, "status": "active",
                              "description": "A **fine** item.", "tags": ["wool", "winter"]}
    fields.update(overrides)
    return do_create_listing(store, ListingInput(**fields))


def png_bytes(width: int = 64, height: int = 48, color: str = "navy", exif: bytes | None = None,
              fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"exif": exif} if exif else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def with_image(item: Listing) -> Listing:
    do_add_image(item, png_bytes())
    return item


# --- carts and orders -----------------------------------------------------------------------

def cart_of(user: User) -> Cart:
    """The account's cart, made the way a signed-in request makes it."""
    request = RequestFactory().get("/cart/")
    request.user = user
    request.session = SessionStore()
    cart = get_cart(request, create=True)
    assert cart is not None
    return cart


def anonymous_cart() -> Cart:
    """A signed-out visitor's cart (its id lives in a fresh session)."""
    request = RequestFactory().get("/cart/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    cart = get_cart(request, create=True)
    assert cart is not None
    return cart


def add_to_cart(user: User, *items: Listing, quantity: int = 1) -> Cart:
    """``user``'s cart with ``quantity`` of each item added through the cart action."""
    cart = cart_of(user)
    for item in items:
        do_add_to_cart(cart, item.public_id, quantity, user=user)
    return cart


def checkout(user: User, cart: Cart, *, address: str = "", note: str = "",
             client_ip: str = "127.0.0.1") -> list[Order]:
    """Check the cart out, shipping each physical store's part by its first option."""
    stores = {item.listing.store for item in cart.items.select_related("listing__store")
              if item.listing.kind != "digital"}
    shipping = {store.pk: store.shipping_options.first().pk for store in stores}
    return do_checkout(user, cart, CheckoutInput(shipping=shipping, address=address, note=note),
                       client_ip=client_ip)


def make_order(buyer: User, store: Store, *, address: str = "1 Main Street x",
               **listing_fields: Any) -> Order:
    """``buyer``'s order for one new item of ``store`` through the cart and checkout: a
    digital item for FUNDED_SAT unless listing fields say otherwise."""
    fields: dict[str, Any] = {"price_sat": FUNDED_SAT, "kind": "digital",
                              "digital_text": "the goods"}
    fields.update(listing_fields)
    item = listing(store, **fields)
    [order] = checkout(buyer, add_to_cart(buyer, item), address=address)
    return order


# --- wallets and invoices -------------------------------------------------------------------

def seller_tpub(account: int = 0) -> str:
    """The seller's BIP84 account key; each store in a test gets its own account (two
    stores can't share a wallet)."""
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    path = f"m/84h/1h/{account}h"
    return key_origin(root, path) + account_xpub(root, path, REGTEST)


def payout(store: Store, descriptor: str, *, mode: str = "direct", confirmations: int = 1,
           minutes: int = 15, tolerance: str = "0",
           auto_release_days: int = 14) -> PaymentSettings:
    """The store's payout wallet and payment terms."""
    return pay.do_set_payout(store, pay.PayoutInput(
        descriptor=descriptor, required_confirmations=confirmations, invoice_minutes=minutes,
        tolerance_percent=Decimal(tolerance), mode=mode, auto_release_days=auto_release_days))


def invoice(order: Order, buyer: User, *, refund_address: str = "") -> Invoice:
    """The order's payment address (needs a chain backend configured)."""
    return pay.do_create_invoice(order, buyer, refund_address=refund_address,
                                 client_ip="127.0.0.1")


def refund_address(index: int = 0, seed: int = 1) -> str:
    """An address of the buyer's own single-key wallet (seed 1, BIP84 account 0)."""
    root = root_from_seed(bytes([seed]) * 32, REGTEST)
    wallet = parse_wallet_descriptor(key_origin(root, "m/84h/1h/0h")
                                     + account_xpub(root, "m/84h/1h/0h", REGTEST), REGTEST)
    return wallet.address(index)


# --- Escrow ---------------------------------------------------------------------------------
# Everything below uses the escrow actions imported at the top (marked).

BUYER_SEED, SELLER_SEED = 1, 2
FUNDED_SAT = 150_000
_escrow_wallets = iter(range(300, 10_000))


def give_escrow_key(user: User, seed: int) -> str:
    """Register the deterministic test key for ``seed`` as ``user``'s escrow key."""
    expression = party(seed)[1]
    do_register_key(user, expression, kind="external")
    return expression


def escrow_store(store: Store, *, seed: int = SELLER_SEED, auto_release_days: int = 14,
                 descriptor: str = "") -> PaymentSettings:
    """Make ``store`` take payment into escrow: its owner's escrow key, then the payout."""
    give_escrow_key(store.owner, seed)
    return payout(store, descriptor or seller_tpub(next(_escrow_wallets)), mode="escrow",
                  auto_release_days=auto_release_days)


def open_escrow(order: Order, status: str = Escrow.Status.AWAITING_PAYMENT, *,
                buyer_seed: int = BUYER_SEED, seller_seed: int = SELLER_SEED,
                refund: str = "", funded_sat: int | None = None) -> Escrow:
    """The order's escrow, opened through check_open_escrow/do_open_escrow with the
    deterministic keys of ``buyer_seed`` and ``seller_seed`` (the store is switched to
    escrow payments). With ``status="funded"`` it is then marked funded as the watcher
    would (no node here: no Payment rows, only the escrow's status and amount)."""
    store = order.store
    if not PaymentSettings.objects.filter(store=store, mode="escrow").exists():
        escrow_store(store, seed=seller_seed)
    give_escrow_key(order.buyer, buyer_seed)
    terms = check_open_escrow(order, order.buyer, refund or refund_address())
    do_open_escrow(terms)
    escrow = Escrow.objects.select_related("order", "order__store").get(order=order)
    if status == Escrow.Status.FUNDED:
        mark_funded(escrow, FUNDED_SAT if funded_sat is None else funded_sat)
    elif status != Escrow.Status.AWAITING_PAYMENT:
        raise ValueError(f"open_escrow makes awaiting or funded escrows, not {status!r}")
    return escrow


def mark_funded(escrow: Escrow, sat: int) -> Escrow:
    """The escrow's status and amount as the watcher records them once its coins confirm,
    set directly: there are no Payment rows (a payout planned from them finds no confirmed
    coins) and no "funded" event on the escrow's trail."""
    Escrow.objects.filter(pk=escrow.pk).update(status=Escrow.Status.FUNDED, funded_sat=sat)
    escrow.refresh_from_db()
    return escrow


def spend_over_made_up_outpoint(escrow: Escrow, kind: str = Spend.Kind.RELEASE,
                                signer: str = "buyer", payout_account: int = 41) -> Spend:
    """An awaiting spend of ``escrow`` over a made-up funding outpoint (no node: the PSBT
    carries the witness UTXO, which is all signing and the policy check need)."""
    esc = planning.escrow_script(escrow)
    to = parse_wallet_descriptor(seller_tpub(payout_account), REGTEST).script_pubkey(0)
    inputs = [btc_escrow.EscrowInput(Outpoint("ab" * 32, 0), FUNDED_SAT, escrow.index)]
    plan = btc_escrow.plan_spend(inputs, [], to, 2)
    psbt = btc_escrow.create_psbt(esc, plan)
    return Spend.objects.create(escrow=escrow, kind=kind, signer=signer,
                                plan=planning.plan_to_json(plan, escrow.network),
                                psbt=serialize_psbt(psbt),
                                unsigned_txid=bytes(psbt.tx.txid()).hex(), fee_rate_sat_vb=2)


def release_spend(escrow: Escrow) -> Spend:
    """The buyer's awaiting release to the seller's wallet (account 41)."""
    return spend_over_made_up_outpoint(escrow)


def refund_spend(escrow: Escrow) -> Spend:
    """The seller's awaiting refund (to the seller's account 42, a stand-in address)."""
    return spend_over_made_up_outpoint(escrow, Spend.Kind.REFUND, "seller", 42)


def signed_by(seed: int, escrow: Escrow, spend: Spend) -> str:
    """The spend's PSBT signed with the deterministic key of ``seed``."""
    root, _ = party(seed)
    psbt = parse_psbt(spend.psbt)
    btc_escrow.sign_psbt(planning.escrow_script(escrow), psbt,
                         planning.plan_from_json(spend.plan), root)
    return serialize_psbt(psbt)


@pytest.fixture
def trio() -> tuple[Account, Account, Account, Order]:
    """Buyer A, seller B (with a store), stranger C, and A's order from B's store (no
    escrow keys and no payout wallet yet)."""
    buyer = make_account()
    owner, store = seller(shipping_sat=0)
    stranger = make_account()
    return buyer, owner, stranger, make_order(buyer.user, store)


def live_world(ip: str = "203.0.113.9") -> dict[str, Any]:
    """The tests/realtime data (run inside the test server's environment): three accounts,
    an order from the seller's e-book store, and a second order whose escrow is funded.
    Returns the accounts' tokens and public ids and the order's and escrow's public ids."""
    seller_reg = accounts.do_register(display_name=None, client_ip=ip)
    buyer_reg = accounts.do_register(display_name=None, client_ip=ip)
    stranger_reg = accounts.do_register(display_name=None, client_ip=ip)
    books = category("ebooks", "E-books")
    store = do_open_store(seller_reg.user, StoreInput(name="Live Test Books"))
    book = listing(store, "A live e-book", category=books.slug, price_sat=21_000,
                   kind="digital", digital_text="https://example.invalid/download",
                   description="Words.", tags=[])
    [order] = checkout(buyer_reg.user, add_to_cart(buyer_reg.user, book), client_ip=ip)
    escrow_book = listing(store, "An escrow e-book", category=books.slug, price_sat=50_000,
                          kind="digital", digital_text="words", description="Words.", tags=[])
    [escrow_order] = checkout(buyer_reg.user, add_to_cart(buyer_reg.user, escrow_book),
                              client_ip=ip)
    escrow = open_escrow(escrow_order, Escrow.Status.FUNDED, buyer_seed=41, seller_seed=42,
                         funded_sat=50_000)
    return {
        "seller": {"token": seller_reg.token, "id": seller_reg.user.public_id},
        "buyer": {"token": buyer_reg.token, "id": buyer_reg.user.public_id},
        "stranger": {"token": stranger_reg.token, "id": stranger_reg.user.public_id},
        "order": order.public_id,
        "escrow": escrow.public_id,
    }
