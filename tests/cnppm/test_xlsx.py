"""No XLSX the portal writes carries a formula: hostile texts typed by users (a teacher's activity, a
surname, a municipality's name, an event's title) go through the card, the credentials file and every
report, and come back as plain text cells, shown as typed. And no module writes a workbook past
cnppm.xlsx (a source scan)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnppm import importers
from cnppm.xlsx import FORMULA_TRIGGERS, formula_like, new_workbook, workbook_bytes
from diagnostics.models import CompetenceBlock
from monitoring.models import RegionalEvent
from monitoring.reports import report_class
from routes.models import Correction, RouteActivity
from tests.helpers import login
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)
from tests.routes.test_exports import card  # noqa: F401  (fixture)

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


def visible(text: str) -> str:
    # XML stores a bare carriage return as a line feed: the same line break on screen.
    return text.replace("\r", "\n")


def cells(content: bytes) -> list:
    wb = load_workbook(io.BytesIO(content))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def assert_inert(content: bytes, expected: list[str]) -> None:
    every = cells(content)
    formulas = [c.coordinate + " " + repr(c.value) for c in every if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for c in every if isinstance(c.value, str)}
    for text in expected:
        assert visible(text) in texts
    for c in every:
        if isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS + ("\n",)):
            assert c.data_type == "s" and c.quotePrefix, c.coordinate


def test_helper_keeps_numbers_and_neutralises_strings():
    wb = new_workbook()
    wb.active.append([*HOSTILE, "-1+2", -5, 2.5, "обычный текст"])
    row = cells(workbook_bytes(wb))
    assert [c.value for c in row] == [*map(visible, HOSTILE), "-1+2", -5, 2.5, "обычный текст"]
    assert [c.data_type for c in row] == ["s"] * 7 + ["n", "n", "s"]
    assert [bool(c.quotePrefix) for c in row] == [True] * 7 + [False] * 3
    assert formula_like("-1+2") and not formula_like(-1) and not formula_like("текст")


def test_card_xlsx_keeps_teacher_texts_as_text(client, world, card):  # noqa: F811
    card.conclusions = HOSTILE[0]
    card.final_event_title = HOSTILE[1]
    card.save()
    activities = list(RouteActivity.objects.filter(route=card).order_by("pk"))
    RouteActivity.objects.filter(pk=activities[0].pk).update(title=HOSTILE[2])
    RouteActivity.objects.filter(pk=activities[1].pk).update(title=HOSTILE[3], not_done_reason=HOSTILE[4])
    Correction.objects.filter(route=card).update(reason=HOSTILE[5])
    login(client, world["curator"])
    response = client.get(reverse("routes:card_xlsx", args=[card.pk]))
    assert response.status_code == 200
    assert_inert(response.content, HOSTILE)


def test_credentials_xlsx_keeps_a_hostile_surname_as_text(world):
    people = []
    for key, text in zip(("teacher", "other_teacher", "curator"), HOSTILE[:3], strict=True):
        person = world[key]
        person.last_name = text
        person.save()
        people.append(person)
    content, count = importers.credentials_workbook(people, base_url="https://cnppm.example.ru/")
    assert count == 3
    assert_inert(content, [])
    names = {c.value for c in cells(content) if c.column == 3}
    for person in people:
        assert person.full_name in names


def test_templates_are_inert(db):
    from diagnostics.exporters import items_to_xlsx
    from routes.importers import template_workbook

    for content in (importers.structure_template(), template_workbook(), items_to_xlsx()):
        assert_inert(content, [])


@pytest.mark.parametrize("kind", ["analytic", "quarterly", "municipal_letter", "comparison"])
def test_every_report_xlsx_keeps_names_and_titles_as_text(report_world, kind):  # noqa: F811
    w = report_world
    names = {w["m1"]: HOSTILE[0], w["m2"]: HOSTILE[1], w["m3"]: HOSTILE[2]}
    for municipality, text in names.items():
        municipality.name = text
        municipality.save()
    w["o1"].short_name = HOSTILE[3]
    w["o1"].save()
    for event, text in zip(RegionalEvent.objects.order_by("held_on"), HOSTILE[4:], strict=True):
        event.title = text
        event.save()
    CompetenceBlock.objects.filter(code="subject").update(name=HOSTILE[4])
    report = report_class(kind)(period=w["q2"], municipality=w["m1"], compare_with=w["q1"])
    expected = {
        "analytic": HOSTILE[:3],
        "quarterly": HOSTILE[5:],  # the second quarter's event
        "municipal_letter": HOSTILE[3:4],
        "comparison": HOSTILE[4:5],
    }[kind]
    assert_inert(report.render_xlsx(), expected)


# --- Nobody writes a workbook past cnppm.xlsx -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
WRITING_API = re.compile(
    r"from openpyxl[\w.]* import[^\n]*\bWorkbook\b|openpyxl\.Workbook\b|openpyxl\.workbook\b|WriteOnlyCell|"
    r"write_only\s*=\s*True|save_virtual_workbook|\.save\(\s*(?:out|buf|buffer|stream|output|f|file|path)\b"
)


def source_files():
    for package in sorted(ROOT.iterdir()):
        if not (package / "__init__.py").exists() or package.name in {"tests", "bench"}:
            continue
        yield from sorted(package.rglob("*.py"))


def test_no_module_writes_xlsx_past_the_helper():
    offenders = []
    for path in source_files():
        if path.relative_to(ROOT).as_posix() == "cnppm/xlsx.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "openpyxl" not in text and "Workbook" not in text:
            continue
        for match in WRITING_API.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
        for match in re.finditer(r"load_workbook\(", text):
            if "read_only=True" not in text[match.end() : match.end() + 200].split("\n\n")[0]:
                offenders.append(f"{path.relative_to(ROOT)}: load_workbook without read_only=True")
    assert offenders == [], "write XLSX through cnppm.xlsx (new_workbook, workbook_bytes):\n" + "\n".join(
        offenders
    )


def test_the_scan_sees_a_direct_writer():
    sample = "from openpyxl import Workbook\nwb = openpyxl.Workbook(write_only=True)\nwb.save(buffer)\n"
    assert len(WRITING_API.findall(sample)) == 4
