"""`manage.py import_structure FILE.xlsx [--dry-run]`: municipalities, organizations and official
headcounts from the shell, the same service as the imports page."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cnppm import importers

from ._import_common import region_option, run


class Command(BaseCommand):
    help = "Импорт структуры региона (муниципалитеты, организации, официальная статистика) из XLSX."

    def add_arguments(self, parser):
        parser.add_argument("file", help="файл XLSX по шаблону структуры")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument("--region", help="код региона (если в портале их несколько)")

    def handle(self, *args, file, dry_run, region, **options):
        run(self, importers.structure_import, file, dry_run=dry_run, region=region_option(region))
