from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "routes"
    verbose_name = "ИОМ"

    def ready(self):
        from . import card_pdf_signals  # noqa: F401  (stored card PDFs follow the card's edits)
