"""The one bounded XLSX reader (cnppm/spreadsheets.py) against a corpus of hostile files generated
here: each is refused with a Russian message naming the limit, or (formulas with a cached value,
external links, merged cells) read safely. The heavy ones run in a subprocess that reports its peak
memory, so "under 200 MB" is measured, not assumed."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from cnppm.spreadsheets import SpreadsheetError, open_workbook
from tests.cnppm import hostile

ROOT = Path(__file__).resolve().parents[2]


def read_all(data) -> list[list[tuple]]:
    wb = open_workbook(data)
    with wb:
        return [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]


def refusal(data) -> str:
    with pytest.raises(SpreadsheetError) as exc:
        read_all(data)
    return exc.value.message


def test_dimension_bomb_is_refused_by_the_row_limit_not_walked():
    data = hostile.dimension_bomb()
    assert len(data) < 2500
    message = refusal(data)
    assert message == (
        "Лист «Лист1»: данные в строке 1\u00a0048\u00a0576, а допускается не более 150\u00a0000 строк "
        "(IMPORT_MAX_ROWS). Разделите файл на части."
    )


def test_dimension_claim_alone_is_ignored():
    # A huge claimed dimension with data only in A1:B2 yields two rows of two cells, nothing padded.
    data = hostile.xlsx(
        hostile.sheet(
            f'<row r="1">{hostile.inline("A1", "a")}{hostile.inline("B1", "b")}</row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2.5</v></c></row>',
            dimension="A1:XFD1048576",
        )
    )
    assert read_all(data) == [[("a", "b"), (1, 2.5)]]


def test_column_bomb_names_the_column_limit():
    assert (
        "данные в столбце XFD (№ 16\u00a0384), а допускается не более 100 столбцов (IMPORT_MAX_COLUMNS)"
        in (refusal(hostile.column_bomb()))
    )


def test_row_limit_is_a_setting(settings):
    settings.IMPORT_MAX_ROWS = 50
    message = refusal(hostile.row_bomb(rows=200))
    assert message.startswith("Лист «Лист1»: данные в строке 51, а допускается не более 50 строк")


def test_shared_strings_bomb_refused_before_parsing():
    message = refusal(hostile.shared_strings_bomb(megabytes=210))
    assert message.startswith("Файл слишком велик после распаковки: часть «xl/sharedStrings.xml» занимает")
    assert "(IMPORT_MAX_UNCOMPRESSED_BYTES)" in message


def test_compression_ratio_and_shared_strings_limits(settings):
    message = refusal(hostile.shared_strings_bomb(megabytes=20))
    assert message.startswith(
        "Файл сжат подозрительно сильно: часть «xl/sharedStrings.xml» распаковывается в"
    )
    settings.IMPORT_MAX_COMPRESSION_RATIO = 100_000
    settings.IMPORT_MAX_SHARED_STRINGS_BYTES = 5 * 1024 * 1024
    message = refusal(hostile.shared_strings_bomb(megabytes=20))
    assert message.startswith("Таблица общих строк книги слишком велика: 20,")
    assert message.endswith(
        "допускается не более 5,0 МБ (IMPORT_MAX_SHARED_STRINGS_BYTES). Разделите файл на части."
    )


def test_deep_nesting_and_entities_are_refused():
    assert refusal(hostile.deep_sheet()) == (
        "Файл повреждён или составлен враждебно: вложенность XML глубже 64 уровней."
    )
    assert refusal(hostile.entity_sheet()).startswith("Файл содержит объявления DTD или сущностей XML")


def test_formulas_read_as_cached_value_or_refused():
    assert read_all(hostile.formulas(cached=True)) == [[("Число",), (42,)]]
    assert refusal(hostile.formulas(cached=False)).startswith(
        "Лист «Лист1», ячейка A2: формула без сохранённого значения. Формулы при загрузке не вычисляются"
    )
    # openpyxl writes formulas with an empty cached value: refused too, never evaluated.
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    wb.active.append(["=1+1"])
    buf = io.BytesIO()
    wb.save(buf)
    assert "ячейка A2: формула без сохранённого значения" in refusal(buf.getvalue())


def test_external_link_is_never_opened():
    # The link part is nested 10 000 deep: opening it would be refused; the cached value is read.
    assert read_all(hostile.external_link()) == [[("Число",), (7,)]]


def test_merged_area_reads_as_top_left_value():
    assert read_all(hostile.merged_cells()) == [[("Заголовок", "Второй"), ("общее", None)]]


def test_not_a_zip_and_too_many_entries():
    assert refusal(hostile.not_a_zip()).startswith("Файл не удалось прочитать: это не книга Excel (XLSX)")
    assert refusal(b"PK\x03\x04 broken").startswith("Файл не удалось прочитать")
    assert refusal(hostile.many_entries()) == (
        "В архиве XLSX слишком много частей: 5\u00a0001, допускается не более 1\u00a0000 "
        "(IMPORT_MAX_ZIP_ENTRIES). Это не обычная книга Excel."
    )


def test_size_limit(settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert refusal(hostile.many_entries(10) + b"x" * 1000).startswith("Файл слишком большой:")


def test_reads_what_openpyxl_writes_like_openpyxl():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Реестр"
    ws.append(["Имя", "Число", "Дата", "Доля", "Флаг"])
    ws.append(["Ёлкина", 7, dt.date(2025, 3, 1), 0.25, True])
    ws.append([])
    ws.append(["Последняя"])
    second = wb.create_sheet("Второй")
    second["C3"] = "угол"
    buf = io.BytesIO()
    wb.save(buf)
    book = open_workbook(buf.getvalue())
    assert book.sheetnames == ["Реестр", "Второй"] and "Второй" in book
    assert list(book["Реестр"].iter_rows(values_only=True)) == [
        ("Имя", "Число", "Дата", "Доля", "Флаг"),
        ("Ёлкина", 7, dt.datetime(2025, 3, 1), 0.25, True),
        (None, None, None, None, None),
        ("Последняя", None, None, None, None),
    ]
    # From row 2 like openpyxl: the empty row 2, then row 3 (padded to the widest row seen).
    assert list(book["Второй"].iter_rows(min_row=2, values_only=True)) == [
        (None, None, None),
        (None, None, "угол"),
    ]
    assert list(book["Реестр"].iter_rows(min_row=2, max_row=2, values_only=True))[0][0] == "Ёлкина"


# --- Time and memory, measured in a subprocess -------------------------------------------------

PROBE = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
import django
django.setup()
from cnppm.services import DomainError
from cnppm.spreadsheets import open_workbook
from diagnostics.importers import ImportFailed, parse_file

kind, path = sys.argv[1], sys.argv[2]
import diagnostics.importers.gift, diagnostics.importers.moodle_xml, diagnostics.importers.xlsx  # noqa
def status_kb(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))
# Reset the peak (VmHWM) to the current size, so that Django's start-up peak does not count.
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
before = status_kb("VmRSS")
started = time.monotonic()
outcome = {"refused": None, "rows": 0}
try:
    if kind == "xlsx":
        with open(path, "rb") as fh:
            book = open_workbook(fh)
            for ws in book.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    outcome["rows"] += 1
    else:
        with open(path, "rb") as fh:
            outcome["rows"] = len(parse_file(fh.read(), filename=path))
except DomainError as exc:
    outcome["refused"] = exc.message
except ImportFailed as exc:
    outcome["refused"] = exc.errors[0]
outcome["seconds"] = time.monotonic() - started
outcome["extra_mb"] = (status_kb("VmHWM") - before) / 1024
print(json.dumps(outcome, ensure_ascii=False))
"""


def probe(kind: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, kind, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # a guard: the refusals take well under a few seconds
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


CORPUS = {
    "dimension.xlsx": (
        lambda p: p.write_bytes(hostile.dimension_bomb()),
        "данные в строке 1\u00a0048\u00a0576",
    ),
    "shared.xlsx": (
        lambda p: hostile.shared_strings_bomb(p, megabytes=1500),
        "Файл слишком велик после распаковки",
    ),
    "rows.xlsx": (lambda p: hostile.row_bomb(400_000, target=p), "данные в строке 150\u00a0001"),
    "deep.xlsx": (lambda p: p.write_bytes(hostile.deep_sheet()), "вложенность XML глубже 64 уровней"),
    "entries.xlsx": (lambda p: p.write_bytes(hostile.many_entries()), "слишком много частей"),
    "bank.gift": (
        lambda p: p.write_bytes(hostile.huge_gift()),
        "Слишком много вопросов: в файле 195\u00a0000",
    ),
    "deep.xml": (lambda p: p.write_bytes(hostile.deep_moodle_xml()), "вложенность XML глубже 64 уровней"),
    "many.xml": (lambda p: p.write_bytes(hostile.many_moodle_questions()), "в файле 6\u00a0000 вопросов"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_file_refused_in_bounded_memory(name, tmp_path):
    build, expected = CORPUS[name]
    path = tmp_path / name
    build(path)
    if name == "bank.gift":
        assert 9 * 1024 * 1024 < path.stat().st_size < 11 * 1024 * 1024
    if name == "shared.xlsx":
        # 1.5 GB unpacked, under IMPORT_MAX_BYTES packed: the unpacked check is what refuses it.
        assert path.stat().st_size < 20 * 1024 * 1024
    outcome = probe("xlsx" if name.endswith(".xlsx") else "items", path)
    assert outcome["refused"] and expected in outcome["refused"], outcome
    assert outcome["extra_mb"] < 200, outcome


def test_declared_size_bounds_the_unpacking():
    message = refusal(hostile.lying_sizes())
    assert message.startswith("Часть «xl/worksheets/sheet1.xml» книги повреждена")
