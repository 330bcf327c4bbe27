"""One truth on every screen and in every file (issue 9): the dashboard, the PDF and the XLSX of the same
period read the same computation, print the same figures with the same decimals and say when the
figures were computed («Рассчитано: …»), even when the data changed after the computation."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring.models import ComputationRun, IndicatorSnapshot, ReportRun
from monitoring.numbers import fmt_percent, percent, places
from monitoring.services.reports import report_request, report_run_execute
from tests.helpers import login
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def _pdf_text(run: ReportRun) -> str:
    with run.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return _squash(" ".join(page.extract_text() for page in reader.pages))


def _render(actor, kind: str, format: str, period) -> ReportRun:
    run = report_request(actor=actor, kind=kind, format=format, period=period, enqueue=False)
    return report_run_execute(run_id=run.pk)


@pytest.fixture
def region(world):
    """M1: 100 teachers officially, 4 diagnosed, 3 with an ИОМ; M2: 21 teachers, 2 diagnosed, 1 with an
    ИОМ → B₂ = 4 of 121 teachers = 3,3058 %: 3,31 % with the quarterly form's two decimals."""
    f.refstat(world["m1"], 2022, teachers_total=100, schools_total=10)
    f.refstat(world["m2"], 2022, teachers_total=21, schools_total=5)
    for org, n_diag, n_iom in ((world["o1"], 4, 3), (world["o3"], 2, 1)):
        for i in range(n_diag):
            p = f.teacher(org, last_name=f"Участник{org.pk}_{i}")
            a = f.attempt(p, results={"ict": "high"})
            if i < n_iom:
                f.route(p, entry=a, activities=[{"competences": ["ict"]}])
    world["period"] = compute("2022-Q2", actor=world["operator"].user)
    return world


def test_dashboard_pdf_and_xlsx_print_the_same_figures_and_the_same_computed_at(client, region):
    period, operator = region["period"], region["operator"].user
    computation = ComputationRun.objects.get(period=period)
    stamp = f"Рассчитано: {timezone.localtime(computation.finished_at):%d.%m.%Y %H:%M}"
    n = places("quarterly", "IOM_SHARE")
    assert n == places("dashboard", "IOM_SHARE") == 2
    share = fmt_percent(percent(4, 121, n), n).replace("\u00a0", " ")
    assert share == "3,31 %"

    # Data changes after the computation (a fifth ИОМ): until the period is recomputed, every screen
    # and file prints the computation's 4, not a live 5 on one and a stale 4 on the other.
    late = f.teacher(region["o1"], last_name="Поздний")
    f.route(late, entry=f.attempt(late, results={"ict": "high"}), activities=[{"competences": ["ict"]}])

    login(client, region["operator"])
    html = _squash(client.get(reverse("monitoring:dashboard"), {"period": period.code}).content.decode())
    row = re.search(r'<tr data-code="IOM_SHARE">.*?</tr>', html).group(0)
    assert "<strong>4</strong>" in row and "<strong>121</strong>" in row
    assert f">{share}</td>" in row
    assert stamp in html

    pdf = _render(operator, "quarterly", "pdf", period)
    text = _pdf_text(pdf)
    assert stamp in text
    assert f"спроектированы для 4 педагогов, что составляет {share}" in text
    assert " 3,31 4 121 " in text  # the form's row: achieved, numerator, denominator
    assert "3,3 " not in text and "5 педагогов" not in text

    xlsx = _render(operator, "quarterly", "xlsx", period)
    with xlsx.file.open("rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    summary = {r[0]: r[1] for r in wb["Сводка"].iter_rows(values_only=True) if r and r[0]}
    assert f"Рассчитано: {summary['Рассчитано']}" == stamp
    iom_row = next(r for r in wb["Показатели"].iter_rows(min_row=3) if r[0].value == "1.")
    assert [c.value for c in iom_row[3:6]] == [3.31, 4, 121]
    assert iom_row[3].number_format == "0.00"  # shown as 3,31, as on the screen and in the PDF

    analytic = _pdf_text(_render(operator, "analytic", "pdf", period))
    assert stamp in analytic
    assert "Всего педагогов с ИОМ: 4" in analytic

    # Every file names the computation it printed.
    assert set(ReportRun.objects.values_list("computation_id", flat=True)) == {computation.pk}
    assert set(ReportRun.objects.values_list("computed_at", flat=True)) == {computation.finished_at}

    # Recomputed: the dashboard and a new file move together to 5, with the new moment.
    compute(period.code)
    html = _squash(client.get(reverse("monitoring:dashboard"), {"period": period.code}).content.decode())
    new_share = fmt_percent(percent(5, 121, 2), 2).replace("\u00a0", " ")
    assert f">{new_share}</td>" in html
    again = _pdf_text(_render(operator, "quarterly", "pdf", period))
    assert f"спроектированы для 5 педагогов, что составляет {new_share}" in again
    latest = ComputationRun.objects.filter(period=period).order_by("-finished_at").first()
    assert f"Рассчитано: {timezone.localtime(latest.finished_at):%d.%m.%Y %H:%M}" in again


def test_a_report_of_a_period_never_computed_computes_it_first(region):
    """The report triggers the computation and records it, so that the dashboard then shows the same."""
    from monitoring.services.computation import period_get_or_create

    period = period_get_or_create("2022-Q3")
    assert not IndicatorSnapshot.objects.filter(period=period).exists()
    run = _render(region["operator"].user, "quarterly", "pdf", period)
    assert run.status == "done"
    computation = ComputationRun.objects.get(period=period)
    assert run.computation == computation and run.computed_at == computation.finished_at
    assert IndicatorSnapshot.objects.filter(period=period, run=computation).exists()
    assert f"Рассчитано: {timezone.localtime(computation.finished_at):%d.%m.%Y %H:%M}" in _pdf_text(run)
