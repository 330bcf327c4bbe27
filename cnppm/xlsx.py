"""The one way the portal writes XLSX files: every writer creates its workbook with `new_workbook()` and
turns it into bytes with `workbook_bytes()`, which neutralises every cell before saving.

A text typed by a user (a teacher's comment, a surname, an activity title) must stay text in the
file: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is what Excel and LibreOffice
evaluate as a formula (or what they turn into one when the cell is edited or the sheet is saved as
CSV). Such a string is stored as a plain string cell (openpyxl would store a string starting with `=`
as a formula) with the "quote prefix" style, the spreadsheet's own apostrophe: the visible text is
unchanged, and the application never evaluates it. Numbers and dates are not touched: a negative
number is a number.

tests/cnppm/test_xlsx.py fails when a module writes a workbook without going through here.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """A string a spreadsheet could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(cell: Cell) -> Cell:
    """Make one cell inert: a formula-like string stays a string, shown as typed."""
    value = cell.value
    if cell.data_type == "f" or formula_like(value):
        if not isinstance(value, str):  # an ArrayFormula or DataTableFormula object: keep its text
            value = str(getattr(value, "text", value) or "")
        cell._value = value  # bypass the setter: it would infer the formula type again
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def new_workbook() -> Workbook:
    """A new (in-memory, not write-only) workbook: write-only sheets stream cells past the final sweep."""
    return Workbook()


def neutralise(wb: Workbook) -> Workbook:
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    safe_cell(cell)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """The file, after every cell of every sheet has been made inert."""
    if getattr(wb, "write_only", False):
        raise ValueError("write-only workbooks cannot be checked before saving: use new_workbook()")
    neutralise(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def list_validation(
    ws,
    column: str,
    source: str,
    *,
    first_row: int = 2,
    last_row: int = 10_000,
    strict: bool = True,
    title: str = "",
):
    """A drop-down list on `column` (a letter) of `ws`, rows first_row..last_row, offering the values of
    `source` (a range such as "'Справочники'!$E$2:$E$6"). strict=False only informs (for a cell that may
    hold several values separated by commas). The list is a reference, not a formula in a cell: the
    file's cells stay inert."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showDropDown=False,  # openpyxl's inverted flag: False shows the arrow
        showErrorMessage=True,
        errorStyle="stop" if strict else "information",
        errorTitle=title or "Значение не из списка",
        error="Выберите значение из списка (лист «Справочники»).",
    )
    dv.add(f"{column}{first_row}:{column}{last_row}")
    ws.add_data_validation(dv)
    return dv
