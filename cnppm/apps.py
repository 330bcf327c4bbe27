from django.apps import AppConfig


class CnppmConfig(AppConfig):
    name = "cnppm"
    verbose_name = "Справочник"

    def ready(self):
        from . import api_tokens, auth_limits, signals  # noqa: F401  (signal receivers)
