"""The ministry (aggregate only) tries to undo the small-group suppression of the breakdowns by
subtraction: teachers with an ИОМ by qualification category (analytic report and dashboards) and F₂
by school (a school with one diagnosed teacher would tell whether that person has an ИОМ). Every
attempt along a table's total, a region cell against its municipalities' cells, or a municipality's
total against its schools, leaves at least two hidden cells holding the threshold together; the
operator sees every figure."""
# ruff: noqa: F811

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.services.reports import report_request, report_run_execute
from tests.cnppm.factories import OrganizationFactory
from tests.helpers import login
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute
from tests.monitoring.test_disclosure import pdf_text

pytestmark = pytest.mark.django_db

CATEGORY = "Квалификационная категория педагогов с ИОМ"
HIDDEN_ROW = "скрыто: группы менее 5 чел. (вместе)"
CATEGORIES = ("высшая", "первая", "соответствие занимаемой должности", "без категории")
TRUE_REGION = {"высшая": 12, "первая": 9, "соответствие занимаемой должности": 2, "без категории": 1}


@pytest.fixture
def breakdowns(world, settings):
    """M1: «Школа 1» 14 diagnosed, all with an ИОМ (6 highest, 6 first, 2 conformity), «Школа 2» one
    diagnosed with an ИОМ (highest), «Школа 4» 5 diagnosed, 3 with an ИОМ (first); M2: «Школа 3»
    6 with an ИОМ (5 highest, 1 without a category). Threshold 5."""
    settings.SMALL_GROUP_THRESHOLD = 5
    o4 = OrganizationFactory(municipality=world["m1"], short_name="Школа 4")
    f.refstat(world["m1"], 2022, teachers_total=300, schools_total=10)
    f.refstat(world["m2"], 2022, teachers_total=100, schools_total=5)
    plan = (
        (world["o1"], [("highest", True)] * 6 + [("first", True)] * 6 + [("conformity", True)] * 2),
        (world["o2"], [("highest", True)]),
        (o4, [("first", True)] * 3 + [("first", False)] * 2),
        (world["o3"], [("highest", True)] * 5 + [("none", True)]),
    )
    for org, people in plan:
        for i, (category, with_iom) in enumerate(people):
            p = f.teacher(org, last_name=f"Б{org.pk}_{i}", qualification_category=category)
            a = f.attempt(p, results={"ict": "high"})
            if with_iom:
                f.route(p, entry=a, activities=[{"competences": ["ict"]}])
    world["o4"] = o4
    world["period"] = compute("2022-Q2", actor=world["operator"].user)
    return world


def number(text: str) -> int:
    return int(text.replace("\u202f", "").replace("\xa0", "").replace(" ", ""))


def chart_table(html: str, title: str) -> tuple[dict, int]:
    """A dashboard chart's data table: ({label: count}, the total printed under it)."""
    seg = html[html.index(f"<caption>{title}</caption>") :]
    seg = seg[: seg.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td class="text-end">([^<]*)</td>', seg)
    total = re.search(r'Итого</th><td class="text-end">([^<]*)</td>', seg).group(1)
    return {label: number(n) for label, n in rows if label != "Итого"}, number(total)


def assert_row_attack_fails(shown: dict, total: int, true: dict):
    """Total minus the visible cells: only the hidden row's sum, of at least two people groups holding
    the threshold; a small cell never printed with its count."""
    visible = {k: v for k, v in shown.items() if k != HIDDEN_ROW}
    hidden = [k for k, n in true.items() if n and k not in visible]
    for k, n in true.items():
        if 0 < n < 5:
            assert k not in visible, k
    if hidden:
        assert len(hidden) >= 2
        assert shown[HIDDEN_ROW] == total - sum(visible.values()) >= 5
    for k in visible:
        assert visible[k] == true[k]


def pages(client, world, who):
    login(client, world[who])
    region = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    munis = {
        m: client.get(
            reverse("monitoring:municipality", args=[world[m].pk]) + "?period=2022-Q2"
        ).content.decode()
        for m in ("m1", "m2")
    }
    return region, munis


def test_operator_sees_every_category_count(client, breakdowns):
    region, munis = pages(client, breakdowns, "operator")
    shown, total = chart_table(region, CATEGORY)
    assert {k: shown[k] for k in CATEGORIES} == TRUE_REGION and total == 24
    assert HIDDEN_ROW not in region
    m2, _ = chart_table(munis["m2"], CATEGORY)
    assert (m2["высшая"], m2["без категории"]) == (5, 1)


def test_ministry_cannot_recover_a_category_by_subtraction(client, breakdowns):
    _, op_munis = pages(client, breakdowns, "operator")
    true_munis = {m: chart_table(html, CATEGORY)[0] for m, html in op_munis.items()}
    region, munis = pages(client, breakdowns, "ministry")

    shown, total = chart_table(region, CATEGORY)
    assert total == 24 and shown["высшая"] == 12 and HIDDEN_ROW in shown
    assert "соответствие занимаемой должности" not in shown and "без категории" not in shown
    assert_row_attack_fails(shown, total, TRUE_REGION)

    seen = {}
    for m, html in munis.items():
        seen[m], m_total = chart_table(html, CATEGORY)
        assert m_total == sum(true_munis[m].values())
        assert_row_attack_fails(seen[m], m_total, true_munis[m])
    # A region cell minus the municipalities' visible cells of it: never one hidden cell alone.
    for label, n in shown.items():
        if label == HIDDEN_ROW:
            continue
        unknown = [m for m in munis if label not in seen[m] and true_munis[m].get(label)]
        known = sum(seen[m].get(label, 0) for m in munis)
        assert len(unknown) != 1, (label, unknown)
        if unknown:
            assert n - known >= 5


def schools_rows(html: str) -> dict:
    seg = html[html.index('id="schools"') :]
    seg = seg[: seg.index("</table>")]
    rows = re.findall(
        r'<th scope="row" class="fw-normal">([^<]*)</th><td class="text-end">([^<]*)</td>'
        r'<td class="text-end">([^<]*)</td><td class="text-end">([^<]*)</td>',
        seg,
    )
    foot = re.search(
        r'Итого</th><td class="text-end">([^<]*)</td><td class="text-end">([^<]*)</td>', seg
    ).groups()
    return {name: (number(den), num, value) for name, den, num, value in rows} | {
        "Итого": (number(foot[0]), number(foot[1]), "")
    }


def test_ministry_cannot_tell_whether_the_one_diagnosed_teacher_has_an_iom(client, breakdowns):
    url = reverse("monitoring:municipality", args=[breakdowns["m1"].pk]) + "?period=2022-Q2"
    login(client, breakdowns["operator"])
    full = schools_rows(client.get(url).content.decode())
    assert full["Школа 2"] == (1, "1", "100,0\xa0%") and full["Школа 4"][:2] == (5, "3")

    login(client, breakdowns["ministry"])
    html = client.get(url).content.decode()
    rows = schools_rows(html)
    assert rows["Итого"] == (20, 18, "")  # the municipality's totals stay
    assert rows["Школа 1"] == (14, "14", "100,0\xa0%")
    # The one-teacher school and its complement show their head counts only.
    assert rows["Школа 2"] == (1, "—", "—") and rows["Школа 4"] == (5, "—", "—")
    assert 'id="schools-suppressed"' in html
    # Total minus the visible schools: 4 people with an ИОМ among 6 diagnosed in two schools.
    hidden = [r for name, r in rows.items() if name != "Итого" and r[1] == "—"]
    remainder = rows["Итого"][1] - sum(
        int(r[1]) for name, r in rows.items() if name != "Итого" and r[1] != "—"
    )
    assert len(hidden) >= 2 and sum(r[0] for r in hidden) >= 5 and remainder == 4
    # «Школа 2» (1 diagnosed) with or without an ИОМ: both fit what is shown («Школа 4» has 5 diagnosed).
    assert [x for x in (0, 1) if 0 <= remainder - x <= 5] == [0, 1]


def analytic(world, who, fmt):
    run = report_request(
        actor=world[who].user, kind="analytic", format=fmt, period=world["period"], enqueue=False
    )
    return report_run_execute(run_id=run.pk).file.read()


def test_aggregate_analytic_xlsx_and_pdf_survive_the_subtraction(breakdowns):
    wb = load_workbook(io.BytesIO(analytic(breakdowns, "ministry", "xlsx")))
    rows = [r for r in wb["Категория"].iter_rows(values_only=True) if r and r[0] and isinstance(r[1], int)]
    shown = {r[0]: r[1] for r in rows if r[0] != "Итого"}
    total = next(r[1] for r in rows if r[0] == "Итого")
    assert total == 24 and shown["высшая"] == 12
    assert_row_attack_fails(shown, total, TRUE_REGION)
    full = load_workbook(io.BytesIO(analytic(breakdowns, "operator", "xlsx")))
    full_rows = {r[0]: r[1] for r in full["Категория"].iter_rows(values_only=True) if r and r[0]}
    assert {k: full_rows[k] for k in CATEGORIES} == TRUE_REGION

    text = " ".join(pdf_text(analytic(breakdowns, "ministry", "pdf")).split())
    assert "скрыто: группы менее 5 чел." in text and "соответствие занимаемой должности" not in text
    full_text = " ".join(pdf_text(analytic(breakdowns, "operator", "pdf")).split())
    assert "соответствие занимаемой должности" in full_text and "скрыто: группы" not in full_text


def test_snapshot_api_gives_the_ministry_no_way_around(client, breakdowns):
    """The same figures through /api/v1/monitoring/snapshots/: no per-municipality breakdowns in the
    region row's inputs, the small school and its complement without numerator or value."""
    url = "/api/v1/monitoring/snapshots/?period=2022-Q2&indicator=F2&cumulative=true"

    def by_org(data):
        return {r["organization_name"]: r for r in data["results"] if r["scope_level"] == "organization"}

    def region_inputs(data):
        return next(r["inputs"] for r in data["results"] if r["scope_level"] == "region")

    login(client, breakdowns["operator"])
    full = client.get(url).json()
    assert "distributions" in region_inputs(full)
    assert by_org(full)["Школа 2"]["numerator"] is not None

    login(client, breakdowns["ministry"])
    data = client.get(url).json()
    assert "distributions" not in region_inputs(data) and "B2" in region_inputs(data)
    orgs = by_org(data)
    for name in ("Школа 2", "Школа 4"):
        assert (orgs[name]["numerator"], orgs[name]["value"], orgs[name]["inputs"]) == (None, None, {})
        assert orgs[name]["denominator"] is not None and "менее 5 человек" in orgs[name]["note"]
    assert orgs["Школа 1"]["numerator"] is not None and orgs["Школа 3"]["numerator"] is not None
    # Filtered to the one school, the complement is still decided over the whole municipality.
    one = client.get(url + f"&organization={breakdowns['o4'].pk}").json()["results"]
    assert [(r["numerator"], r["value"]) for r in one] == [(None, None)]


def test_aggregate_municipal_letter_hides_the_one_teacher_school(breakdowns):
    def letter(who, fmt):
        run = report_request(
            actor=breakdowns[who].user,
            kind="municipal_letter",
            format=fmt,
            period=breakdowns["period"],
            municipality=breakdowns["m1"],
            enqueue=False,
        )
        return report_run_execute(run_id=run.pk).file.read()

    def schools(content):
        sheet = load_workbook(io.BytesIO(content))["Организации"]
        return {r[1]: r[3:] for r in sheet.iter_rows(values_only=True) if r and r[1]}

    full = schools(letter("operator", "xlsx"))
    assert full["Школа 2"][:2] == (1, 1) and full["Школа 4"][:2] == (5, 3)
    rows = schools(letter("ministry", "xlsx"))
    assert rows["Школа 2"] == (1, "скрыто", "скрыто") and rows["Школа 4"] == (5, "скрыто", "скрыто")
    assert rows["Школа 1"][:2] == (14, 14)
    assert rows["Итого по организациям"][:2] == (20, 18)  # 18 − 14 = 4 among 6 people in two schools
    text = " ".join(pdf_text(letter("ministry", "pdf")).split())
    assert "Школа 1 и других организаций муниципалитета" in text and "Школа 2 разработаны" not in text
