from cryptoshop.core.apps import WiredAppConfig


class EscrowConfig(WiredAppConfig):
    name = "cryptoshop.escrow"
    label = "escrow"
    verbose_name = "Escrow"
