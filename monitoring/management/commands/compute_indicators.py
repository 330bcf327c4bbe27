"""`python manage.py compute_indicators --period 2022-Q2 [--region CODE]`: compute every indicator for a
period of one region, as the operator's button and the Celery task do, and print the region's values.
With several regions the code is required (never "the first region"); each region computes alone."""

from django.core.management.base import BaseCommand, CommandError

from cnppm.models import Region
from cnppm.services import DomainError
from monitoring.models import IndicatorSnapshot
from monitoring.numbers import fmt
from monitoring.services.computation import (
    computation_execute,
    computation_request,
    only_region,
    period_get_or_create,
)


def _region(code: str) -> Region:
    """The region named on the command line, or the only one: never "the first" of several."""
    if not code:
        return only_region()
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise CommandError(f"Регион с кодом «{code}» не найден.")
    return region


class Command(BaseCommand):
    help = "Рассчитать показатели мониторинга за период (2022-Q2, 2022-H1, 2022, 2022-W1)"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="код периода, например 2022-Q2")
        parser.add_argument("--region", default="", help="код региона; обязателен, если регионов несколько")

    def handle(self, *args, period, region="", **options):
        try:
            p = period_get_or_create(period, region=_region(region))
            run = computation_request(actor=None, period=p, enqueue=False)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        run = computation_execute(run_id=run.pk)
        if run.status != "done":
            raise CommandError(f"Расчёт не выполнен: {run.error}")
        self.stdout.write(
            f"Период {p.code} ({p.starts_on:%d.%m.%Y}–{p.ends_on:%d.%m.%Y}), нарастающим итогом:"
        )
        rows = IndicatorSnapshot.objects.filter(
            period=p, cumulative=True, scope_level="region"
        ).select_related("indicator")
        for s in rows.order_by("indicator__order"):
            unit = " %" if s.indicator.unit == "percent" else ""
            places = 1 if s.indicator.unit == "percent" else 0
            self.stdout.write(
                f"  {s.indicator.code}: {fmt(s.value, places)}{unit} ({fmt(s.numerator, 0)} / {fmt(s.denominator, 0)})"
                + (f" — {s.note}" if s.note else "")
            )
        self.stdout.write(self.style.SUCCESS(f"Готово: записано значений {run.snapshots.count()}."))
