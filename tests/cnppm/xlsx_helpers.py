"""Build XLSX files in memory for the import tests."""

from __future__ import annotations

import io

import openpyxl

from cnppm.importers import ROSTER_COLUMNS


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def roster_file(rows: list[dict], columns=ROSTER_COLUMNS) -> io.BytesIO:
    data = [list(columns)] + [[row.get(c, "") for c in columns] for row in rows]
    return io.BytesIO(workbook_bytes({"Реестр": data}))


def roster_row(**overrides) -> dict:
    row = {
        "Муниципалитет": "Первый район",
        "Организация": "Школа 1",
        "Фамилия": "Петрова",
        "Имя": "Анна",
        "Отчество": "Сергеевна",
        "Email": "petrova@example.ru",
        "Должность": "учитель физики",
        "Образование": "высшее",
        "Педагогический стаж": 12,
        "Квалификационная категория": "первая",
        "Предметы": "физика",
        "Роль": "педагог",
    }
    row.update(overrides)
    return row
