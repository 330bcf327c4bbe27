"""python manage.py import_items FILE --instrument CODE [--variant N] [--replace] [--format ...]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cnppm.services import DomainError
from diagnostics.importers import FORMATS, ImportFailed
from diagnostics.services.authoring import items_import_file

from ._authoring_common import actor_by_username, instrument_by_code


class Command(BaseCommand):
    help = "Импорт банка заданий (Moodle XML, GIFT, шаблон XLSX) в диагностическую работу: всё или ничего."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--instrument", required=True, help="код работы")
        parser.add_argument("--variant", type=int, default=1, help="вариант для вопросов без «Вариант N»")
        parser.add_argument("--replace", action="store_true", help="удалить прежние задания работы")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), default="", help="по умолчанию — по расширению"
        )
        parser.add_argument("--user", help="имя пользователя-оператора, от имени которого вести журнал")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        instrument = instrument_by_code(options["instrument"])
        try:
            result = items_import_file(
                actor=actor_by_username(options.get("user")),
                instrument=instrument,
                data=path.read_bytes(),
                filename=path.name,
                fmt=options["format"],
                default_variant=options["variant"],
                replace=options["replace"],
            )
        except ImportFailed as exc:
            raise CommandError(
                "Файл не импортирован, ничего не сохранено:\n" + "\n".join(exc.errors)
            ) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        variants = ", ".join(map(str, result["variants"]))
        self.stdout.write(
            f"Импортировано заданий: {result['created']} (варианты {variants}) в «{instrument.code}»."
        )
