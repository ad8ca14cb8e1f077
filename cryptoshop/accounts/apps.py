from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cryptoshop.accounts"
    label = "accounts"
    verbose_name = "Accounts"
