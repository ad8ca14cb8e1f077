from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Everything that exists only for a first look at the shop: demo stores and listings
    (`seed_demo`), first-run setup (`first_run`), regtest demo wallets, and the "Pay with the
    demo wallet" / "Mine a block" buttons. Nothing in the other apps depends on it."""

    name = "cryptoshop.demo"
    label = "demo"
    verbose_name = "Demo shop"
