from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "soonish.accounts"
    label = "accounts"
    verbose_name = "Accounts"
