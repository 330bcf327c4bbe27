"""`python manage.py import_catalogue FILE.xlsx [--user LOGIN]`: load the activity catalogue from
the template's XLSX, all rows or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from routes.importers import import_catalogue


class Command(BaseCommand):
    help = "Импорт каталога мероприятий ИОМ из XLSX (по шаблону): все строки или ни одной."

    def add_arguments(self, parser):
        parser.add_argument("file", help="путь к файлу XLSX")
        parser.add_argument("--user", help="логин оператора, от имени которого вносятся мероприятия")

    def handle(self, *args, file, user=None, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"Файл не найден: {path}")
        User = get_user_model()
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Нет пользователя {user}")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("Укажите --user: логин оператора ЦНППМ")
        result = import_catalogue(actor=actor, data=path.read_bytes())
        if not result.ok:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"Импорт отменён: ошибок {len(result.errors)}, ничего не добавлено.")
        self.stdout.write(self.style.SUCCESS(f"Добавлено мероприятий: {len(result.rows)}"))
