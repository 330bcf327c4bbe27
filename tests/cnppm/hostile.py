"""Hostile upload files, generated (nothing binary is committed): XLSX bombs built part by part with
zipfile, a huge GIFT bank, deeply nested XML. Each function returns bytes or writes a path."""

from __future__ import annotations

import io
import zipfile

from cnppm.spreadsheets import column_letter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
REL = '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{type}" Target="{target}"{mode}/>'
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)


def _rels(extra: list[tuple[str, str, str, str]]) -> str:
    body = "".join(REL.format(id=i, type=t, target=target, mode=mode) for i, t, target, mode in extra)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    )


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(
    sheet_xml,
    *,
    shared=None,
    extra_parts: dict[str, bytes] | None = None,
    extra_rels: list | None = None,
    sheet_name: str = "Лист1",
    target=None,
) -> bytes | None:
    """An XLSX from raw parts. `sheet_xml` and `shared` are str/bytes, or iterables of chunks (streamed
    into the zip, for parts too large to hold). Written to `target` (a path) when given."""
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml", "")]
    if shared is not None:
        rels.append(("rId2", "sharedStrings", "sharedStrings.xml", ""))
    rels += extra_rels or []
    out = target or io.BytesIO()
    # Fastest deflate: the bombs are built in the test run.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK.format(name=sheet_name))
        zf.writestr("xl/_rels/workbook.xml.rels", _rels(rels))
        _write(zf, "xl/worksheets/sheet1.xml", sheet_xml)
        if shared is not None:
            _write(zf, "xl/sharedStrings.xml", shared)
        for name, data in (extra_parts or {}).items():
            zf.writestr(name, data)
    return None if target else out.getvalue()


def _write(zf: zipfile.ZipFile, name: str, data) -> None:
    if isinstance(data, str | bytes):
        zf.writestr(name, data)
        return
    with zf.open(name, "w", force_zip64=True) as fh:
        for chunk in data:
            fh.write(chunk.encode() if isinstance(chunk, str) else chunk)


def sheet(rows_xml: str, *, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_HEAD}{dim}<sheetData>{rows_xml}</sheetData></worksheet>"


# --- The corpus ---------------------------------------------------------------------------------


def dimension_bomb(header: list[str] | None = None, sheet_name: str = "Лист1") -> bytes:
    """About 1.8 KB: the <dimension> claims A1:XFD1048576 and one cell sits in the last row (after
    an optional header row, so that an import's header check passes and the rows are read)."""
    header = header or ["Вид"]
    first = "".join(inline(f"{column_letter(i + 1)}1", h) for i, h in enumerate(header))
    rows = f'<row r="1">{first}</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    return xlsx(sheet(rows, dimension="A1:XFD1048576"), sheet_name=sheet_name)


def column_bomb() -> bytes:
    """One cell in the last column of the sheet (XFD)."""
    return xlsx(sheet('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>', dimension="A1:XFD1"))


def shared_strings_bomb(target=None, *, megabytes: int = 256):
    """A small zip whose sharedStrings.xml unpacks to `megabytes` MB (one string repeated)."""
    item = "<si><t>" + "Ж" * 500 + "</t></si>"
    block = (item * 1000).encode()
    count = megabytes * 1024 * 1024 // len(block) + 1

    def chunks():
        yield '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        for _ in range(count):
            yield block
        yield "</sst>"

    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return xlsx(sheet(rows), shared=chunks(), target=target)


def row_bomb(rows: int = 1_000_000, target=None):
    """`rows` rows of one number each: far more than IMPORT_MAX_ROWS, small once zipped."""

    def chunks():
        yield SHEET_HEAD + '<sheetData><row r="1">' + inline("A1", "Число") + "</row>"
        step = 10_000
        for start in range(2, rows + 2, step):
            yield "".join(
                f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                for n in range(start, min(start + step, rows + 2))
            )
        yield "</sheetData></worksheet>"

    return xlsx(chunks(), target=target)


def deep_sheet(depth: int = 100_000) -> bytes:
    """A sheet cell whose inline string nests `depth` elements."""
    cell = '<c r="A1" t="inlineStr"><is>' + "<r>" * depth + "</r>" * depth + "</is></c>"
    return xlsx(sheet(f'<row r="1">{cell}</row>'))


def entity_sheet() -> bytes:
    """A sheet with a DTD declaring entities (billion laughs, small)."""
    dtd = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    xml = sheet('<row r="1">' + inline("A1", "&b;") + "</row>")
    return xlsx(xml.replace("?>", "?>" + dtd, 1))


def formulas(cached: bool) -> bytes:
    """A formula with a cached value (read as that value) or without one (refused)."""
    value = "<v>42</v>" if cached else "<v/>"
    rows = (
        f'<row r="1">{inline("A1", "Число")}</row><row r="2"><c r="A2"><f>SUM(B2:B9)*2</f>{value}</c></row>'
    )
    return xlsx(sheet(rows))


def external_link() -> bytes:
    """A cell taking its value from another workbook: the cached value is read; the link part (here
    deliberately deeply nested and huge-claiming) is never opened."""
    rows = (
        f'<row r="1">{inline("A1", "Число")}</row><row r="2"><c r="A2"><f>[1]Лист1!A1</f><v>7</v></c></row>'
    )
    link = b"<externalLink>" + b"<x>" * 10_000 + b"</x>" * 10_000 + b"</externalLink>"
    return xlsx(
        sheet(rows),
        extra_parts={"xl/externalLinks/externalLink1.xml": link},
        extra_rels=[
            ("rId9", "externalLink", "externalLinks/externalLink1.xml", ""),
            ("rId10", "externalLinkPath", "file:///C:/secret/other.xlsx", ' TargetMode="External"'),
        ],
    )


def merged_cells() -> bytes:
    rows = (
        f'<row r="1">{inline("A1", "Заголовок")}{inline("B1", "Второй")}</row>'
        f'<row r="2">{inline("A2", "общее")}<c r="B2"/></row>'
    )
    xml = sheet(rows).replace(
        "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A2:B2"/></mergeCells>'
    )
    return xlsx(xml)


def many_entries(entries: int = 5000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        for i in range(entries):
            zf.writestr(f"xl/media/p{i}.xml", "<x/>")
    return out.getvalue()


def not_a_zip() -> bytes:
    # The start of an old binary .xls (OLE compound file), then noise.
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000


def huge_gift(questions: int = 195_000) -> bytes:
    """A valid GIFT bank of `questions` questions (about 9.6 MB for 195 000)."""
    return "".join(f"::В{n}:: Сколько {n}+1? {{={n + 1} ~{n}}}\n\n" for n in range(questions)).encode()


def deep_moodle_xml(depth: int = 200_000) -> bytes:
    return b"<?xml version='1.0'?><quiz>" + b"<a>" * depth + b"</a>" * depth + b"</quiz>"


def many_moodle_questions(questions: int = 6000) -> bytes:
    q = (
        '<question type="truefalse"><name><text>В{n}</text></name>'
        "<questiontext><text>Верно?</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
        "</question>"
    )
    return (
        "<?xml version='1.0'?><quiz>" + "".join(q.format(n=n) for n in range(questions)) + "</quiz>"
    ).encode()


def lying_sizes() -> bytes:
    """A zip whose directory declares its 5 MB sheet as 2 KB: unpacking stops at the declared size and
    the part is refused as broken (its checksum cannot match)."""
    import struct

    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 120_000))
    data = bytearray(xlsx(sheet(rows)))
    name = b"xl/worksheets/sheet1.xml"
    central = data.index(b"PK\x01\x02")  # the central directory: the sizes zipfile trusts
    while True:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name:
            break
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 2048)  # uncompressed size
    return bytes(data)
