"""The report framework (STYLE.md §9): a report is a class with its kind, title, who may see it, the
period (and comparison period) and scope it takes, `build_context()` computed from the database, and
two renderings: `render_pdf()` (WeasyPrint, SVG charts inline) and `render_xlsx()` (openpyxl).

A report's context is plain data: `tables` (a list of `Table`: columns, rows and a total row computed
from the rows), `statements` (sentences in words: the highest and lowest coverage, a missing
denominator) and `charts` (SVG strings). The XLSX writes every table on its own sheet; the PDF template
of each report lays the same data out as the seed document does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from cnppm import access, disclosure
from cnppm.choices import Role
from cnppm.services import DomainError
from cnppm.xlsx import new_workbook, workbook_bytes

from ..numbers import fmt, places, stamp, xlsx_format

MISSING = "нет данных"
HIDDEN = "скрыто"  # a small group's figure in the aggregate rendering (cnppm.disclosure)

REGION_REPORT_ROLES = frozenset({Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY})


@dataclass
class Table:
    """One table of a report. Cells are raw values: int (a count), Decimal (a share, already rounded;
    printed with as many decimals as it carries), str (text, or a statement that a figure is missing),
    None (no figure: printed as a dash)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""
    sheet: str = ""
    # Column widths in the PDF (CSS, e.g. "40%"); by default a number column is narrow and the first
    # text column twice as wide as the others. The PDF's tables are laid out fixed to the page width.
    widths: list[str] | None = None

    @property
    def col_widths(self) -> list[str]:
        if self.widths:
            return self.widths
        narrow = [c.strip().startswith("№") for c in self.columns]
        weights = [0.0 if n else 1.0 for n in narrow]
        first_text = next((i for i, n in enumerate(narrow) if not n), None)
        if first_text is not None and len(self.columns) > 2:
            weights[first_text] = 2.0
        free = 100.0 - 6.0 * sum(narrow)
        total = sum(weights) or 1.0
        return ["6%" if n else f"{free * w / total:.1f}%" for n, w in zip(narrow, weights, strict=True)]

    @property
    def display_rows(self) -> list[list[dict]]:
        return [[_cell(v) for v in row] for row in self.rows]

    @property
    def display_total(self) -> list[dict] | None:
        return None if self.total is None else [_cell(v) for v in self.total]

    @property
    def sheet_name(self) -> str:
        name = self.sheet or self.title
        for ch in "[]:*?/\\":
            name = name.replace(ch, " ")
        return name[:31]


def _cell(value) -> dict:
    return {
        "text": cell_text(value),
        "num": isinstance(value, int | Decimal | float) and not isinstance(value, bool),
    }


def cell_text(value) -> str:
    """How a cell is printed in the PDF: Russian number notation, a dash for no figure."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int):
        return fmt(value, 0)
    if isinstance(value, Decimal):
        return fmt(value, decimals_of(value))
    if isinstance(value, float):
        return fmt(value, 1)
    return str(value)


class Report:
    """Base class. Subclasses set the attributes and implement `compute()`."""

    kind: str = ""
    title: str = ""
    template_name: str = ""
    # Roles that may request and download this report; the scope check narrows further.
    roles: frozenset[str] = REGION_REPORT_ROLES
    requires_municipality: bool = False
    accepts_municipality: bool = False
    requires_comparison: bool = False
    # Whether the rendered file lists people (downloads are then logged as a personal-data export).
    has_personal_data: bool = False

    @property
    def places(self) -> int:
        """The decimals of this report's shares (monitoring.numbers.DECIMALS, one rule per kind)."""
        return places(self.kind)

    def places_for(self, code: str) -> int:
        """The decimals of an indicator's share in this report (the seed form may differ per row)."""
        return places(self.kind, code)

    def __init__(self, *, period, municipality=None, compare_with=None, audience: str = "full"):
        self.period = period
        self.municipality = municipality
        self.compare_with = compare_with
        self.audience = audience
        self.validate()

    @property
    def aggregate(self) -> bool:
        """The rendering for aggregate-only viewers: counts instead of names, small groups suppressed
        (cnppm.disclosure)."""
        return self.audience == "aggregate"

    def hides(self, participants) -> bool:
        """Whether figures about this many people (a mean, extremes, counts by level) are hidden in
        this rendering: only in the aggregate one, below the small-group threshold."""
        return self.aggregate and 0 < (participants or 0) < disclosure.threshold()

    @staticmethod
    def hidden_note() -> str:
        return f"«{HIDDEN}» — показатели группы менее {disclosure.threshold()} человек не приводятся."

    # --- who may see it -----------------------------------------------------------------------

    @classmethod
    def role_allows(cls, user) -> bool:
        return access.has_role(user, *cls.roles)

    def scope_allows(self, user) -> bool:
        """Region roles and the ministry: reports of their region; a municipal methodist: the reports
        of their own municipality (only those that take a municipality)."""
        if not self.role_allows(user):
            return False
        scope = access.scope_of(user)
        region_id = self.period.region_id
        if region_id in scope.aggregate_region_ids and (
            scope.roles & REGION_REPORT_ROLES or getattr(user, "is_superuser", False)
        ):
            return True
        if getattr(user, "is_superuser", False):
            return True
        if self.municipality is not None and Role.MUNICIPAL_METHODIST in scope.roles:
            return self.municipality.pk in scope.municipality_ids
        return False

    # --- what it takes ------------------------------------------------------------------------

    def validate(self) -> None:
        if self.requires_municipality and self.municipality is None:
            raise DomainError("Для этого отчёта выберите муниципалитет.")
        if not (self.requires_municipality or self.accepts_municipality):
            self.municipality = None
        if self.municipality is not None and self.municipality.region_id != self.period.region_id:
            raise DomainError("Муниципалитет не относится к региону периода.")
        if self.requires_comparison:
            if self.compare_with is None:
                raise DomainError("Для сравнения выберите предыдущий период.")
            if self.compare_with.region_id != self.period.region_id:
                raise DomainError("Периоды сравнения относятся к разным регионам.")
            if self.compare_with.ends_on >= self.period.ends_on:
                raise DomainError("Период для сравнения должен заканчиваться раньше отчётного периода.")
        else:
            self.compare_with = None

    # --- content ------------------------------------------------------------------------------

    def compute(self) -> dict:
        raise NotImplementedError

    def build_context(self) -> dict:
        from .figures import Source, has_iom_rule_text

        self.source = Source(self.period)

        context = {
            "report": self,
            "title": self.title,
            "period": self.period,
            "compare_with": self.compare_with,
            "municipality": self.municipality,
            "region": self.period.region,
            "generated_at": timezone.localtime(),
            # The moment the figures were computed (the computation the dashboard shows too).
            "computation": self.source.computation,
            "computed_at": timezone.localtime(self.source.computed_at),
            "computed_stamp": stamp(self.source.computed_at),
            "rule": has_iom_rule_text(),
            "statements": [],
            "tables": [],
            "charts": {},
            "source_note": self.source.note(),
        }
        context.update(self.compute())
        context["table"] = {t.key: t for t in context["tables"]}
        return context

    # --- renderings ---------------------------------------------------------------------------

    def render(self, fmt_: str, context: dict | None = None) -> bytes:
        if fmt_ == "pdf":
            return self.render_pdf(context)
        if fmt_ == "xlsx":
            return self.render_xlsx(context)
        raise DomainError(f"Неизвестный формат отчёта: {fmt_}")

    def render_html(self, context: dict | None = None) -> str:
        context = context or self.build_context()
        return render_to_string(self.template_name, context)

    def render_pdf(self, context: dict | None = None) -> bytes:
        from cnppm.pdf import write_pdf  # the process's one font configuration, the collector paused

        return write_pdf(self.render_html(context), base_url=str(settings.BASE_DIR))

    def render_xlsx(self, context: dict | None = None) -> bytes:
        from openpyxl.styles import Alignment, Font

        context = context or self.build_context()
        wb = new_workbook()
        ws = wb.active
        ws.title = "Сводка"
        bold = Font(bold=True)
        ws.append([context["title"]])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(["Регион", str(context["region"])])
        ws.append(["Период", period_label(self.period)])
        if self.compare_with:
            ws.append(["Сравнение с периодом", period_label(self.compare_with)])
        if self.municipality:
            ws.append(["Муниципалитет", str(self.municipality)])
        ws.append(["Рассчитано", context["computed_at"].strftime("%d.%m.%Y %H:%M")])
        ws.append(["Сформирован", context["generated_at"].strftime("%d.%m.%Y %H:%M")])
        ws.append(["Правило учёта ИОМ", context["rule"]])
        ws.append(["Источник данных", context["source_note"]])
        ws.append([])
        for statement in context["statements"]:
            ws.append([statement])
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 100
        for row in ws.iter_rows(min_row=2, max_col=2):
            row[1].alignment = Alignment(wrap_text=True, vertical="top")
        used = {"Сводка"}
        for table in context["tables"]:
            name = table.sheet_name
            n = 2
            while name in used:
                name = f"{table.sheet_name[:28]} {n}"
                n += 1
            used.add(name)
            sheet = wb.create_sheet(name)
            sheet.append([table.title])
            sheet["A1"].font = bold
            sheet.append(table.columns)
            for c in sheet[2]:
                c.font = bold
                c.alignment = Alignment(wrap_text=True, vertical="top")
            for row in table.rows:
                _append_numbers(sheet, row)
            if table.total is not None:
                _append_numbers(sheet, table.total)
                for c in sheet[sheet.max_row]:
                    c.font = bold
            if table.note:
                sheet.append([])
                sheet.append([table.note])
            sheet.column_dimensions["A"].width = 8 if table.columns and table.columns[0] == "№" else 40
            for letter in "BCDEFGH":
                sheet.column_dimensions[letter].width = 22
        return workbook_bytes(wb)

    def filename(self, fmt_: str) -> str:
        parts = [self.kind, self.period.code]
        if self.compare_with:
            parts.append(f"vs-{self.compare_with.code}")
        if self.municipality:
            parts.append(self.municipality.code)
        if self.aggregate:
            parts.append("aggregate")
        return "_".join(parts) + f".{fmt_}"


def _append_numbers(sheet, row: list) -> None:
    """A table row; a share keeps the decimals the PDF prints it with (34,50 stays 34,50)."""
    sheet.append([xlsx_value(v) for v in row])
    for cell, value in zip(sheet[sheet.max_row], row, strict=False):
        if isinstance(value, Decimal):
            cell.number_format = xlsx_format(decimals_of(value))


def decimals_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def xlsx_value(value):
    """Numbers stay numbers in the XLSX (a share 34,5 is the number 34.5); no figure is an empty cell."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def period_label(period) -> str:
    return f"{period.code} ({period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y})"
