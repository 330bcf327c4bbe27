"""The portal's own XLSX template of items: one row per item, on the first sheet, headers in row 1.

Columns (required ones marked *):
  Вариант* — the variant number; Блок* — code or name of the competence block; Тип* — one of the
  type names below; Формулировка*; Тема — the difficulty recorded when missed (default: the stem);
  Сложность — 1, 2 or 3; Баллы; Варианты ответа — one per line; Верный ответ; Частичный балл — да/нет;
  Критерии — for the expert (extended answer).
How «Варианты ответа» and «Верный ответ» are read, per type:
  один верный / несколько верных — options one per line; the answer is their numbers: «2» or «1; 3»;
  соответствие — lines «левая часть -> правая часть» (a line «-> лишнее» adds a distractor);
  последовательность — the elements one per line in the right order;
  краткий ответ — accepted answers in «Верный ответ», separated by «;» or new lines;
  развёрнутый ответ — nothing; criteria in «Критерии»;
  самоанализ — the scale labels one per line."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.conf import settings

from diagnostics.choices import ItemType

from .common import (
    ImportFailed,
    ParsedItem,
    build_choice,
    build_matching,
    build_ordering,
    default_topic,
    fold,
    too_many_items,
)

COLUMNS = [
    ("variant", "Вариант", True),
    ("number", "Номер", False),
    ("block", "Блок", True),
    ("type", "Тип", True),
    ("difficulty", "Сложность", False),
    ("topic", "Тема", False),
    ("points", "Баллы", False),
    ("stem", "Формулировка", True),
    ("options", "Варианты ответа", False),
    ("answer", "Верный ответ", False),
    ("partial", "Частичный балл", False),
    ("rubric", "Критерии", False),
]

TYPE_NAMES = {
    ItemType.SINGLE: "один верный",
    ItemType.MULTIPLE: "несколько верных",
    ItemType.MATCHING: "соответствие",
    ItemType.ORDERING: "последовательность",
    ItemType.SHORT: "краткий ответ",
    ItemType.EXTENDED: "развёрнутый ответ",
    ItemType.SELF_ANALYSIS: "самоанализ",
}
_TYPE_LOOKUP = (
    {fold(v): k for k, v in TYPE_NAMES.items()}
    | {fold(k): k for k in TYPE_NAMES}
    | {fold(label): value for value, label in ItemType.choices}
)
YES = {"да", "1", "true", "yes", "+"}


def open_workbook(data: bytes):
    """The bounded workbook (cnppm.spreadsheets) from bytes, or ImportFailed with a message a user
    understands: a broken file, or the limit it went past."""
    from cnppm.spreadsheets import NOT_XLSX, SpreadsheetError
    from cnppm.spreadsheets import open_workbook as open_bounded

    try:
        return open_bounded(data)
    except SpreadsheetError as exc:
        if exc.message == NOT_XLSX:
            raise ImportFailed(
                ["Файл не является книгой Excel (.xlsx) или повреждён. Сохраните его как «Книга Excel»."]
            ) from None
        raise ImportFailed([exc.message]) from None


def sheet_rows(ws, *, min_row: int = 1, max_row: int | None = None):
    """The sheet's rows as tuples; a limit reached while reading becomes ImportFailed."""
    from cnppm.spreadsheets import SpreadsheetError

    try:
        yield from ws.iter_rows(min_row=min_row, max_row=max_row, values_only=True)
    except SpreadsheetError as exc:
        raise ImportFailed([exc.message]) from None


def read_header(ws, columns) -> dict[str, int]:
    """Map column keys to indexes by the header row; unknown headers and missing required ones are errors."""
    header = next(sheet_rows(ws, min_row=1, max_row=1), None) or ()
    by_title = {fold(title): key for key, title, _ in columns}
    found: dict[str, int] = {}
    errors = []
    for idx, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        key = by_title.get(fold(str(cell)))
        if key is None:
            errors.append(f"Столбец {idx + 1} «{cell}»: неизвестный заголовок.")
        else:
            found[key] = idx
    for key, title, required in columns:
        if required and key not in found:
            errors.append(f"Нет обязательного столбца «{title}».")
    if errors:
        allowed = ", ".join(f"«{t}»" for _, t, _ in columns)
        errors.append(f"Допустимые заголовки: {allowed}.")
        raise ImportFailed(errors)
    return found


def _lines(value) -> list[str]:
    if value is None:
        return []
    return [line.strip() for line in str(value).replace("\r\n", "\n").split("\n") if line.strip()]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cells_to_item(
    item_type: str | None, options: list[str], answer: str
) -> tuple[dict, dict, list[tuple[str, str]]]:
    """«Варианты ответа» (lines) and «Верный ответ» → (options, key, [(column key, error)]).
    The item form of the authoring pages uses the same rules."""
    errors: list[tuple[str, str]] = []
    opts: dict = {}
    key: dict = {}
    if item_type in (ItemType.SINGLE, ItemType.MULTIPLE):
        numbers = [p.strip() for p in re.split(r"[;,\s]+", answer or "") if p.strip()]
        correct = []
        for p in numbers:
            if p.isdigit() and 1 <= int(p) <= len(options):
                correct.append(int(p) - 1)
            else:
                errors.append(("answer", f"«{p}» — нет варианта ответа с таким номером (их {len(options)})"))
        if not numbers:
            errors.append(("answer", "укажите номера верных вариантов, например «2» или «1; 3»"))
        opts, key = build_choice(options, correct)
    elif item_type == ItemType.MATCHING:
        pairs, distractors = [], []
        for line in options:
            if "->" not in line:
                errors.append(("options", f"в строке «{line}» нет стрелки ->"))
                continue
            left, right = (p.strip() for p in line.split("->", 1))
            if left:
                pairs.append((left, right))
            else:
                distractors.append(right)
        opts, key = build_matching(pairs, distractors)
    elif item_type == ItemType.ORDERING:
        opts, key = build_ordering(options)
    elif item_type == ItemType.SHORT:
        key = {"accepted": [p.strip() for p in re.split(r"[;\n]", answer or "") if p.strip()]}
    elif item_type == ItemType.SELF_ANALYSIS:
        opts = {"scale": options}
    return opts, key, errors


def item_to_cells(item_type: str, options: dict, key: dict) -> tuple[str, str]:
    """The reverse of cells_to_item: (the «Варианты ответа» text, the «Верный ответ» text)."""
    from .common import matching_pairs, ordering_texts

    if item_type in (ItemType.SINGLE, ItemType.MULTIPLE):
        choices = options.get("choices", [])
        correct = set(key.get("correct", []))
        return (
            "\n".join(c["text"] for c in choices),
            "; ".join(str(i) for i, c in enumerate(choices, start=1) if c["id"] in correct),
        )
    if item_type == ItemType.MATCHING:
        pairs, distractors = matching_pairs(options, key)
        return "\n".join([*(f"{a} -> {b}" for a, b in pairs), *(f"-> {d}" for d in distractors)]), ""
    if item_type == ItemType.ORDERING:
        return "\n".join(ordering_texts(options, key)), ""
    if item_type == ItemType.SHORT:
        return "", "; ".join(key.get("accepted", []))
    if item_type == ItemType.SELF_ANALYSIS:
        return "\n".join(options.get("scale", [])), ""
    return "", ""


def parse(data: bytes, *, default_variant: int | None = None) -> list[ParsedItem]:
    wb = open_workbook(data)
    ws = wb.worksheets[0]
    cols = read_header(ws, COLUMNS)
    titles = {key: title for key, title, _ in COLUMNS}
    items: list[ParsedItem] = []
    limit = settings.IMPORT_MAX_ITEMS
    seen = 0
    for row_no, row in enumerate(sheet_rows(ws, min_row=2), start=2):
        if not any(v not in (None, "") for v in row):
            continue
        seen += 1
        if seen > limit:
            raise ImportFailed([too_many_items(limit)])

        def get(key, row=row):
            idx = cols.get(key)
            return row[idx] if idx is not None and idx < len(row) else None

        ref = f"строка {row_no}"
        errors = []

        def col_error(key, message, errors=errors):
            errors.append(f"столбец «{titles[key]}»: {message}")

        variant = default_variant
        raw_variant = _cell_text(get("variant"))
        if raw_variant:
            m = re.match(r"^(?:вариант\s*)?(\d{1,3})$", raw_variant, re.IGNORECASE)
            if m:
                variant = int(m.group(1))
            else:
                col_error("variant", f"«{raw_variant}» — не номер варианта")
        elif variant is None:
            col_error("variant", "не указан номер варианта")
        type_raw = _cell_text(get("type"))
        item_type = _TYPE_LOOKUP.get(fold(type_raw))
        if item_type is None:
            col_error("type", f"неизвестный тип «{type_raw}»; допустимо: {', '.join(TYPE_NAMES.values())}")
        stem = _cell_text(get("stem"))
        item = ParsedItem(
            ref=ref,
            type=item_type or "",
            stem=stem,
            options={},
            key={},
            topic=_cell_text(get("topic")) or default_topic("", stem),
            block_ref=_cell_text(get("block")),
            variant_number=variant,
            rubric=_cell_text(get("rubric")),
            partial_credit=fold(_cell_text(get("partial"))) in YES,
        )
        if not item.block_ref:
            col_error("block", "не указан блок")
        points = _cell_text(get("points"))
        if points:
            try:
                item.points = Decimal(points.replace(",", "."))
            except InvalidOperation:
                col_error("points", f"«{points}» — не число")
        difficulty = _cell_text(get("difficulty"))
        if difficulty:
            if difficulty in ("1", "2", "3"):
                item.difficulty = int(difficulty)
            else:
                col_error("difficulty", "должна быть 1, 2 или 3")
        options, key, cell_errors = cells_to_item(
            item_type, _lines(get("options")), _cell_text(get("answer"))
        )
        item.options, item.key = options, key
        for column, message in cell_errors:
            col_error(column, message)
        if item_type == ItemType.SELF_ANALYSIS and not points:
            item.points = Decimal("0")
        item.errors.extend(errors)
        items.append(item)
    wb.close()
    if not items:
        raise ImportFailed(
            ["В файле нет ни одной строки с заданием (заголовки в первой строке, задания ниже)."]
        )
    return items
