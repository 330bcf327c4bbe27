from django.apps import AppConfig


class CnppmConfig(AppConfig):
    name = "cnppm"
    verbose_name = "Справочник"

    def ready(self):
        from . import signals  # noqa: F401
