"""Rendering of the ИОМ card (seed 004 Appendix 4 with its Appendices 1 and 2) to PDF (WeasyPrint)
and XLSX (openpyxl), from `routes.selectors.card_context`. Pure rendering: no scoping, no logging;
views and tasks do that."""

from __future__ import annotations

import os
import re
from functools import cache

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.template.loader import render_to_string
from django.utils.functional import cached_property

from cnppm.templatetags.russian import past
from cnppm.xlsx import new_workbook, workbook_bytes


class PrivateStorage(FileSystemStorage):
    """Files with personal data, kept beside MEDIA_ROOT (not under it, so /media/ never serves
    them): <MEDIA_ROOT>/../private_media unless settings.PRIVATE_MEDIA_ROOT says otherwise."""

    @cached_property
    def base_location(self):
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        if configured:
            return str(configured)
        media = os.path.normpath(str(settings.MEDIA_ROOT))
        return os.path.join(os.path.dirname(media), "private_media")

    @cached_property
    def location(self):
        return os.path.abspath(self.base_location)

    @cached_property
    def base_url(self):
        return None


@cache
def private_storage() -> PrivateStorage:
    return PrivateStorage()


def card_filename(route, ext: str) -> str:
    """ИОМ_Фамилия_И_О_2025-2026_<id>.pdf: readable and unique inside an archive."""
    name = re.sub(r"[^\w-]+", "_", route.teacher.short_name if route.teacher_id else "").strip("_")
    return f"ИОМ_{name}_{route.academic_year}-{route.academic_year + 1}_{route.pk}.{ext}"


def fetch_card(pk):
    from .selectors import card_queryset

    return card_queryset().get(pk=pk)


# --- PDF --------------------------------------------------------------------------------------


def card_html(route, card: dict | None = None) -> str:
    """The PDF template rendered; `card` is the route's `card_context` when already built."""
    from .selectors import card_context

    return render_to_string(
        "routes/pdf/card.html",
        {"card": card if card is not None else card_context(route), "PORTAL_NAME": settings.PORTAL_NAME},
    )


def render_card_pdf(route, card: dict | None = None) -> bytes:
    """The card as PDF bytes, laid out like the template (A4 landscape for the wide tables)."""
    from cnppm.pdf import write_pdf

    return write_pdf(card_html(route, card), base_url=str(settings.BASE_DIR))


# --- XLSX -------------------------------------------------------------------------------------


def _fmt(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _percent(value):
    return float(value) if value is not None else None


def render_card_xlsx(route) -> bytes:
    """The card as a workbook laid out like seed 004's Appendix 4: sheet "Карта ИОМ" (approval
    block, sections 1–2), "Приложение 1" (corrections, tasks, plan, monitoring, final event),
    "Приложение 2" (final results, conclusions with their date and signatures)."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from .selectors import card_context

    card = card_context(route)
    wb = new_workbook()
    ws = wb.active
    ws.title = "Карта ИОМ"
    bold = Font(bold=True)
    title_font = Font(bold=True, size=13)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(sheet, row, values, *, font=None, boxed=False):
        for col, value in enumerate(values, 1):
            cell = sheet.cell(row=row, column=col, value=value)
            cell.alignment = wrap
            if font:
                cell.font = font
            if boxed:
                cell.border = border
        return row + 1

    def table(sheet, row, header, rows):
        row = put(sheet, row, header, font=bold, boxed=True)
        for values in rows:
            row = put(sheet, row, values, boxed=True)
        return row + 1

    def diagnostics_rows(section):
        return [
            [
                r["name"],
                "; ".join(r["difficulties"]),
                _percent(r["low"]),
                _percent(r["medium"]),
                _percent(r["high"]),
                _percent(r["overall"]),
            ]
            for r in section["rows"]
        ]

    agreed, approved = card["approval"]["agreed"], card["approval"]["approved"]
    r = put(ws, 1, ["СОГЛАСОВАНО", "", "", "УТВЕРЖДАЮ"], font=bold)
    for label, key in (
        ("должность", "position"),
        ("организация", "organization"),
        ("имя, отчество, фамилия", "name"),
        ("дата", "date"),
    ):
        r = put(
            ws, r, [agreed.get(key) or f"_____ ({label})", "", "", approved.get(key) or f"_____ ({label})"]
        )
    r = put(ws, r + 1, [card["title"]], font=title_font)
    r = put(ws, r, [f"Статус: {card['status_label']}"])
    h = card["headings"]
    r = put(ws, r + 1, [h["info"]], font=bold)
    r = table(ws, r, ["Сведения", "Значение"], [[row["label"], row["value"]] for row in card["section1"]])
    r = put(ws, r, [h["entry"]], font=bold)
    header = ["Компетенции", "Затруднения", "низкий, %", "средний, %", "высокий, %", "общий, %"]
    table(ws, r, header, diagnostics_rows(card["section2"]))
    for col, width in enumerate((34, 40, 14, 14, 14, 14), 1):
        ws.column_dimensions[get_column_letter(col)].width = width

    teacher = card["teacher"]
    ws1 = wb.create_sheet("Приложение 1")
    r = put(ws1, 1, [h["appendix1"]], font=bold)
    r = put(ws1, r, [teacher["full_name"]])
    r = put(ws1, r, [teacher["position"]])
    r = put(ws1, r, [teacher["organization"]])
    r = put(ws1, r + 1, [h["corrections"]], font=bold)
    r = table(
        ws1,
        r,
        [
            "№ п/п",
            "Дата внесения изменения",
            "Причины внесения изменения",
            "Что изменено",
            "Подпись регионального методиста",
            "Дата ознакомления",
            "Подпись педагогического работника",
        ],
        [
            [
                c["number"],
                _fmt(c["date"]),
                c["reason"],
                c["description"],
                c["signed_by"],
                _fmt(c["acknowledged_date"]),
                teacher["short_name"] if c["acknowledged_at"] else "",
            ]
            for c in card["corrections"]
        ],
    )
    r = put(ws1, r, [h["tasks"]], font=bold)
    for task in card["educational_tasks"] or ["—"]:
        r = put(ws1, r, [task])
    r = put(ws1, r + 1, [h["plan"]], font=bold)
    r = table(
        ws1,
        r,
        [
            "№",
            "Мероприятие",
            "Формируемые компетенции",
            "Уровень",
            "Организатор",
            "Сроки",
            "Результат / форма",
        ],
        [
            [
                a["number"],
                a["title"],
                a["competences_label"],
                a["level_label"],
                a["organizer"],
                a["dates"],
                a["result_form"],
            ]
            for a in card["activities"]
        ],
    )
    r = put(ws1, r, [h["monitoring"]], font=bold)
    r = table(
        ws1,
        r,
        [
            "№",
            "Мероприятие",
            "Формируемые компетенции",
            "Уровень",
            "Организатор",
            "Сроки",
            "Отметка о выполнении",
            "Причины невыполнения",
            "Результат / форма",
        ],
        [
            [
                a["number"],
                a["title"],
                a["competences_label"],
                a["level_label"],
                a["organizer"],
                a["dates"],
                a["outcome_label"],
                a["not_done_reason"],
                a["result_form"],
            ]
            for a in card["activities"]
        ],
    )
    final = card["final_event"]
    r = put(ws1, r, [h["final_event"]], font=bold)
    table(
        ws1,
        r,
        ["Мероприятие", "Уровень проведения", "Сроки проведения", "Отметка о выполнении"],
        [
            [
                final["title"],
                final["level_label"],
                final["dates"],
                final["status_label"],
            ]
        ],
    )
    for col, width in enumerate((8, 40, 28, 22, 26, 22, 22, 26, 26), 1):
        ws1.column_dimensions[get_column_letter(col)].width = width

    ws2 = wb.create_sheet("Приложение 2")
    r = put(ws2, 1, [h["appendix2"]], font=bold)
    r = put(ws2, r, [teacher["full_name"]])
    r = put(ws2, r, [teacher["position"]])
    r = put(ws2, r, [teacher["organization"]])
    r = put(ws2, r + 1, [h["results"]], font=title_font)
    r = put(ws2, r, [h["final"]], font=bold)
    final_diag = card["final_diagnostics"]
    if final_diag:
        r = table(ws2, r, header, diagnostics_rows(final_diag))
    else:
        r = put(ws2, r, ["Итоговая диагностика не пройдена"]) + 1
    r = put(ws2, r, [h["conclusions"]], font=bold)
    for line in card["conclusions_lines"] or ["—"]:
        r = put(ws2, r, [line])
    sig = card["signatures"]
    r = put(ws2, r + 1, [sig["date_line"]])
    r = put(ws2, r, ["Региональный методист", sig["regional_methodist"] or "_____ / _____"])
    r = put(ws2, r, ["Руководитель образовательной организации", sig["school_head"] or "_____ / _____"])
    put(
        ws2,
        r,
        [
            "С выводами " + past(card["teacher"]["full_name"], "ознакомлен,ознакомлена"),
            (sig["teacher"] + " " + _fmt(sig["teacher_acknowledged_at"])).strip()
            if sig["teacher_acknowledged_at"]
            else "_____ / _____",
        ],
    )
    for col, width in enumerate((34, 40, 14, 14, 14, 14), 1):
        ws2.column_dimensions[get_column_letter(col)].width = width

    return workbook_bytes(wb)  # teachers' texts stay text, never formulas
