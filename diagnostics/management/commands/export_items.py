"""python manage.py export_items --instrument CODE [--format moodle_xml|xlsx] [-o FILE]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from diagnostics.exporters import items_to_moodle_xml, items_to_xlsx

from ._authoring_common import instrument_by_code


class Command(BaseCommand):
    help = "Выгрузка заданий работы в Moodle XML (или в шаблон XLSX портала)."

    def add_arguments(self, parser):
        parser.add_argument("--instrument", required=True)
        parser.add_argument("--format", choices=["moodle_xml", "xlsx"], default="moodle_xml")
        parser.add_argument("-o", "--output", help="файл; по умолчанию — стандартный вывод (только XML)")

    def handle(self, *args, **options):
        instrument = instrument_by_code(options["instrument"])
        skipped = 0
        if options["format"] == "xlsx":
            data = items_to_xlsx(instrument)
        else:
            data, skipped = items_to_moodle_xml(instrument)
        if options.get("output"):
            Path(options["output"]).write_bytes(data)
            self.stdout.write(f"Сохранено: {options['output']}")
        else:
            sys.stdout.buffer.write(data)
        if skipped:
            self.stderr.write(f"Пропущено заданий самоанализа (в Moodle нет такого типа): {skipped}")
