"""`manage.py create_region --code R2 --name "Вторая область" [--timezone Asia/Vladivostok]
[--structure FILE.xlsx]`: a new region of the installation, with its municipalities and organizations
from the structure template when a file is given (all or nothing). Its people come next with
`import_roster FILE --region R2`; its indicators with `compute_indicators --period P --region R2`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cnppm.regions import region_create
from cnppm.services import DomainError


class Command(BaseCommand):
    help = "Создать регион (и, если указан файл структуры, его муниципалитеты и организации)."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="код региона, например R27")
        parser.add_argument("--name", required=True, help="название, например «Хабаровский край»")
        parser.add_argument(
            "--timezone", default="Europe/Moscow", help="часовой пояс, например Asia/Vladivostok"
        )
        parser.add_argument(
            "--structure", help="файл XLSX по шаблону структуры (муниципалитеты, организации)"
        )

    def handle(self, *args, code, name, timezone, structure=None, **options):
        try:
            if structure:
                try:
                    with open(structure, "rb") as fh:
                        result = region_create(
                            actor=None,
                            name=name,
                            code=code,
                            timezone=timezone,
                            structure=fh,
                            filename=structure,
                        )
                except (FileNotFoundError, IsADirectoryError):
                    raise CommandError(f"Файл не найден: {structure}") from None
            else:
                result = region_create(actor=None, name=name, code=code, timezone=timezone)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if result.errors:
            for error in result.errors[:200]:
                self.stderr.write(str(error))
            raise CommandError(f"{result.report.summary()} Регион не создан.")
        region = result.region
        self.stdout.write(self.style.SUCCESS(f"Регион «{region.name}» (код {region.code}) создан."))
        if result.report is not None:
            self.stdout.write(result.report.summary())
