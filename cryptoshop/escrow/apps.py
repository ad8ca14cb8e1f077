from django.apps import AppConfig


class EscrowConfig(AppConfig):
    name = "cryptoshop.escrow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cryptoshop.escrow import hooks

        hooks.install()
