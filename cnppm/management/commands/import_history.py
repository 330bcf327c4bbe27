"""`manage.py import_history FILE.xlsx [--dry-run] [--what history|events|staff-training]`: the
history before the portal (issue 10.2) from the shell, the same services as the imports page: past
diagnostics and routes with their dates (default), regional events, staff training."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ._import_common import region_option, run


def _services():
    from monitoring.services import records_import
    from routes import history

    return {
        "history": history.history_import,
        "events": records_import.regional_events_import,
        "staff-training": records_import.staff_training_import,
    }


class Command(BaseCommand):
    help = (
        "Импорт истории до портала из XLSX: диагностика и ИОМ прошлых лет с датами (по умолчанию), "
        "региональные мероприятия (--what events) или обучение сотрудников (--what staff-training)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="файл XLSX по шаблону со страницы импорта")
        parser.add_argument(
            "--what",
            choices=("history", "events", "staff-training"),
            default="history",
            help="что загружается",
        )
        parser.add_argument("--dry-run", action="store_true", help="только проверить, ничего не записывать")
        parser.add_argument("--region", help="код региона (если в портале их несколько)")

    def handle(self, *args, file, what, dry_run, region, **options):
        run(self, _services()[what], file, dry_run=dry_run, region=region_option(region))
