"""History workbooks (issue 10.2) for the tests and the bench: the sheets of routes.history.SHEETS
with the rows given, written straight as a minimal XLSX (inline strings, no styles), which is what
the bounded reader reads and is fast enough for 50 000 routes. Dates go in as text (ДД.ММ.ГГГГ)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.sax.saxutils import escape

from routes.history import SHEETS

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _cell(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "да" if value else "нет"
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, date):
        value = f"{value:%d.%m.%Y}"
    return f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet(columns, rows) -> bytes:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>']
    out.append("<row>" + "".join(_cell(c) for c in columns) + "</row>")
    for row in rows:
        out.append(
            "<row>"
            + "".join(_cell(row.get(c)) if row.get(c) not in (None, "") else "<c/>" for c in columns)
            + "</row>"
        )
    out.append("</sheetData></worksheet>")
    return "".join(out).encode()


def xlsx_bytes(sheets: dict[str, tuple[tuple[str, ...], list[dict]]]) -> bytes:
    """{title: (columns, rows as {column: value})} → an XLSX file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        zf.writestr("_rels/.rels", ROOT_RELS)
        names = "".join(
            f'<sheet name="{escape(title)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, title in enumerate(sheets, 1)
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{names}'
            "</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, (columns, rows) in enumerate(sheets.values(), 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", _sheet(columns, rows))
    return buffer.getvalue()


def history_file(diagnostics=(), routes=(), activities=()) -> io.BytesIO:
    """The history workbook with these rows ({column: value}), all three sheets."""
    titles = list(SHEETS)
    data = dict(zip(titles, (list(diagnostics), list(routes), list(activities)), strict=True))
    return io.BytesIO(xlsx_bytes({title: (SHEETS[title], data[title]) for title in titles}))
