"""python manage.py import_results FILE.xlsx --instrument CODE [--source ФИОКО]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cnppm.services import DomainError
from diagnostics.importers import ImportFailed
from diagnostics.services.results_import import results_import

from ._authoring_common import actor_by_username, instrument_by_code


class Command(BaseCommand):
    help = "Импорт внешних результатов диагностики (XLSX: по людям и блокам): всё или ничего."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--instrument", required=True, help="код работы")
        parser.add_argument("--source", default="", help="источник, если в файле нет столбца «Источник»")
        parser.add_argument("--user", help="имя пользователя-оператора: искать людей в его области доступа")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        instrument = instrument_by_code(options["instrument"])
        try:
            result = results_import(
                actor=actor_by_username(options.get("user")),
                instrument=instrument,
                data=path.read_bytes(),
                source=options["source"],
            )
        except ImportFailed as exc:
            raise CommandError(
                "Файл не импортирован, ничего не сохранено:\n" + "\n".join(exc.errors)
            ) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Внешние результаты «{instrument.code}»: добавлено {result['created']}, обновлено {result['updated']}."
        )
