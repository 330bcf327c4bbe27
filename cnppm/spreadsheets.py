"""The one bounded XLSX reader every import uses (roster, structure, catalogue, items, external
results, reference statistics).

An XLSX is a zip of XML parts, and both layers can lie. Before anything is parsed the zip is opened
and checked: it is a zip at all, how many parts it has, each part's declared unpacked size and their
total, how strongly each part is compressed, and the size of the shared-strings part (the one part
that has to be held in memory). Python's zipfile never unpacks more than a part's declared size, so
the declared sizes bound the work. Then the sheet XML is streamed with expat (no tree is built, DTDs
and entities refused, nesting depth capped), ignoring the `<dimension>` claim: rows come from the
cells actually present, and a cell holding data beyond `IMPORT_MAX_ROWS` / `IMPORT_MAX_COLUMNS`
stops the reading with a message. Formulas are never evaluated: their cached value is read, and a
formula without one is refused. External links are never opened (their cached values are plain
values). A merged area reads as its top-left value, the other cells of it are empty. Dates are
recognised from the cell's number format, as openpyxl does.

The object returned looks like a read-only openpyxl workbook as far as the importers need:
`sheetnames`, `worksheets`, `wb[name]`, `close()`, and `ws.iter_rows(min_row=, max_row=,
values_only=True)` yielding one tuple per row, padded to the header's width."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePosixPath
from xml.parsers import expat

from django.conf import settings

from .services import DomainError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_XML_DEPTH = 64  # a sheet is about 6 levels deep, rich text about 5
MAX_CELL_CHARS = 32767  # Excel's own limit for the text of one cell
CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024  # small parts may compress hard (a header-only sheet) without harm

NOT_XLSX = (
    "Файл не удалось прочитать: это не книга Excel (XLSX) или файл повреждён. "
    "Сохраните его в Excel или LibreOffice как «Книга Excel (.xlsx)» и загрузите снова."
)


PROGRESS_EVERY = 1000  # rows between two progress reports
_progress: ContextVar[Callable[[int], None] | None] = ContextVar("spreadsheet_progress", default=None)


@contextmanager
def reporting_progress(hook: Callable[[int], None]):
    """While inside, every sheet read calls hook(rows read so far) every PROGRESS_EVERY rows (an import
    job records it as progress and as its heartbeat)."""
    token = _progress.set(hook)
    try:
        yield
    finally:
        _progress.reset(token)


class SpreadsheetError(DomainError):
    """A workbook refused before or while reading, with a Russian message naming the limit."""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",") + " МБ"


def _num(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


_COLUMNS: dict[str, int] = {}  # letters → number, filled as met (at most 3 letters: bounded)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


# --- Size of an upload --------------------------------------------------------------------------


def file_size(file) -> int | None:
    """Size of bytes, an uploaded file or a file object, without reading it."""
    if isinstance(file, bytes | bytearray):
        return len(file)
    size = getattr(file, "size", None)
    if size is not None:
        return size
    try:
        pos = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(pos)
        return size
    except (AttributeError, OSError):
        return None


def check_upload_size(file) -> None:
    """Refuse an upload larger than IMPORT_MAX_BYTES, or an empty one; shared by every import."""
    limit = settings.IMPORT_MAX_BYTES
    size = file_size(file)
    if size is not None and size > limit:
        raise SpreadsheetError(
            f"Файл слишком большой: {_mb(size)}, допускается не более {_mb(limit)} (IMPORT_MAX_BYTES). "
            "Разделите его на части.",
            code="too_large",
        )
    if size == 0:
        raise SpreadsheetError("Файл пустой. Загрузите заполненный файл.", code="empty")


# --- Safe XML streaming -------------------------------------------------------------------------


def _refuse_dtd(*_args):
    raise SpreadsheetError(
        "Файл содержит объявления DTD или сущностей XML: такие файлы не принимаются. " + NOT_XLSX,
        code="xml_dtd",
    )


def too_deep() -> SpreadsheetError:
    return SpreadsheetError(
        f"Файл повреждён или составлен враждебно: вложенность XML глубже {MAX_XML_DEPTH} уровней.",
        code="xml_depth",
    )


def local(name: str) -> str:
    """A tag without its prefix ("x:c" → "c"): parts are read without namespace processing (faster);
    the main spreadsheet namespace is the only one whose elements are acted on."""
    return name[name.index(":") + 1 :] if ":" in name else name


def raw_parser(start, end, text=None) -> expat.XMLParserType:
    """An expat parser refusing DTDs and entities; the handlers get raw names and count depth themselves."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def safe_parser(start, end, text=None) -> expat.XMLParserType:
    """An expat parser with no DTD or entities and nesting capped at MAX_XML_DEPTH; the handlers get
    local names (prefix dropped)."""
    depth = 0

    def on_start(name, attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise too_deep()
        start(local(name), attrs)

    def on_end(name):
        nonlocal depth
        depth -= 1
        end(local(name))

    return raw_parser(on_start, on_end, text)


def _feed(parser, stream, part: str) -> Iterator[None]:
    """Feed a part to the parser chunk by chunk, yielding after each so callers can drain results."""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except expat.ExpatError as exc:
        raise SpreadsheetError(
            f"Часть «{part}» книги повреждена ({exc}). {NOT_XLSX}", code="xml_broken"
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:  # CRC mismatch, truncated part
        raise SpreadsheetError(
            f"Часть «{part}» книги повреждена ({exc}). {NOT_XLSX}", code="zip_broken"
        ) from None


# --- The workbook -------------------------------------------------------------------------------


class Workbook:
    """A checked XLSX: the parts' sizes are within bounds; sheets are read lazily, row by row."""

    def __init__(self, zf: zipfile.ZipFile):
        self._zip = zf
        self._names = {info.filename for info in zf.infolist()}
        workbook_part = self._office_document()
        self._base = str(PurePosixPath(workbook_part).parent)
        rels = self._relationships(workbook_part)
        self.date1904 = False
        sheets: list[tuple[str, str]] = []

        def start(tag, attrs):
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), attrs.get("id", ""))
                target = rels.get(rid)
                if target:
                    sheets.append((attrs.get("name", ""), target))
            elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.date1904 = True

        self._parse_whole(workbook_part, start)
        if not sheets:
            raise SpreadsheetError(NOT_XLSX, code="not_xlsx")
        self.worksheets = [Worksheet(self, name, part) for name, part in sheets]
        self.sheetnames = [ws.title for ws in self.worksheets]
        self._shared: list[str] | None = None
        self._date_styles: set[int] | None = None
        self._shared_part = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
        self._styles_part = next((t for t in rels.values() if t.endswith("styles.xml")), None)

    # openpyxl-like access
    def __getitem__(self, name: str) -> Worksheet:
        for ws in self.worksheets:
            if ws.title == name:
                return ws
        raise KeyError(name)

    def __contains__(self, name: str) -> bool:
        return name in self.sheetnames

    @property
    def active(self) -> Worksheet:
        return self.worksheets[0]

    def close(self) -> None:
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # parts
    def open_part(self, part: str):
        if part not in self._names:
            raise SpreadsheetError(f"В книге нет части «{part}». {NOT_XLSX}", code="not_xlsx")
        try:
            return self._zip.open(part)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
            raise SpreadsheetError(NOT_XLSX, code="not_xlsx") from None

    def _parse_whole(self, part: str, start, end=None, text=None) -> None:
        parser = safe_parser(start, end or (lambda tag: None), text)
        with self.open_part(part) as stream:
            for _ in _feed(parser, stream, part):
                pass

    def _office_document(self) -> str:
        if "_rels/.rels" not in self._names:
            return "xl/workbook.xml"
        found = []

        def start(tag, attrs):
            if tag == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                found.append(attrs.get("Target", "").lstrip("/"))

        self._parse_whole("_rels/.rels", start)
        return found[0] if found else "xl/workbook.xml"

    def _relationships(self, part: str) -> dict[str, str]:
        path = PurePosixPath(part)
        rels_part = str(path.parent / "_rels" / (path.name + ".rels"))
        rels: dict[str, str] = {}
        if rels_part not in self._names:
            return rels

        def start(tag, attrs):
            # External targets (links to other workbooks) are never followed.
            if tag == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"{path.parent}/{target}"
                rels[attrs.get("Id", "")] = _normalise(target)

        self._parse_whole(rels_part, start)
        return rels

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = self._read_shared_strings()
        return self._shared

    def _read_shared_strings(self) -> list[str]:
        strings: list[str] = []
        part = self._shared_part
        if not part or part not in self._names:
            return strings
        buf: list[str] = []
        state = {"in_t": False, "in_rph": False, "chars": 0}

        def start(tag, attrs):
            if tag == "si":
                buf.clear()
                state["chars"] = 0
            elif tag == "t" and not state["in_rph"]:
                state["in_t"] = True
            elif tag == "rPh":
                state["in_rph"] = True

        def end(tag):
            if tag == "si":
                strings.append("".join(buf))
            elif tag == "t":
                state["in_t"] = False
            elif tag == "rPh":
                state["in_rph"] = False

        def text(data):
            if state["in_t"]:
                state["chars"] += len(data)
                if state["chars"] > MAX_CELL_CHARS:
                    raise SpreadsheetError(
                        f"В таблице общих строк есть текст длиннее {_num(MAX_CELL_CHARS)} символов "
                        "(предел Excel для ячейки): файл повреждён или составлен враждебно.",
                        code="cell_too_long",
                    )
                buf.append(data)

        self._parse_whole(part, start, end, text)
        return strings

    @property
    def date_styles(self) -> set[int]:
        """Indexes of cell formats (cellXfs) whose number format shows a date or a time."""
        if self._date_styles is None:
            self._date_styles = self._read_date_styles()
        return self._date_styles

    def _read_date_styles(self) -> set[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        part = self._styles_part
        if not part or part not in self._names:
            return set()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        state = {"in_xfs": False}

        def start(tag, attrs):
            if tag == "numFmt":
                fmt_id = attrs.get("numFmtId", "")
                if fmt_id.isdigit():
                    custom[int(fmt_id)] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                state["in_xfs"] = True
            elif tag == "xf" and state["in_xfs"]:
                try:
                    xfs.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)

        def end(tag):
            if tag == "cellXfs":
                state["in_xfs"] = False

        self._parse_whole(part, start, end)
        dates = set()
        for index, fmt_id in enumerate(xfs):
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
            if code and is_date_format(code):
                dates.add(index)
        return dates


def _normalise(path: str) -> str:
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


class Worksheet:
    """One sheet, streamed from its XML each time it is iterated."""

    def __init__(self, workbook: Workbook, title: str, part: str):
        self._wb = workbook
        self.title = title
        self._part = part

    def rows(self) -> Iterator[tuple[int, dict[int, object]]]:
        """(row number, {column number: value}) for each row holding at least one value, in order."""
        max_rows, max_cols = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS
        done: list[tuple[int, dict[int, object]]] = []
        st = _CellState()
        title = self.title

        depth = 0

        def start(tag, attrs):
            nonlocal depth
            depth += 1
            if depth > MAX_XML_DEPTH:
                raise too_deep()
            if ":" in tag:
                tag = local(tag)
            if tag == "c":
                st.begin_cell(attrs)
            elif tag == "v":
                st.capture = st.has_v = True
            elif tag == "row":
                r = attrs.get("r")
                st.row = int(r) if r and r.isdigit() else st.row + 1
                st.col = 0
                st.cells = {}
            elif tag == "f":
                st.formula = True
            elif tag == "t":
                if st.inline and not st.in_rph:
                    st.capture = True
            elif tag == "rPh":
                st.in_rph = True
            elif tag == "is":
                st.inline = True
                st.text.clear()

        def end(tag):
            nonlocal depth
            depth -= 1
            if ":" in tag:
                tag = local(tag)
            if tag == "c":
                value = st.value(self._wb, title)
                if value is not None and value != "":
                    if st.col > max_cols:
                        raise SpreadsheetError(
                            f"Лист «{title}»: данные в столбце {column_letter(st.col)} (№ {_num(st.col)}), "
                            f"а допускается не более {_num(max_cols)} столбцов (IMPORT_MAX_COLUMNS). "
                            "Удалите лишние столбцы или используйте шаблон.",
                            code="too_many_columns",
                        )
                    st.cells[st.col] = value
            elif tag == "v" or tag == "t":
                st.capture = False
            elif tag == "row":
                if st.cells:
                    if st.row > max_rows:
                        raise SpreadsheetError(
                            f"Лист «{title}»: данные в строке {_num(st.row)}, а допускается не более "
                            f"{_num(max_rows)} строк (IMPORT_MAX_ROWS). Разделите файл на части.",
                            code="too_many_rows",
                        )
                    done.append((st.row, st.cells))
                st.cells = {}
            elif tag == "rPh":
                st.in_rph = False

        def text(data):
            if st.capture:
                st.chars += len(data)
                if st.chars > MAX_CELL_CHARS:
                    raise SpreadsheetError(
                        f"Лист «{title}», ячейка {column_letter(st.col)}{st.row}: текст длиннее "
                        f"{_num(MAX_CELL_CHARS)} символов (предел Excel для ячейки).",
                        code="cell_too_long",
                    )
                st.text.append(data)

        parser = raw_parser(start, end, text)
        hook, count, next_report = _progress.get(), 0, PROGRESS_EVERY
        with self._wb.open_part(self._part) as stream:
            for _ in _feed(parser, stream, self._part):
                if done:
                    count += len(done)
                    yield from done
                    done.clear()
                    if hook is not None and count >= next_report:
                        hook(count)
                        next_report = count + PROGRESS_EVERY

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, values_only: bool = True):
        """openpyxl's read-only iteration: one tuple per row from min_row on, empty rows included up
        to the last row with data (never further, whatever the sheet's dimension says), each padded
        to the width of the header row."""
        if not values_only:
            raise ValueError("only values_only=True is supported")
        width = 0
        expected = min_row
        for number, cells in self.rows():
            if max_row is not None and number > max_row:
                return
            top = max(cells)
            if number == 1 or not width:
                width = max(width, top)
            if number < min_row:
                continue
            blank = (None,) * width
            while expected < number:
                yield blank
                expected += 1
            yield tuple(map(cells.get, range(1, max(width, top) + 1)))
            expected = number + 1


class _LazyRef:
    """A cell's address, computed only when a message needs it."""

    def __init__(self, st):
        self.st = st

    def __str__(self) -> str:
        return f"{column_letter(self.st.col)}{self.st.row}"

    __format__ = lambda self, spec: str(self)  # noqa: E731


class _CellState:
    """The cell being parsed: its place, type, style and collected text."""

    __slots__ = (
        "row",
        "col",
        "cells",
        "kind",
        "style",
        "formula",
        "inline",
        "in_rph",
        "capture",
        "text",
        "chars",
        "has_v",
    )

    def __init__(self):
        self.row = 0
        self.col = 0
        self.cells: dict[int, object] = {}
        self.text: list[str] = []
        self.begin_cell({})

    def begin_cell(self, attrs):
        ref = attrs.get("r")
        if ref:
            m = _REF.match(ref)
            if not m:
                raise SpreadsheetError(f"Ячейка с неверным адресом «{ref[:20]}». {NOT_XLSX}", code="bad_ref")
            letters = m.group(1)
            col = _COLUMNS.get(letters)
            if col is None:
                col = _COLUMNS[letters] = _column_index(letters)
            self.col = col
        else:
            self.col += 1
        self.kind = attrs.get("t", "n")
        style = attrs.get("s")
        self.style = int(style) if style and style.isdigit() else 0
        self.formula = self.inline = self.in_rph = self.capture = self.has_v = False
        self.text = []
        self.chars = 0

    def value(self, wb: Workbook, sheet: str):
        raw = "".join(self.text) if self.text else ""
        ref = _LazyRef(self)
        if self.inline or self.kind == "inlineStr":
            return raw
        if self.formula and not raw and self.kind != "str":  # `<v/>`: never calculated
            raise SpreadsheetError(
                f"Лист «{sheet}», ячейка {ref}: формула без сохранённого значения. Формулы при загрузке "
                "не вычисляются: откройте файл в Excel или LibreOffice и сохраните его (значения "
                "пересчитаются) или замените формулы значениями.",
                code="formula",
            )
        if not self.text:
            return None
        if self.kind == "s":
            strings = wb.shared_strings
            try:
                return strings[int(raw)]
            except (ValueError, IndexError):
                raise SpreadsheetError(
                    f"Лист «{sheet}», ячейка {ref}: {NOT_XLSX}", code="bad_string"
                ) from None
        if self.kind in ("str", "e"):
            return raw
        if self.kind == "b":
            return raw.strip() in ("1", "true")
        if self.kind == "d":
            from datetime import datetime

            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                return raw
        return self._number(raw.strip(), wb)

    def _number(self, raw: str, wb: Workbook):
        try:
            number = int(raw)
        except ValueError:
            try:
                number = float(raw)
            except ValueError:
                return raw
        if self.style and self.style in wb.date_styles:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

            try:
                return from_excel(number, CALENDAR_MAC_1904 if wb.date1904 else CALENDAR_WINDOWS_1900)
            except (ValueError, OverflowError):
                return number
        return number


# --- Opening ------------------------------------------------------------------------------------


def _check_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    limit_entries = settings.IMPORT_MAX_ZIP_ENTRIES
    if len(infos) > limit_entries:
        raise SpreadsheetError(
            f"В архиве XLSX слишком много частей: {_num(len(infos))}, допускается не более "
            f"{_num(limit_entries)} (IMPORT_MAX_ZIP_ENTRIES). Это не обычная книга Excel.",
            code="zip_entries",
        )
    limit_total = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    limit_ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
    limit_shared = settings.IMPORT_MAX_SHARED_STRINGS_BYTES
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SpreadsheetError("Книга защищена паролем (зашифрована): снимите защиту и загрузите снова.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(NOT_XLSX, code="zip_method")
        if info.file_size > limit_total:
            raise SpreadsheetError(
                f"Файл слишком велик после распаковки: часть «{info.filename[:60]}» занимает "
                f"{_mb(info.file_size)}, допускается не более {_mb(limit_total)} на всю книгу "
                "(IMPORT_MAX_UNCOMPRESSED_BYTES). Разделите файл на части.",
                code="unpacked_too_large",
            )
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > limit_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise SpreadsheetError(
                f"Файл сжат подозрительно сильно: часть «{info.filename[:60]}» распаковывается в "
                f"{_num(ratio)} раз больше, допускается не более чем в {_num(limit_ratio)} раз "
                "(IMPORT_MAX_COMPRESSION_RATIO). Пересохраните файл в Excel.",
                code="zip_ratio",
            )
        if info.filename.endswith("sharedStrings.xml") and info.file_size > limit_shared:
            raise SpreadsheetError(
                f"Таблица общих строк книги слишком велика: {_mb(info.file_size)}, допускается не более "
                f"{_mb(limit_shared)} (IMPORT_MAX_SHARED_STRINGS_BYTES). Разделите файл на части.",
                code="shared_strings",
            )
    if total > limit_total:
        raise SpreadsheetError(
            f"Файл слишком велик после распаковки: {_mb(total)}, допускается не более {_mb(limit_total)} "
            "(IMPORT_MAX_UNCOMPRESSED_BYTES). Разделите файл на части.",
            code="unpacked_too_large",
        )


def open_workbook(file) -> Workbook:
    """Check and open an XLSX given as bytes, a path, an uploaded file or a binary file object.
    Raises SpreadsheetError (a DomainError) with a Russian message on any refusal."""
    check_upload_size(file)
    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    elif hasattr(file, "seek"):
        file.seek(0)
    try:
        if not zipfile.is_zipfile(file):
            raise SpreadsheetError(NOT_XLSX, code="not_xlsx")
        if hasattr(file, "seek"):
            file.seek(0)
        zf = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SpreadsheetError(NOT_XLSX, code="not_xlsx") from None
    try:
        _check_zip(zf)
        return Workbook(zf)
    except BaseException:
        zf.close()
        raise
