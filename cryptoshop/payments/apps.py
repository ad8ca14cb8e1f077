from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "cryptoshop.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from cryptoshop.payments import hooks

        hooks.install()
