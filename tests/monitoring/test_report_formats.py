"""Percentages follow one rule everywhere (issue 10.5): each report prints its shares with the decimals
its seed uses (monitoring.numbers.DECIMALS), and its screen, its PDF and its XLSX print the same
figure for the same period.

Seeds: 002 (quarterly form) 81,3 % for 13 of 16 staff, two decimals for the ИОМ share, whole per cent
for the management teams; 001 (analytic) one decimal in the municipality table; 000 (comparison) one
decimal for the share and two for its growth; 003 (municipal letter) one decimal for F₂."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cnppm.models import Person, StaffTraining
from monitoring.models import IndicatorDefinition, IndicatorPlan, IndicatorSnapshot
from monitoring.numbers import fmt, fmt_percent, percent, percent_growth, places
from monitoring.services.reports import report_request, report_run_execute
from tests.cnppm.factories import PersonFactory
from tests.helpers import login
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def _render(actor, kind, fmt_, period, **kw):
    run = report_request(actor=actor, kind=kind, format=fmt_, period=period, enqueue=False, **kw)
    return report_run_execute(run_id=run.pk)


def _pdf(actor, kind, period, **kw) -> str:
    with _render(actor, kind, "pdf", period, **kw).file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return _squash(" ".join(page.extract_text() for page in reader.pages))


def _xlsx(actor, kind, period, **kw) -> tuple[set[str], str]:
    """Every number of the workbook as it is shown (its number format's decimals, Russian notation),
    and all its texts."""
    with _render(actor, kind, "xlsx", period, **kw).file.open("rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()))
    shown, texts = set(), []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    decimals = len(cell.number_format.partition(".")[2]) if "." in cell.number_format else 0
                    shown.add(fmt(Decimal(str(cell.value)), decimals).replace("\u00a0", " "))
                elif isinstance(cell.value, str):
                    texts.append(cell.value)
    return shown, _squash(" ".join(texts))


def _share(num, den, kind, code) -> str:
    n = places(kind, code)
    return fmt_percent(percent(num, den, n), n).replace("\u00a0", " ")


def _bare(share: str) -> str:
    return share.removesuffix(" %")


@pytest.fixture
def region(world):
    """M1: 100 teachers officially, M2: 21. By Q2 4 teachers with an ИОМ (3 in M1, 1 in M2), by Q3 one
    more in M1 (5 of 121 = 4,1322 %). Centre staff: 16, of them 13 trained by the Federal coordinator
    (seed 002: 81,25 → 81,3 %). One school of three with its management team trained."""
    f.refstat(world["m1"], 2022, teachers_total=100, schools_total=10)
    f.refstat(world["m2"], 2022, teachers_total=21, schools_total=5)
    for org, n_diag, n_iom in ((world["o1"], 4, 3), (world["o3"], 2, 1)):
        for i in range(n_diag):
            p = f.teacher(org, last_name=f"Участник{org.pk}_{i}")
            a = f.attempt(p, results={"ict": "high"})
            if i < n_iom:
                f.route(p, entry=a, activities=[{"competences": ["ict"]}])
    staff = list(Person.objects.filter(organization__kind="centre"))
    staff += [PersonFactory(organization=world["centre"]) for _ in range(16 - len(staff))]
    for person in staff[:13]:
        StaffTraining.objects.create(
            person=person,
            programme="Тьюторское сопровождение индивидуально-ориентированного профессионального развития",
            provider="Академия Минпросвещения России",
            hours=16,
            starts_on=date(2022, 3, 24),
            ends_on=date(2022, 4, 7),
            by_federal_coordinator=True,
        )
    f.orgfact(world["o1"], 2022, management_team_trained=True)
    indicator = IndicatorDefinition.objects.get(code="IOM_SHARE")
    IndicatorPlan.objects.create(
        region=world["m1"].region, indicator=indicator, year=2022, value=Decimal("5.00")
    )
    world["q2"] = compute("2022-Q2")
    late = f.teacher(world["o1"], last_name="Поздний")
    f.route(late, entry=f.attempt(late, on="2022-08-01", results={"ict": "high"}), submitted="2022-08-10")
    world["q3"] = compute("2022-Q3")
    return world


def _snapshot(period, code):
    return IndicatorSnapshot.objects.filter(
        period=period, indicator__code=code, scope_level="region", cumulative=True
    ).first()


def test_seed_rules():
    assert fmt_percent(percent(13, 16, places("quarterly", "STAFF_FED_TRAINED")), 1) == "81,3\u00a0%"
    assert places("quarterly", "IOM_SHARE") == places("quarterly", "TEACHERS_TRAINED") == 2
    assert places("quarterly", "MGMT_TEAMS") == 0 and places("quarterly", "MENTORING") == 1
    assert places("analytic", "IOM_SHARE") == places("municipal_letter", "F2") == 1
    assert places("comparison", "IOM_SHARE") == 1 and places("comparison", "IOM_SHARE", growth=True) == 2
    assert places("dashboard", "IOM_SHARE") == places("quarterly", "IOM_SHARE")


def test_quarterly_screen_pdf_and_xlsx(client, region):
    period, operator = region["q3"], region["operator"]
    login(client, operator)
    html = _squash(client.get(reverse("monitoring:dashboard"), {"period": period.code}).content.decode())
    pdf = _pdf(operator.user, "quarterly", period)
    numbers, texts = _xlsx(operator.user, "quarterly", period)
    expected = {}
    for code in ("IOM_SHARE", "STAFF_FED_TRAINED", "MGMT_TEAMS", "MENTORING", "TEACHERS_TRAINED"):
        s = _snapshot(period, code)
        if s is None or not s.denominator:
            continue
        expected[code] = _share(s.numerator, s.denominator, "quarterly", code)
    assert expected["IOM_SHARE"] == "4,13 %"  # 5 of 121, two decimals as seed 002 prints 5,85
    assert expected["STAFF_FED_TRAINED"] == "81,3 %"  # 13 of 16, seed 002
    assert re.fullmatch(r"\d+ %", expected["MGMT_TEAMS"])  # whole per cent, seed 002's 18 %
    for code, share in expected.items():
        row = re.search(rf'<tr data-code="{code}">.*?</tr>', html).group(0)
        assert f">{share}</td>" in row, (code, share, row)
        assert f" {_bare(share)} " in pdf, (code, share)
        assert _bare(share) in numbers, (code, share, sorted(numbers))
    # The prose of the form says the same as its table, on paper and in the workbook.
    sentence = f"спроектированы для 5 педагогов, что составляет {expected['IOM_SHARE']}"
    assert sentence in pdf and sentence in texts
    assert "81,25" not in pdf and "4,1 %" not in pdf
    # The plan as entered (5, not 5,00 or 5,0), on the screen, on paper and in the workbook.
    row = re.search(r'<tr data-code="IOM_SHARE">.*?</tr>', html).group(0)
    assert '<td class="text-end">5 %</td>' in row
    assert " 5 4,13 5 121 " in pdf and "5,00" not in pdf and "5" in numbers


def test_analytic_screen_pdf_and_xlsx(client, region):
    period, operator = region["q3"], region["operator"]
    login(client, operator)
    html = _squash(client.get(reverse("monitoring:dashboard"), {"period": period.code}).content.decode())
    table = html[html.index("Доля от всех педагогов") :]
    pdf = _pdf(operator.user, "analytic", period)
    numbers, _ = _xlsx(operator.user, "analytic", period)
    m1 = _share(4, 100, "analytic", "IOM_SHARE")
    total = _share(5, 121, "analytic", "IOM_SHARE")
    assert (m1, total) == ("4,0 %", "4,1 %")  # one decimal, seed 001's table (34,5; ИТОГО 7,1)
    row = table[table.index("Первый район") :]
    assert f">{m1}</td></tr>" in row[: row.index("</tr>") + 5]
    assert f">{total}</td></tr></tfoot>" in table
    assert "Первый район 100 4 4,0" in pdf and " 121 5 4,1" in pdf
    assert {"4,0", "4,1"} <= numbers and "4,13" not in numbers


def test_municipal_letter_screen_pdf_and_xlsx(client, region):
    period, operator = region["q3"], region["operator"]
    m1 = region["m1"]
    login(client, operator)
    html = _squash(
        client.get(reverse("monitoring:municipality", args=[m1.pk]), {"period": period.code}).content.decode()
    )
    s = IndicatorSnapshot.objects.get(
        period=period, indicator__code="F2", scope_level="municipality", municipality=m1, cumulative=True
    )
    f2 = _share(s.numerator, s.denominator, "municipal_letter", "F2")
    b2, c2 = int(s.numerator), int(s.denominator)
    pdf = _pdf(operator.user, "municipal_letter", period, municipality=m1)
    numbers, _ = _xlsx(operator.user, "municipal_letter", period, municipality=m1)
    assert f2 == "80,0 %"  # 4 of 5 diagnosed in M1, one decimal
    formula = f"F₂ = {b2} / {c2} · 100 % = {f2}"
    assert f"F₂ = B₂ / C₂ · 100 % = {b2} / {c2} · 100 % = <strong>{f2}</strong>" in html
    assert formula in pdf and "Итого по организациям 5 4 80,0" in pdf
    assert _bare(f2) in numbers


def test_comparison_screen_pdf_and_xlsx(client, region):
    before, after, operator = region["q2"], region["q3"], region["operator"]
    login(client, operator)
    html = _squash(
        client.get(
            reverse("monitoring:compare"), {"previous": before.code, "period": after.code}
        ).content.decode()
    )
    row = re.search(r'<tr data-code="IOM_SHARE">.*?</tr>', html).group(0)
    old, new = _share(4, 121, "comparison", "IOM_SHARE"), _share(5, 121, "comparison", "IOM_SHARE")
    growth = fmt(percent_growth(5, 121, 4, 121, places("comparison", "IOM_SHARE", growth=True)), 2)
    assert (old, new, growth) == ("3,3 %", "4,1 %", "0,83")  # seed 000: 14,3 % and a growth of 7,45
    assert f">{old}</td>" in row and f">{new}</td>" in row and f">{growth} п.п.</td>" in row
    pdf = _pdf(operator.user, "comparison", after, compare_with=before)
    numbers, texts = _xlsx(operator.user, "comparison", after, compare_with=before)
    assert f"составило {new} от общего числа" in pdf and f"составило {new} от общего числа" in texts
    claim = f"Прирост показателя по сравнению с предыдущим отчётным периодом составил {growth} п. п."
    assert claim in pdf and claim in texts
    assert f" {_bare(old)} {_bare(new)} {growth} " in pdf
    assert {_bare(old), _bare(new), growth} <= numbers and "0,8" not in numbers
