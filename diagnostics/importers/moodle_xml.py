"""Moodle XML (question bank export of Moodle 3.x and 4.x), read the way Moodle's qformat_xml reads
it: multichoice (single and multiple, fractions as partial credit), truefalse, matching, shortanswer,
numerical (exact answers, as a short answer), essay, ordering. Descriptions and kinds the portal has
no equivalent for (Cloze/multianswer, calculated, drag and drop …) are left out, each by name and
reason. Category questions (<question type="category">) set the category of the questions after
them; the operator maps categories to blocks in the preview. Images embedded as base64 <file>
become the item's image (diagnostics.importers.images). Parsed with defusedxml after a streaming
pre-check (no DTD, bounded depth, at most IMPORT_MAX_ITEMS questions). Texts are stored as plain
text (HTML tags dropped, paragraphs and <br> kept as line breaks)."""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings

from diagnostics.choices import ItemType

from . import images
from .common import (
    ImportFailed,
    ParsedBank,
    ParsedItem,
    SkippedQuestion,
    build_choice,
    build_matching,
    build_ordering,
    default_topic,
    fail_with_item_errors,
    split_category,
    too_many_items,
)

_BREAKS = re.compile(r"<\s*(br\s*/?|/p|/div|/li|/h\d)\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
DIFFICULTY_TAG = re.compile(r"^\s*(?:сложность|difficulty)\s*[:=]?\s*([123])\s*$", re.IGNORECASE)
PARTIAL_TAG = re.compile(r"^\s*частичный балл\s*[:=]\s*(да|нет)\s*$", re.IGNORECASE)


def html_to_text(value: str | None, fmt: str = "html") -> str:
    if not value:
        return ""
    if fmt in ("html", "moodle_auto_format"):
        # In HTML a line break in the source is a space; <br> and block ends are line breaks.
        value = re.sub(r"[ \t]*\r?\n[ \t]*", " ", value)
        value = _BREAKS.sub("\n", value)
        value = _TAGS.sub("", value)
        value = html.unescape(value)
    lines = [line.strip() for line in value.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _text(el: Element | None, path: str = "text") -> str:
    if el is None:
        return ""
    node = el.find(path) if path else el
    if node is None:
        return ""
    return html_to_text(node.text or "", el.get("format", "html") if path == "text" else "plain_text")


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


LEFT_OUT = {
    "description": "описание (текст без вопроса) — пропущено, в работе портала таких нет",
    "multianswer": "вложенные ответы (Cloze) — в портале нет такого типа",
    "calculated": "вычисляемый вопрос — в портале нет такого типа",
    "calculatedsimple": "простой вычисляемый вопрос — в портале нет такого типа",
    "calculatedmulti": "вычисляемый множественный выбор — в портале нет такого типа",
    "randomsamatch": "случайный вопрос на соответствие — собирается Moodle при попытке, в портале нет",
    "random": "случайный вопрос — выбирается Moodle при попытке, в портале нет",
    "ddwtos": "перетаскивание в текст — в портале нет такого типа",
    "gapselect": "выбор пропущенных слов — в портале нет такого типа",
    "ddimageortext": "перетаскивание на изображение — в портале нет такого типа",
    "ddmarker": "перетаскивание маркеров — в портале нет такого типа",
}
WHERE_FILES = {
    "answer": "варианте ответа",
    "subquestion": "элементе соответствия",
    "generalfeedback": "общем отзыве",
    "correctfeedback": "отзыве",
    "partiallycorrectfeedback": "отзыве",
    "incorrectfeedback": "отзыве",
    "graderinfo": "информации для оценщика",
    "responsetemplate": "шаблоне ответа",
    "hint": "подсказке",
}


class _LeftOut(Exception):
    """The question is left out of the import, for the given reason (not an error)."""


def _precheck(data: bytes) -> list[int]:
    """Stream the file once with expat before building a tree: DTDs and entities and nesting
    deeper than MAX_XML_DEPTH are refused, and questions are counted against IMPORT_MAX_ITEMS.
    Returns the line of every <question> (categories included), for the messages."""
    from cnppm.spreadsheets import SpreadsheetError, safe_parser

    found = 0
    depth = [0]
    lines: list[int] = []
    parser = None

    def start(tag, attrs):
        nonlocal found
        depth[0] += 1
        if tag == "question" and depth[0] == 2:
            lines.append(parser.CurrentLineNumber)
            if attrs.get("type") != "category":
                found += 1

    def end(tag):
        depth[0] -= 1

    parser = safe_parser(start, end)
    try:
        parser.Parse(data, True)
    except SpreadsheetError as exc:
        if exc.code == "xml_dtd":
            raise ImportFailed(
                ["Файл содержит запрещённые конструкции XML (сущности, DTD) и не может быть загружен."]
            ) from None
        raise ImportFailed([exc.message]) from None
    except Exception:  # noqa: BLE001 - malformed XML: the tree parser below names the line
        return lines
    limit = settings.IMPORT_MAX_ITEMS
    if found > limit:
        raise ImportFailed([too_many_items(limit, found)])
    return lines


def _root(data: bytes) -> Element:
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException:
        raise ImportFailed(
            ["Файл содержит запрещённые конструкции XML (сущности, DTD) и не может быть загружен."]
        ) from None
    except SafeET.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        where = f" (строка {line})" if line else ""
        raise ImportFailed(
            [f"Файл не является корректным XML{where}: проверьте, что это выгрузка Moodle XML."]
        ) from None
    if root.tag != "quiz":
        raise ImportFailed(["Это не Moodle XML: корневой элемент должен быть <quiz>."])
    return root


def parse(data: bytes, *, default_variant: int | None = None) -> list[ParsedItem]:
    return parse_bank(data, default_variant=default_variant).items


def parse_bank(data: bytes, *, default_variant: int | None = None) -> ParsedBank:
    lines = _precheck(data)
    root = _root(data)
    bank = ParsedBank(items=[])
    category_path = ""
    number = 0
    for position, q in enumerate(root.findall("question")):
        qtype = q.get("type", "")
        if qtype == "category":
            category_path = (q.findtext("category/text") or "").strip()
            continue
        number += 1
        line = lines[position] if position < len(lines) else None
        title = _text(q.find("name"))
        ref = f"вопрос {number}" + (f" (строка {line})" if line else "") + (f" «{title}»" if title else "")
        if category_path not in bank.categories:
            bank.categories.append(category_path)
        if qtype not in READERS:
            reason = LEFT_OUT.get(qtype, f"тип «{qtype or '—'}» — в портале нет такого типа")
            bank.skipped.append(SkippedQuestion(ref, qtype or "—", reason, category_path))
            continue
        item = _item(q, ref=ref, title=title, category=category_path, default_variant=default_variant)
        try:
            READERS[qtype](q, item)
        except _LeftOut as exc:
            bank.skipped.append(SkippedQuestion(ref, qtype, str(exc), category_path))
            continue
        item.kind = item.kind or qtype
        bank.items.append(item)
    if not bank.items and not bank.skipped:
        raise ImportFailed(["В файле нет ни одного вопроса."])
    fail_with_item_errors([], bank.items)
    return bank


def _item(q: Element, *, ref: str, title: str, category: str, default_variant: int | None) -> ParsedItem:
    qt = q.find("questiontext")
    raw = qt.findtext("text") if qt is not None else ""
    stem = html_to_text(raw, qt.get("format", "html") if qt is not None else "html")
    segments, variant = split_category(category)
    item = ParsedItem(
        ref=ref,
        type="",
        stem=stem,
        options={},
        key={},
        topic=default_topic(title, stem),
        block_ref="/".join(segments),
        category=category,
        variant_number=variant if variant is not None else default_variant,
    )
    try:
        item.points = Decimal((q.findtext("defaultgrade") or "1").strip())
    except InvalidOperation:
        item.errors.append("баллы (defaultgrade) не число")
    for tag in q.findall("tags/tag"):
        m = DIFFICULTY_TAG.match(_text(tag))
        if m:
            item.difficulty = int(m.group(1))
    _images(q, qt, raw or "", item)
    return item


def _partial_tag(q: Element) -> bool | None:
    for tag in q.findall("tags/tag"):
        m = PARTIAL_TAG.match(_text(tag))
        if m:
            return m.group(1).lower() == "да"
    return None


def _images(q: Element, qt: Element | None, raw: str, item: ParsedItem) -> None:
    """The question text's first image → item.image; every other image is named in a note."""
    files = {}
    if qt is not None:
        for f in qt.findall("file"):
            files.setdefault(f.get("name", ""), f.text or "")
    refs = images.referenced(raw)
    names = [n for n in refs if n in files] + [n for n in files if n not in refs]
    candidates = [(n, lambda n=n: images.decode_base64(files[n])) for n in names if images.is_image_name(n)]
    candidates += [(f"image{i}", lambda d=d: d) for i, d in enumerate(images.data_uri_images(raw), start=1)]
    for missing in [n for n in refs if n not in files]:
        item.notes.append(f"изображение «{missing}» упомянуто в тексте, но файла нет в выгрузке")
    for src in images.external_images(raw):
        item.notes.append(f"внешнее изображение «{src[:80]}» не загружено: добавьте его к заданию вручную")
    for other in [n for n in files if not images.is_image_name(n)]:
        item.notes.append(
            f"файл «{other}» в формулировке не перенесён: изображение задания — PNG, JPEG, GIF, WebP или BMP"
        )
    if candidates:
        name, load = candidates[0]
        content = load()
        fmt = images.check_image(content) if content else None
        if fmt is None:
            item.errors.append(f"изображение «{name}» повреждено или не является картинкой")
        else:
            item.image = (name if "." in name else f"{name}.{fmt}", content)
        if len(candidates) > 1:
            rest = ", ".join(f"«{n}»" for n, _ in candidates[1:])
            item.notes.append(f"у задания одно изображение: следующие не перенесены — {rest}")
    for child in q:
        if child is qt:
            continue
        for f in child.iter("file"):
            where = WHERE_FILES.get(child.tag, child.tag)
            item.notes.append(f"изображение «{f.get('name', '')}» в {where} не перенесено")


def _answer_texts(answers: list[Element], what: str = "варианты ответа") -> list[str]:
    texts = []
    for a in answers:
        t = _text(a)
        if not t and (a.find("file") is not None or "<img" in (a.findtext("text") or "")):
            raise _LeftOut(f"{what} — изображения, а в портале {what} только текстовые")
        texts.append(t)
    return texts


def _pct(value: float) -> str:
    return f"{value:g}%"


def _multichoice(q: Element, item: ParsedItem) -> None:
    answers = q.findall("answer")
    texts = _answer_texts(answers)
    fractions = [_fraction(a) for a in answers]
    single = (q.findtext("single") or "true").strip().lower() in ("true", "1")
    if single:
        item.type = ItemType.SINGLE
        item.kind = "multichoice (один ответ)"
        best = max(fractions, default=0)
        correct = [i for i, f in enumerate(fractions) if f == best and f > 0]
        partial = [f"«{texts[i]}» ({_pct(f)})" for i, f in enumerate(fractions) if 0 < f < best]
        if partial:
            item.notes.append(
                "частичный балл за неполный ответ не переносится (один верный ответ): " + ", ".join(partial)
            )
    else:
        item.type = ItemType.MULTIPLE
        item.kind = "multichoice (несколько ответов)"
        correct = [i for i, f in enumerate(fractions) if f > 0]
        item.partial_credit = any(0 < f < 100 for f in fractions)
        weights = {fractions[i] for i in correct}
        if len(weights) > 1:
            item.notes.append(
                "веса верных ответов различаются ("
                + ", ".join(_pct(fractions[i]) for i in correct)
                + "): в портале верные ответы весят одинаково"
            )
        tag = _partial_tag(q)
        if tag is not None:
            item.partial_credit = tag
    item.options, item.key = build_choice(texts, correct)


def _truefalse(q: Element, item: ParsedItem) -> None:
    item.type = ItemType.SINGLE
    truth = None
    for a in q.findall("answer"):
        value = _text(a).lower()
        if _fraction(a) >= 100 and value in ("true", "false", "верно", "неверно"):
            truth = value in ("true", "верно")
    if truth is None:
        item.errors.append('не указан верный ответ (answer fraction="100" с true или false)')
        truth = True
    item.options, item.key = build_choice(["Верно", "Неверно"], [0 if truth else 1])


def _matching(q: Element, item: ParsedItem) -> None:
    item.type = ItemType.MATCHING
    pairs, distractors = [], []
    for sub in q.findall("subquestion"):
        left = html_to_text(sub.findtext("text") or "", sub.get("format", "html"))
        right = html_to_text(sub.findtext("answer/text") or "", "plain_text")
        if not left and sub.find("file") is not None:
            raise _LeftOut("элементы соответствия — изображения, а в портале они только текстовые")
        if left:
            pairs.append((left, right))
        elif right:
            distractors.append(right)
    if len(pairs) < 2:
        item.errors.append("для соответствия нужно не меньше двух пар (subquestion)")
    item.options, item.key = build_matching(pairs, distractors)
    item.partial_credit = True  # Moodle grades matching pair by pair
    tag = _partial_tag(q)
    if tag is not None:
        item.partial_credit = tag


def _shortanswer(q: Element, item: ParsedItem) -> None:
    item.type = ItemType.SHORT
    answers = [(a, _text(a), _fraction(a)) for a in q.findall("answer")]
    item.key = {"accepted": [t for _, t, f in answers if f >= 100]}
    partial = [f"«{t}» ({_pct(f)})" for _, t, f in answers if 0 < f < 100]
    if partial:
        item.notes.append("ответы с частичным баллом не приняты как верные: " + ", ".join(partial))
    if (q.findtext("usecase") or "0").strip() == "1":
        item.notes.append("в Moodle регистр букв учитывался, в портале — нет")
    starred = [t for t in item.key["accepted"] if "*" in t]
    if starred:
        item.notes.append(
            "«*» в ответе (" + ", ".join(f"«{t}»" for t in starred) + ") в Moodle — любые символы, "
            "в портале сравнивается буквально"
        )


def _numbers(value: str) -> list[str]:
    """A number as the participant may type it: «3.5» and «3,5»."""
    value = value.strip()
    return [value] if "." not in value else [value, value.replace(".", ",")]


def _numerical(q: Element, item: ParsedItem) -> None:
    accepted = []
    for a in q.findall("answer"):
        if _fraction(a) < 100:
            continue
        value = _text(a)
        try:
            tolerance = float((a.findtext("tolerance") or "0").strip() or 0)
            float(value)
        except ValueError:
            item.errors.append(f"числовой ответ «{value}» не число")
            continue
        if tolerance:
            raise _LeftOut(
                f"числовой ответ {value} с допуском ±{tolerance:g} — в портале нет числового типа с допуском"
            )
        accepted.extend(_numbers(value))
    item.type = ItemType.SHORT
    item.kind = "numerical (точный ответ)"
    item.key = {"accepted": accepted}
    if q.find("units/unit") is not None:
        item.notes.append("единицы измерения Moodle не переносятся: ответ принимается числом")


def _essay(q: Element, item: ParsedItem) -> None:
    item.type = ItemType.EXTENDED
    item.rubric = _text(q.find("graderinfo")) or _text(q.find("generalfeedback"))
    if not item.rubric:
        item.notes.append(
            "нет критериев оценивания (информации для оценщика): задание импортируется, "
            "но работу нельзя опубликовать, пока критерии не добавлены"
        )


def _ordering(q: Element, item: ParsedItem) -> None:
    """Moodle's qtype_ordering: the answers, in the file's order, are the right order."""
    item.type = ItemType.ORDERING
    texts = _answer_texts(q.findall("answer"), "элементы последовательности")
    item.options, item.key = build_ordering(texts)
    grading = (q.findtext("gradingtype") or "RELATIVE_NEXT_EXCLUDE_LAST").strip().upper()
    item.partial_credit = grading != "ALL_OR_NOTHING"
    tag = _partial_tag(q)
    if tag is not None:
        item.partial_credit = tag
    elif grading not in ("ALL_OR_NOTHING", "ABSOLUTE_POSITION", "ABSOLUTE", "ABS"):
        item.notes.append(f"частичный балл считается по позициям элементов (в Moodle — {grading})")
    select = (q.findtext("selecttype") or "ALL").strip().upper()
    count = (q.findtext("selectcount") or "0").strip()
    if select not in ("ALL", "EXACT") and count.isdigit() and 0 < int(count) < len(texts):
        item.notes.append(f"в Moodle показывались {count} из {len(texts)} элементов, в портале — все")


READERS = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "matching": _matching,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "essay": _essay,
    "ordering": _ordering,
}
