"""The rendered files: the PDF's text contains the table's numbers (pypdf), the XLSX cells hold them."""
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from monitoring.reports import report_class
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_analytic_pdf_contains_the_table_and_the_rule(report_world):
    report = report_class("analytic")(period=report_world["q2"])
    text = pdf_text(report.render_pdf())
    assert "Аналитический отчёт по учёту индивидуальных образовательных маршрутов" in text
    assert "Первый район 200 3 1,5" in text
    assert "Второй район 8 1 12,5" in text
    assert "Третий район — 0 нет данных" in text
    assert "ИТОГО 208 4 1,9" in text
    assert "Педагог считается имеющим ИОМ" in text
    assert "Наибольший охват" in text


def test_analytic_xlsx_cells(report_world):
    report = report_class("analytic")(period=report_world["q2"])
    wb = load_workbook(io.BytesIO(report.render_xlsx()))
    ws = wb["Муниципалитеты"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=6)]
    assert rows == [
        ["1.", "Второй район", 8, 1, 12.5],
        ["2.", "Первый район", 200, 3, 1.5],
        ["3.", "Третий район", None, 0, "нет данных"],
        [None, "ИТОГО", 208, 4, 1.9],
    ]
    summary = [[c.value for c in row] for row in wb["Сводка"].iter_rows()]
    assert ["Правило учёта ИОМ", report.build_context()["rule"]] in summary
    assert ["Период", "2022-Q2 (01.04.2022 – 30.06.2022)"] in summary


def test_municipal_letter_pdf_and_xlsx(report_world):
    report = report_class("municipal_letter")(period=report_world["q2"], municipality=report_world["m1"])
    text = pdf_text(report.render_pdf())
    assert "F₂ = 3 / 4 · 100 % = 75,0 %" in text
    assert "Школа 1 2 2 100,0" in text and "Школа 2 2 1 50,0" in text
    wb = load_workbook(io.BytesIO(report.render_xlsx()))
    assert [c.value for c in wb["F2"]["B"]][2:5] == [3, 4, 75.0]


def test_quarterly_pdf_lists_plan_achieved_events_and_staff(report_world):
    report = report_class("quarterly")(period=report_world["q2"])
    text = pdf_text(report.render_pdf())
    assert " 5 1,92 " in text and "5,00" not in text  # the plan as entered (seed 002: «5%»)
    assert "29.05.2022" in text and "Вебинар «Развитие наставничества»" in text
    assert "Тьюторское сопровождение" in text
    wb = load_workbook(io.BytesIO(report.render_xlsx()))
    ws = wb["Показатели"]
    assert [c.value for c in ws[3]][2:6] == [5.0, 1.92, 4, 208]


def test_comparison_pdf_and_xlsx(report_world):
    report = report_class("comparison")(period=report_world["q2"], compare_with=report_world["q1"])
    text = pdf_text(report.render_pdf())
    # Seed 000: the share with one decimal (14,3 %), its growth with two (7,45), from the counts.
    assert "Доля педагогов с ИОМ от общего числа, % 0,5 1,9 1,44" in text
    wb = load_workbook(io.BytesIO(report.render_xlsx()))
    assert [c.value for c in wb["Учёт ИОМ"][3]] == ["Педагогов с ИОМ, чел. (нарастающим итогом)", 1, 4, 3]


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_every_report_renders_on_an_empty_region(db, fmt):
    """No data at all: every report still renders, saying that figures are missing."""
    from datetime import date

    from monitoring.models import Period
    from tests.cnppm.factories import MunicipalityFactory

    m = MunicipalityFactory()
    p0 = Period.objects.create(
        region=m.region,
        code="2021-Q4",
        kind="quarter",
        starts_on=date(2021, 10, 1),
        ends_on=date(2021, 12, 31),
    )
    p1 = Period.objects.create(
        region=m.region, code="2022-Q1", kind="quarter", starts_on=date(2022, 1, 1), ends_on=date(2022, 3, 31)
    )
    for kind in ("analytic", "quarterly", "municipal_letter", "comparison"):
        report = report_class(kind)(period=p1, municipality=m, compare_with=p0)
        content = report.render(fmt)
        assert len(content) > 1000
        if fmt == "pdf":
            assert "Правило учёта ИОМ" in pdf_text(content)
