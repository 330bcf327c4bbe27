"""`manage.py import_roster FILE.xlsx [--dry-run] [--credentials OUT.xlsx]`: the roster import from
the shell, the same service as the imports page."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cnppm import importers
from cnppm.models import Person

from ._import_common import region_option, run


class Command(BaseCommand):
    help = "Импорт реестра педагогов и сотрудников из XLSX (все строки проверяются до записи)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="файл XLSX по шаблону реестра")
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument("--region", help="код региона (если в портале их несколько)")
        parser.add_argument(
            "--credentials",
            help="куда записать XLSX с логинами и ссылками для входа новых учётных записей",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="адрес портала для ссылок (по умолчанию %(default)s)",
        )

    def handle(self, *args, file, dry_run, region, credentials, base_url, **options):
        report = run(self, importers.roster_import, file, dry_run=dry_run, region=region_option(region))
        if dry_run or not report.new_user_ids:
            return
        if not credentials:
            self.stdout.write(
                "Ссылки для входа новых учётных записей можно выгрузить со страницы «Импорт» или повторив "
                "команду с --credentials."
            )
            return

        def people():
            ids = report.new_user_ids
            for i in range(0, len(ids), 2000):
                yield from (
                    Person.objects.filter(user_id__in=ids[i : i + 2000])
                    .select_related("user", "organization__municipality")
                    .order_by("id")
                )

        content, count = importers.credentials_workbook(people(), base_url=base_url)
        with open(credentials, "wb") as fh:
            fh.write(content)
        self.stdout.write(f"Учётные данные ({count}) записаны в {credentials}")
