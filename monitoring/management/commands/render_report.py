"""python manage.py render_report KIND --period P [--municipality CODE] [--compare-with P0] -o FILE.pdf|.xlsx

Renders a report synchronously from the shell (the same Report classes the Celery task uses)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cnppm.models import Municipality, Region
from cnppm.services import DomainError
from monitoring.reports import REGISTRY, report_class
from monitoring.services.computation import period_get_or_create


class Command(BaseCommand):
    help = "Сформировать отчёт мониторинга в PDF или XLSX: " + ", ".join(REGISTRY)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(REGISTRY), help="вид отчёта")
        parser.add_argument("--period", required=True, help="код периода: 2024-Q2, 2024-H1, 2024, 2024-W1")
        parser.add_argument("--municipality", help="код муниципалитета (для муниципального письма)")
        parser.add_argument("--compare-with", dest="compare_with", help="код периода для сравнения")
        parser.add_argument("--region", help="код региона (по умолчанию — первый)")
        parser.add_argument("-o", "--output", required=True, help="файл .pdf или .xlsx")

    def handle(self, *args, kind, period, municipality, compare_with, region, output, **options):
        path = Path(output)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "xlsx"):
            raise CommandError("Имя файла должно оканчиваться на .pdf или .xlsx.")
        try:
            region_obj = None
            if region:
                region_obj = Region.objects.filter(code=region).first()
                if region_obj is None:
                    raise DomainError(f"Регион с кодом «{region}» не найден.")
            period_obj = period_get_or_create(period, region=region_obj)
            muni = None
            if municipality:
                muni = Municipality.objects.filter(code=municipality, region=period_obj.region).first()
                if muni is None:
                    raise DomainError(f"Муниципалитет с кодом «{municipality}» не найден в регионе.")
            before = period_get_or_create(compare_with, region=period_obj.region) if compare_with else None
            report = report_class(kind)(period=period_obj, municipality=muni, compare_with=before)
            content = report.render(fmt)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        path.write_bytes(content)
        self.stdout.write(f"{report.title[:80]}… за {period_obj.code}: {path} ({len(content)} байт)")
