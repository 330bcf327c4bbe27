"""Files the authoring side gives out: an instrument's items as Moodle XML (round-trips through the
importer) or as the portal's XLSX template, the empty template itself, the results-import template,
statistics tables as XLSX (aggregates only) and final results per person and block (person-level:
the caller logs it with personal_data_log)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from openpyxl.styles import Alignment, Font

from cnppm.xlsx import new_workbook, workbook_bytes

from .choices import DeficitLevel, ItemType
from .importers.common import matching_pairs, ordering_texts
from .importers.xlsx import COLUMNS, TYPE_NAMES, item_to_cells
from .models import CompetenceBlock, Instrument, Item

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _html(text: str) -> str:
    return "<br>\n".join(html.escape(line) for line in (text or "").split("\n"))


def _text(parent, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = _html(value) if fmt == "html" else value
    return el


def _answer(parent, fraction, text: str, fmt: str = "html") -> None:
    el = ET.SubElement(parent, "answer", {"fraction": f"{fraction:g}", "format": fmt})
    ET.SubElement(el, "text").text = _html(text) if fmt == "html" else text
    _text(el, "feedback", "")


def _image(questiontext: ET.Element, item: Item) -> None:
    """The item's image as Moodle writes one: <img src="@@PLUGINFILE@@/name"> in the text and the
    file itself, base64, beside it (read back by diagnostics.importers.moodle_xml)."""
    if not item.image:
        return
    try:
        with item.image.open("rb") as fh:
            content = fh.read()
    except OSError:
        return
    name = Path(item.image.name).name
    text = questiontext.find("text")
    text.text = (text.text or "") + f'<br>\n<img src="@@PLUGINFILE@@/{quote(name)}" alt="">'
    file = ET.SubElement(questiontext, "file", {"name": name, "path": "/", "encoding": "base64"})
    file.text = base64.b64encode(content).decode("ascii")


def _shares(k: int) -> list[float]:
    """The fractions of k correct answers that Moodle's importer accepts: each one of its grade
    options (100, 50, 33.33333 … 10, 5 %) and together 100 %. Up to 10 answers share equally; 11 to
    20 get 10 % and 5 % steps."""
    if k <= 10 or k > 20:
        return [round(100 / k, 5)] * k if k else []
    tens = 20 - k  # 10·tens + 5·(k − tens) = 100
    return [10.0] * tens + [5.0] * (k - tens)


def _question(item: Item) -> ET.Element | None:
    kind = {
        ItemType.SINGLE: "multichoice",
        ItemType.MULTIPLE: "multichoice",
        ItemType.MATCHING: "matching",
        ItemType.ORDERING: "ordering",
        ItemType.SHORT: "shortanswer",
        ItemType.EXTENDED: "essay",
    }.get(item.type)
    if kind is None:
        return None
    q = ET.Element("question", {"type": kind})
    name = ET.SubElement(q, "name")
    ET.SubElement(name, "text").text = item.topic
    qt = _text(q, "questiontext", item.stem)
    _image(qt, item)
    ET.SubElement(q, "defaultgrade").text = f"{item.points:g}"
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"
    if item.type in (ItemType.SINGLE, ItemType.MULTIPLE):
        ET.SubElement(q, "single").text = "true" if item.type == ItemType.SINGLE else "false"
        ET.SubElement(q, "shuffleanswers").text = "true"
        ET.SubElement(q, "answernumbering").text = "abc"
        correct = set(item.key.get("correct", []))
        shares = iter(_shares(len(correct)))
        for choice in item.options.get("choices", []):
            if choice["id"] in correct:
                fraction = 100 if item.type == ItemType.SINGLE else next(shares)
            else:
                fraction = 0 if item.type == ItemType.SINGLE else -100
            _answer(q, fraction, choice["text"])
    elif item.type == ItemType.MATCHING:
        ET.SubElement(q, "shuffleanswers").text = "true"
        pairs, distractors = matching_pairs(item.options, item.key)
        for left, right in [*pairs, *(("", d) for d in distractors)]:
            sub = ET.SubElement(q, "subquestion", {"format": "html"})
            ET.SubElement(sub, "text").text = _html(left)
            ans = ET.SubElement(sub, "answer")
            ET.SubElement(ans, "text").text = right
    elif item.type == ItemType.ORDERING:
        ET.SubElement(q, "layouttype").text = "VERTICAL"
        ET.SubElement(q, "selecttype").text = "ALL"
        ET.SubElement(q, "selectcount").text = "0"
        ET.SubElement(q, "gradingtype").text = (
            "RELATIVE_TO_CORRECT" if item.partial_credit else "ALL_OR_NOTHING"
        )
        for text in ordering_texts(item.options, item.key):
            _answer(q, 1, text, fmt="moodle_auto_format")
    elif item.type == ItemType.SHORT:
        ET.SubElement(q, "usecase").text = "0"
        for text in item.key.get("accepted", []):
            _answer(q, 100, text, fmt="moodle_auto_format")
    elif item.type == ItemType.EXTENDED:
        ET.SubElement(q, "responseformat").text = "editor"
        ET.SubElement(q, "responsefieldlines").text = "15"
        _text(q, "graderinfo", item.rubric)
    tags = ET.SubElement(q, "tags")
    ET.SubElement(ET.SubElement(tags, "tag"), "text").text = f"сложность:{item.difficulty}"
    if item.type in (ItemType.MULTIPLE, ItemType.MATCHING, ItemType.ORDERING):
        flag = "да" if item.partial_credit else "нет"
        ET.SubElement(ET.SubElement(tags, "tag"), "text").text = f"частичный балл:{flag}"
    return q


def instrument_items(instrument: Instrument):
    return (
        Item.objects.filter(variant__instrument=instrument)
        .select_related("variant", "block")
        .order_by("variant__number", "number")
    )


def items_to_moodle_xml(instrument: Instrument) -> tuple[bytes, int]:
    """(the file, the number of self-analysis items left out: Moodle has no questionnaire type)."""
    quiz = ET.Element("quiz")
    current = None
    skipped = 0
    for item in instrument_items(instrument):
        question = _question(item)
        if question is None:
            skipped += 1
            continue
        category = f"$course$/top/{instrument.code}/{item.block.name}/Вариант {item.variant.number}"
        if category != current:
            cq = ET.SubElement(quiz, "question", {"type": "category"})
            cat = ET.SubElement(cq, "category")
            ET.SubElement(cat, "text").text = category
            current = category
        quiz.append(question)
    ET.indent(quiz)
    body = ET.tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8"), skipped


# --- XLSX -----------------------------------------------------------------------------------------


def _workbook_bytes(wb) -> bytes:
    return workbook_bytes(wb)  # item texts and names stay text, never formulas


def _header(ws, titles: list[str]) -> None:
    ws.append(titles)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for idx, title in enumerate(titles, start=1):
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = max(
            12, min(48, len(title) + 6)
        )


def _item_row(item: Item) -> list:
    options, answer = item_to_cells(item.type, item.options, item.key)
    return [
        item.variant.number,
        item.number,
        item.block.code,
        TYPE_NAMES[item.type],
        item.difficulty,
        item.topic,
        float(item.points),
        item.stem,
        options,
        answer,
        "да" if item.partial_credit else "нет",
        item.rubric,
    ]


def items_to_xlsx(instrument: Instrument | None = None) -> bytes:
    """The portal's template with the instrument's items; without an instrument, the empty template
    with a sheet of examples and the list of blocks."""
    wb = new_workbook()
    ws = wb.active
    ws.title = "Задания"
    _header(ws, [title for _, title, _ in COLUMNS])
    if instrument is not None:
        for item in instrument_items(instrument):
            ws.append(_item_row(item))
    else:
        examples = [
            [
                1,
                1,
                "methodical",
                "один верный",
                1,
                "Типы уроков по ФГОС",
                1,
                "Какой тип урока …?",
                "Урок открытия новых знаний\nУрок-экскурсия\nУрок-лекция",
                "1",
                "нет",
                "",
            ],
            [
                1,
                2,
                "methodical",
                "несколько верных",
                2,
                "Принципы обучения",
                1,
                "Отметьте принципы обучения",
                "Наглядность\nСлучайность\nНаучность",
                "1; 3",
                "да",
                "",
            ],
            [
                1,
                3,
                "psychological",
                "соответствие",
                2,
                "Возрастные кризисы",
                2,
                "Соотнесите кризис и возраст",
                "Кризис трёх лет -> 3 года\nПодростковый кризис -> 13 лет\n-> 30 лет",
                "",
                "да",
                "",
            ],
            [
                1,
                4,
                "methodical",
                "последовательность",
                2,
                "Этапы урока",
                1,
                "Расставьте этапы урока по порядку",
                "Мотивация\nАктуализация знаний\nРефлексия",
                "",
                "нет",
                "",
            ],
            [
                1,
                5,
                "subject",
                "краткий ответ",
                1,
                "Единицы измерения",
                1,
                "Единица силы тока в СИ",
                "",
                "ампер; А",
                "",
                "",
            ],
            [
                1,
                6,
                "subject",
                "развёрнутый ответ",
                3,
                "Проектирование урока",
                3,
                "Опишите фрагмент урока …",
                "",
                "",
                "",
                "3 — полный ответ; 2 — …; 0 — нет ответа",
            ],
        ]
        for row in examples:
            ws.append(row)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    blocks = wb.create_sheet("Блоки")
    _header(blocks, ["Код", "Название", "Аудитория"])
    for block in CompetenceBlock.objects.all():
        blocks.append([block.code, block.name, block.get_audience_display()])
    types = wb.create_sheet("Типы")
    _header(types, ["Тип (как писать в столбце «Тип»)", "Варианты ответа", "Верный ответ"])
    types.append([TYPE_NAMES[ItemType.SINGLE], "по одному на строке", "номер верного: 2"])
    types.append([TYPE_NAMES[ItemType.MULTIPLE], "по одному на строке", "номера верных: 1; 3"])
    types.append([TYPE_NAMES[ItemType.MATCHING], "строки «левое -> правое», «-> лишнее»", "—"])
    types.append([TYPE_NAMES[ItemType.ORDERING], "элементы в верном порядке", "—"])
    types.append([TYPE_NAMES[ItemType.SHORT], "—", "допустимые ответы через «;»"])
    types.append([TYPE_NAMES[ItemType.EXTENDED], "—", "— (критерии в столбце «Критерии»)"])
    types.append([TYPE_NAMES[ItemType.SELF_ANALYSIS], "подписи шкалы по одной на строке", "—"])
    return _workbook_bytes(wb)


def results_template_xlsx(instrument: Instrument, blocks=None) -> bytes:
    """The results-import template: the fixed columns and one column per scored block."""
    from .services.results_import import FIXED_COLUMNS

    wb = new_workbook()
    ws = wb.active
    ws.title = "Результаты"
    if blocks is None:
        blocks = instrument.blocks.filter(is_scored=True)
    blocks = list(blocks.order_by("order", "name"))
    _header(ws, [title for _, title, _ in FIXED_COLUMNS] + [b.name for b in blocks])
    ws.append(
        ["ivanova@school.ru", "Иванова", "Мария", "Петровна", "МБОУ СОШ №1", "ФИОКО", "2025-03-14"]
        + [70] * len(blocks)
    )
    return _workbook_bytes(wb)


def _level_titles() -> list[str]:
    return [
        f"{DeficitLevel(lvl).label} дефицит"
        for lvl in (DeficitLevel.HIGH, DeficitLevel.MEDIUM, DeficitLevel.MINIMAL)
    ]


def _stat_rows(ws, rows, first_title: str) -> None:
    titles = [first_title, "Участников", "Среднее, %", "Медиана, %", "Мин., %", "Макс., %"]
    for t in _level_titles():
        titles += [f"{t}, чел.", f"{t}, %"]
    _header(ws, [*titles, "Примечание"])
    for r in rows:
        line = [
            r.label,
            r.participants,
            *(float(v) if v is not None else None for v in (r.mean, r.median, r.min, r.max)),
        ]
        for count, share in r.level_cells:
            line += [count, float(share) if share is not None else None]
        ws.append([*line, r.suppression_note or None])


def statistics_to_xlsx(stats) -> bytes:
    """The statistics page's tables, one sheet each (aggregates only, no names)."""
    from .selectors.statistics import GROUPINGS

    wb = new_workbook()
    ws = wb.active
    ws.title = "Блоки"
    _stat_rows(ws, [stats.overall, *stats.blocks], "Блок")
    for kind, title in GROUPINGS.items():
        sheet = wb.create_sheet(title[:31])
        _stat_rows(
            sheet, stats.groups[kind], title + (f" ({stats.group_source})" if stats.group_source else "")
        )
    items = wb.create_sheet("Задания")
    _header(
        items,
        ["Вариант", "№", "Блок", "Тип", "Тема", "Ответили", "Решаемость", "Дискриминативность", "Отметка"],
    )
    for i in stats.items:
        items.append(
            [
                i.variant_number,
                i.number,
                i.block,
                i.type_label,
                i.topic,
                i.answered,
                float(i.facility) if i.facility is not None else None,
                float(i.discrimination) if i.discrimination is not None else None,
                i.flag,
            ]
        )
    return _workbook_bytes(wb)


def results_to_xlsx(rows: list[dict], blocks: list[CompetenceBlock]) -> bytes:
    """Final results per person and block (see selectors.instruments.results_rows)."""
    wb = new_workbook()
    ws = wb.active
    ws.title = "Результаты"
    _header(
        ws,
        [
            "ФИО",
            "E-mail",
            "Организация",
            "Муниципалитет",
            "Попытка",
            "Внешняя",
            "Дата",
            "Итог, %",
            "Уровень дефицита",
        ]
        + [f"{b.name}, %" for b in blocks],
    )
    for r in rows:
        ws.append(
            [
                r["full_name"],
                r["email"],
                r["organization"],
                r["municipality"],
                r["number"],
                "да" if r["is_external"] else "нет",
                r["date"],
                r["percent"],
                r["level_label"],
                *(r["blocks"].get(b.code) for b in blocks),
            ]
        )
    return _workbook_bytes(wb)
