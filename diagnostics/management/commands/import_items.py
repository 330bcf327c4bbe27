"""python manage.py import_items FILE --instrument CODE [--block CODE] [--map "категория=БЛОК" ...]
[--variant N] [--replace] [--format ...] [--dry-run]

Without --dry-run the file is imported at once (all or nothing); with it the preview is printed (the
categories as Moodle reads them, the questions of each kind in each, the questions left out and why,
the notes) and nothing is written."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cnppm.services import DomainError
from diagnostics.importers import FORMATS, ImportFailed, detect_format, parse_bank
from diagnostics.services.authoring import items_import_file
from diagnostics.services.item_import import bank_apply_mapping, bank_preview

from ._authoring_common import actor_by_username, instrument_by_code


def _mapping(values: list[str]) -> dict[str, str]:
    mapping = {}
    for value in values or []:
        category, sep, block = value.rpartition("=")
        if not sep or not category.strip() or not block.strip():
            raise CommandError(f"--map «{value}»: нужно «категория=БЛОК».")
        mapping[category.strip()] = block.strip()
    return mapping


class Command(BaseCommand):
    help = "Импорт банка заданий (Moodle XML, GIFT, шаблон XLSX) в диагностическую работу: всё или ничего."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--instrument", required=True, help="код работы")
        parser.add_argument("--block", default="", help="один блок (код или название) для всего файла")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="КАТЕГОРИЯ=БЛОК",
            help="блок для категории (как в предпросмотре: «Раздел / Подраздел»); можно несколько раз",
        )
        parser.add_argument("--variant", type=int, default=1, help="вариант для вопросов без «Вариант N»")
        parser.add_argument("--replace", action="store_true", help="удалить прежние задания работы")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), default="", help="по умолчанию — по расширению"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="только предпросмотр, ничего не записывать"
        )
        parser.add_argument("--user", help="имя пользователя-оператора, от имени которого вести журнал")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Файл не найден: {path}")
        instrument = instrument_by_code(options["instrument"])
        mapping = _mapping(options["map"])
        try:
            if options["dry_run"]:
                self._preview(path, instrument, options, mapping)
                return
            result = items_import_file(
                actor=actor_by_username(options.get("user")),
                instrument=instrument,
                data=path.read_bytes(),
                filename=path.name,
                fmt=options["format"],
                default_variant=options["variant"],
                replace=options["replace"],
                mapping=mapping,
                block=options["block"],
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
        for line in result["skipped"]:
            self.stdout.write(f"Не импортирован {line}")
        for line in result["notes"]:
            self.stdout.write(f"Примечание: {line}")

    def _preview(self, path, instrument, options, mapping) -> None:
        fmt = options["format"] or detect_format(path.name)
        bank = parse_bank(path.read_bytes(), filename=path.name, fmt=fmt)
        preview = bank_preview(bank=bank, instrument=instrument, fmt=fmt, default_variant=options["variant"])
        self.stdout.write(f"Предпросмотр «{path.name}» ({FORMATS[fmt][0]}): ничего не записано.")
        for c in preview["categories"]:
            kinds = ", ".join(f"{k['kind']} — {k['n']}" for k in c["kinds"]) or "нет вопросов для импорта"
            block = c["block"] or "блок не выбран"
            left = f"; пропущено: {c['left_out']}" if c["left_out"] else ""
            self.stdout.write(f"  {c['label']}: {c['items']} ({kinds}){left} → {block}")
        for s in preview["skipped"]:
            self.stdout.write(f"Не будет импортирован {s['ref']}: {s['reason']}")
        for note in preview["notes"]:
            self.stdout.write(f"Примечание: {note}")
        bank_apply_mapping(bank=bank, instrument=instrument, mapping=mapping, block=options["block"])
        self.stdout.write(f"Готово к импорту: {preview['total']} (блоки назначены всем категориям).")
