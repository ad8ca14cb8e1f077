"""Idempotent first-run setup for `make run`: an operator account and demo data, once."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from cryptoshop.accounts.actions import do_create_operator, do_rotate_token
from cryptoshop.accounts.models import User
from cryptoshop.demo.seed_webhooks import seed_webhook
from cryptoshop.demo.wallets import DEMO_MNEMONIC, demo_wallet_count, ensure_demo_wallets
from cryptoshop.escrow.keys import marketplace_key
from cryptoshop.stores.models import Store


class Command(BaseCommand):
    help = ("Create the operator account on the first run (its token is printed once) and "
            "load the demo shop (manage.py seed_demo; skipped with CRYPTOSHOP_DEMO_DATA=0).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}",
            help="where this server will listen (the demo webhook points at it)")

    def handle(self, *args: Any, **options: Any) -> None:
        # The escrow cosigner exists from the first start (encrypted at rest), so its
        # public key is in every escrow address from the first order on.
        marketplace_key()
        marker = settings.VAR_DIR / "first-run.done"
        if marker.exists():
            return
        operator_created = not User.objects.filter(is_staff=True).exists()
        if operator_created:
            reg = do_create_operator(display_name="operator")
            self.stdout.write(self.style.WARNING(
                "\nAn operator (staff) account was created for this shop.\n"
                f"  Access token: {reg.token}\n"
                "  It is shown only now: keep it. Log in, turn on two-factor "
                "authentication, then open /admin/.\n"
            ))
        if os.environ.get("CRYPTOSHOP_DEMO_DATA", "1").strip().lower() not in {"0", "false",
                                                                               "no", "off"}:
            call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
            # The demo history (inside seed_demo) sets the wallets up first when it runs.
            ensure_demo_wallets()
            wallets = demo_wallet_count()
            if wallets:
                self.stdout.write(f"Demo: {wallets} store wallet(s) on regtest (watch-only).")
                self._demo_seller()
            if seed_webhook(options["base_url"]) is not None:
                self.stdout.write("Demo: Cold Storage Co. sends webhooks to the demo receiver "
                                  "(see /sell/webhooks/ as its seller).")
            if operator_created:
                self.stdout.write(self.style.WARNING(
                    "(The operator's access token is printed above, before the demo data.)"))
        marker.write_text("done\n", encoding="utf-8")

    def _demo_seller(self) -> None:
        """Regtest demo: a way in as one escrow seller, to ship, refund or claim."""
        store = Store.objects.filter(slug="cold-storage-co").select_related("owner").first()
        if store is None:
            return
        token = do_rotate_token(store.owner)
        self.stdout.write(
            f"Demo seller of {store.name} (escrow): log in with {token}\n"
            f"  Its escrow phrase (the public BIP39 test vector, regtest only): {DEMO_MNEMONIC}")
