"""render_report from the shell."""
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)


def test_render_report_pdf_and_xlsx(report_world, tmp_path):
    pdf = tmp_path / "letter.pdf"
    out = io.StringIO()
    call_command(
        "render_report",
        "municipal_letter",
        "--period",
        "2022-Q2",
        "--municipality",
        "M1",
        "-o",
        str(pdf),
        stdout=out,
    )
    assert "letter.pdf" in out.getvalue()
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "F₂ = 3 / 4 · 100 % = 75,0" in text
    xlsx = tmp_path / "cmp.xlsx"
    call_command(
        "render_report",
        "comparison",
        "--period",
        "2022-Q2",
        "--compare-with",
        "2022-Q1",
        "-o",
        str(xlsx),
        stdout=io.StringIO(),
    )
    ws = load_workbook(xlsx)["Учёт ИОМ"]
    assert [c.value for c in ws[3]] == ["Педагогов с ИОМ, чел. (нарастающим итогом)", 1, 4, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["municipal_letter", "--period", "2022-Q2", "-o", "x.pdf"], "выберите муниципалитет"),
        (["analytic", "--period", "2022-Q5", "-o", "x.pdf"], "Неверный код периода"),
        (["analytic", "--period", "2022-Q2", "-o", "x.docx"], ".pdf или .xlsx"),
        (
            ["municipal_letter", "--period", "2022-Q2", "--municipality", "NOPE", "-o", "x.pdf"],
            "«NOPE» не найден",
        ),
    ],
)
def test_render_report_refuses_bad_input(report_world, tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("render_report", *args, stdout=io.StringIO())
