"""The catalogue's XLSX import: the template, and a parser that checks every row and column and
returns either parsed rows or the list of errors (row number as in Excel, column title)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl.styles import Font

from cnppm.models import Municipality, Subject
from cnppm.spreadsheets import NOT_XLSX, SpreadsheetError, open_workbook
from cnppm.xlsx import new_workbook, workbook_bytes
from diagnostics.models import CompetenceBlock

from .choices import ActivityFormat, ActivityKind, ActivityLevel

# (key, header, required, hint)
COLUMNS = [
    ("kind", "Вид", True, "; ".join(ActivityKind.labels)),
    ("title", "Название", True, ""),
    ("description", "Описание", False, ""),
    ("competences", "Компетенции", True, "коды или названия блоков через «;»"),
    ("subjects", "Предметные области", False, "коды или названия через «;»; пусто — для всех"),
    ("level", "Уровень", True, "; ".join(ActivityLevel.labels)),
    ("format", "Формат", True, "; ".join(ActivityFormat.labels)),
    ("organizer", "Организатор", True, ""),
    ("municipality", "Муниципалитет", False, "код или название; обязателен для муниципальных"),
    ("starts_on", "Начало", False, "дата ДД.ММ.ГГГГ"),
    ("ends_on", "Окончание", False, "дата ДД.ММ.ГГГГ"),
    ("hours", "Часов", False, "целое число"),
    ("in_federal_registry", "В федеральном реестре", False, "да / нет"),
    ("registry_number", "Номер в реестре", False, ""),
    ("audience", "Аудитория", False, ""),
]
HEADERS = [c[1] for c in COLUMNS]
MAX_ROWS = 5000


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_workbook() -> bytes:
    wb = new_workbook()
    ws = wb.active
    ws.title = "Мероприятия"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            ActivityKind.QUALIFICATION.label,
            "Формирование функциональной грамотности обучающихся на уроках физики",
            "ДПП ПК, 36 часов, итоговая аттестация — защита методической разработки",
            "subject; methodical",
            "",
            ActivityLevel.REGIONAL.label,
            ActivityFormat.DISTANCE.label,
            "ЦНППМ",
            "",
            "01.02.2026",
            "28.02.2026",
            36,
            "да",
            "ФР-2025-0147",
            "учителя физики",
        ]
    )
    for i, width in enumerate([22, 50, 40, 28, 24, 16, 14, 24, 20, 12, 12, 8, 12, 18, 24], 1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ref = wb.create_sheet("Справочник")
    ref.append(["Столбец", "Обязательный", "Допустимые значения"])
    for _key, header, required, hint in COLUMNS:
        ref.append([header, "да" if required else "нет", hint])
    ref.append([])
    ref.append(["Блоки компетенций (код — название)"])
    for block in CompetenceBlock.objects.order_by("audience", "order"):
        ref.append([block.code, block.name])
    ref.append([])
    ref.append(["Предметные области (код — название)"])
    for subject in Subject.objects.all():
        ref.append([subject.code, subject.name])
    return workbook_bytes(wb)


def _lookup(model, value: str, fields=("code", "name")):
    for f in fields:
        obj = model.objects.filter(**{f"{f}__iexact": value}).first()
        if obj is not None:
            return obj
    return None


def _choice(choices, value: str):
    v = value.strip().lower()
    for code, label in choices.choices:
        if v in (code.lower(), str(label).lower()):
            return code
    return None


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _rows_or_error(ws, result: ImportResult):
    """The sheet's rows; a limit of the bounded reader reached midway ends them with its message."""
    try:
        yield from ws.iter_rows(values_only=True)
    except SpreadsheetError as exc:
        result.errors.append(exc.message)


def parse_catalogue(data: bytes) -> ImportResult:
    """Parse the first sheet; the header row must name the template's columns (any order)."""
    result = ImportResult()
    try:
        wb = open_workbook(data)
    except SpreadsheetError as exc:
        broken = exc.message == NOT_XLSX
        result.errors.append(
            "Файл не читается как XLSX. Скачайте шаблон и заполните его." if broken else exc.message
        )
        return result
    ws = wb.worksheets[0]
    rows = _rows_or_error(ws, result)
    header = next(rows, None)
    if not header:
        if not result.errors:
            result.errors.append("Файл пуст: нет строки заголовков.")
        return result
    names = [str(h).strip() if h is not None else "" for h in header]
    index = {}
    for key, title, required, _hint in COLUMNS:
        if title in names:
            index[key] = names.index(title)
        elif required:
            result.errors.append(f"Нет обязательного столбца «{title}».")
    unknown = [n for n in names if n and n not in HEADERS]
    if unknown:
        result.errors.append(
            "Неизвестные столбцы: " + ", ".join(f"«{n}»" for n in unknown) + ". Используйте шаблон."
        )
    if result.errors:
        return result
    blocks = {b.code.lower(): b for b in CompetenceBlock.objects.all()} | {
        b.name.lower(): b for b in CompetenceBlock.objects.all()
    }
    subjects = {s.code.lower(): s for s in Subject.objects.all()} | {
        s.name.lower(): s for s in Subject.objects.all()
    }
    titles = {k: t for k, t, _r, _h in COLUMNS}
    for excel_row, values in enumerate(rows, 2):
        if values is None or all(v in (None, "") for v in values):
            continue
        if excel_row - 1 > MAX_ROWS:
            result.errors.append(f"Больше {MAX_ROWS} строк: разделите файл.")
            break

        def cell(key, values=values):
            i = index.get(key)
            if i is None or i >= len(values):
                return None
            v = values[i]
            return v.strip() if isinstance(v, str) else v

        row: dict = {}
        errs: list[str] = []

        def err(key, message, excel_row=excel_row, errs=errs):
            errs.append(f"Строка {excel_row}, столбец «{titles[key]}»: {message}")

        for key in ("title", "description", "organizer", "registry_number", "audience"):
            v = cell(key)
            row[key] = "" if v is None else str(v)
        for key, choices in (("kind", ActivityKind), ("level", ActivityLevel), ("format", ActivityFormat)):
            v = cell(key)
            code = _choice(choices, str(v)) if v not in (None, "") else None
            if code is None:
                err(key, "пусто" if v in (None, "") else f"«{v}» — нет такого значения")
            row[key] = code
        if not row["title"]:
            err("title", "пусто")
        if not row["organizer"]:
            err("organizer", "пусто")
        comp_text = str(cell("competences") or "")
        comps = []
        for part in filter(None, (p.strip() for p in comp_text.split(";"))):
            block = blocks.get(part.lower())
            if block is None:
                err("competences", f"«{part}» — нет такого блока компетенций")
            else:
                comps.append(block)
        if not comp_text.strip():
            err("competences", "пусто")
        row["competences"] = comps
        subs = []
        for part in filter(None, (p.strip() for p in str(cell("subjects") or "").split(";"))):
            subject = subjects.get(part.lower())
            if subject is None:
                err("subjects", f"«{part}» — нет такой предметной области")
            else:
                subs.append(subject)
        row["subjects"] = subs
        muni = cell("municipality")
        row["municipality"] = None
        if muni not in (None, ""):
            row["municipality"] = _lookup(Municipality, str(muni))
            if row["municipality"] is None:
                err("municipality", f"«{muni}» — нет такого муниципалитета")
        elif row["level"] == ActivityLevel.MUNICIPAL:
            err("municipality", "обязателен для муниципального мероприятия")
        for key in ("starts_on", "ends_on"):
            try:
                row[key] = _date(cell(key))
            except ValueError:
                err(key, f"«{cell(key)}» — не дата (нужно ДД.ММ.ГГГГ)")
                row[key] = None
        if row["starts_on"] and row["ends_on"] and row["ends_on"] < row["starts_on"]:
            err("ends_on", "окончание раньше начала")
        hours = cell("hours")
        row["hours"] = None
        if hours not in (None, ""):
            try:
                row["hours"] = int(float(hours))
                if row["hours"] <= 0 or row["hours"] != float(hours):
                    raise ValueError
            except (TypeError, ValueError):
                err("hours", f"«{hours}» — нужно целое положительное число")
                row["hours"] = None
        reg = str(cell("in_federal_registry") or "").lower()
        if reg in ("", "нет", "no", "0", "false"):
            row["in_federal_registry"] = False
        elif reg in ("да", "yes", "1", "true"):
            row["in_federal_registry"] = True
        else:
            err("in_federal_registry", f"«{reg}» — нужно «да» или «нет»")
            row["in_federal_registry"] = False
        if row["in_federal_registry"] and not row["registry_number"]:
            err("registry_number", "укажите номер программы в федеральном реестре")
        row["_row"] = excel_row
        result.errors.extend(errs)
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append("В файле нет ни одной строки с мероприятием.")
    return result


def import_catalogue(*, actor, data: bytes) -> ImportResult:
    """Parse and, when every row is valid for this actor, create all rows in one transaction."""
    from cnppm.services import DomainError

    from .services.catalogue import catalogue_activity_validate, catalogue_import

    result = parse_catalogue(data)
    if not result.ok:
        return result
    for row in result.rows:
        problems = catalogue_activity_validate(actor=actor, data=row)
        result.errors.extend(f"Строка {row['_row']}: {p}" for p in problems)
    if not result.ok:
        return result
    try:
        created = catalogue_import(
            actor=actor, rows=[{k: v for k, v in r.items() if k != "_row"} for r in result.rows]
        )
    except DomainError as exc:
        result.errors.append(exc.message)
        return result
    result.rows = created
    return result
