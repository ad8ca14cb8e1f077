from django.apps import AppConfig


class SellConfig(AppConfig):
    """The seller's back office under /sell/: dashboard, store, listings, orders, payouts.
    Pages only: each acts through the owning app's actions (stores, catalog, orders,
    payments)."""

    name = "cryptoshop.sell"
    label = "sell"
    verbose_name = "Seller back office"
