"""Moodle XML (question bank export): multichoice (single and multiple), truefalse, matching,
shortanswer, essay, ordering. Parsed with defusedxml. Category questions set the block and the
variant of the questions after them. Texts are stored as plain text (HTML tags dropped,
paragraphs and <br> kept as line breaks)."""

from __future__ import annotations

import html
import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings

from diagnostics.choices import ItemType

from .common import (
    ImportFailed,
    ParsedItem,
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


def _precheck(data: bytes) -> None:
    """Stream the file once with expat before building a tree: DTDs and entities and nesting
    deeper than MAX_XML_DEPTH are refused, and questions are counted against IMPORT_MAX_ITEMS."""
    from cnppm.spreadsheets import SpreadsheetError, safe_parser

    found = 0
    depth = [0]

    def start(tag, attrs):
        nonlocal found
        depth[0] += 1
        if tag == "question" and depth[0] == 2 and attrs.get("type") != "category":
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
        return
    limit = settings.IMPORT_MAX_ITEMS
    if found > limit:
        raise ImportFailed([too_many_items(limit, found)])


def parse(data: bytes, *, default_variant: int | None = None) -> list[ParsedItem]:
    _precheck(data)
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

    items: list[ParsedItem] = []
    errors: list[str] = []
    category_path = ""
    segments: list[str] = []
    variant = default_variant
    number = 0
    for q in root.findall("question"):
        qtype = q.get("type", "")
        if qtype == "category":
            category_path = _text(q.find("category"))
            segments, found_variant = split_category(category_path)
            variant = found_variant if found_variant is not None else default_variant
            continue
        number += 1
        title = _text(q.find("name"))
        ref = f"вопрос {number}" + (f" «{title}»" if title else "")
        qt = q.find("questiontext")
        stem = html_to_text(
            qt.findtext("text") if qt is not None else "",
            qt.get("format", "html") if qt is not None else "html",
        )
        item = ParsedItem(
            ref=ref,
            type="",
            stem=stem,
            options={},
            key={},
            topic=default_topic(title, stem),
            block_ref="/".join(segments),
            category=category_path,
            variant_number=variant,
        )
        try:
            item.points = Decimal(q.findtext("defaultgrade") or "1")
        except InvalidOperation:
            item.errors.append("баллы (defaultgrade) не число")
        partial_tag = None
        for tag in q.findall("tags/tag"):
            m = DIFFICULTY_TAG.match(_text(tag))
            if m:
                item.difficulty = int(m.group(1))
            m = PARTIAL_TAG.match(_text(tag))
            if m:
                partial_tag = m.group(1).lower() == "да"
        answers = q.findall("answer")
        if qtype == "multichoice":
            texts = [_text(a) for a in answers]
            fractions = [_fraction(a) for a in answers]
            correct = [i for i, f in enumerate(fractions) if f > 0]
            single = (q.findtext("single") or "true").strip().lower() in ("true", "1")
            item.type = ItemType.SINGLE if single else ItemType.MULTIPLE
            if single and len(correct) > 1:
                correct = [i for i, f in enumerate(fractions) if f >= 100] or correct
            item.options, item.key = build_choice(texts, correct)
            item.partial_credit = not single and any(0 < f < 100 for f in fractions)
        elif qtype == "truefalse":
            item.type = ItemType.SINGLE
            truth = None
            for a in answers:
                value = _text(a).lower()
                if _fraction(a) >= 100 and value in ("true", "false"):
                    truth = value == "true"
            if truth is None:
                item.errors.append('не указан верный ответ (answer fraction="100" с true или false)')
                truth = True
            item.options, item.key = build_choice(["Верно", "Неверно"], [0 if truth else 1])
        elif qtype == "matching":
            item.type = ItemType.MATCHING
            pairs, distractors = [], []
            for sub in q.findall("subquestion"):
                left = html_to_text(sub.findtext("text") or "", sub.get("format", "html"))
                right = html_to_text(sub.findtext("answer/text") or "", "plain_text")
                if left:
                    pairs.append((left, right))
                elif right:
                    distractors.append(right)
            if len(pairs) < 2:
                item.errors.append("для соответствия нужно не меньше двух пар (subquestion)")
            item.options, item.key = build_matching(pairs, distractors)
            item.partial_credit = True  # Moodle grades matching pair by pair
        elif qtype == "shortanswer":
            item.type = ItemType.SHORT
            item.key = {"accepted": [_text(a) for a in answers if _fraction(a) >= 100]}
        elif qtype == "essay":
            item.type = ItemType.EXTENDED
            item.rubric = _text(q.find("graderinfo")) or _text(q.find("generalfeedback"))
        elif qtype == "ordering":
            item.type = ItemType.ORDERING
            indexed = list(enumerate(answers))
            fractions = [_fraction(a) for a in answers]
            if len(set(fractions)) == len(fractions):
                indexed.sort(key=lambda pair: fractions[pair[0]])
            item.options, item.key = build_ordering([_text(a) for _, a in indexed])
            item.partial_credit = (q.findtext("gradingtype") or "").strip().upper() not in (
                "",
                "ALL_OR_NOTHING",
            )
        else:
            errors.append(
                f"{ref}: тип вопроса «{qtype or '—'}» не поддерживается "
                "(поддерживаются multichoice, truefalse, matching, shortanswer, essay, ordering)"
            )
            continue
        if partial_tag is not None and item.type in (ItemType.MULTIPLE, ItemType.MATCHING, ItemType.ORDERING):
            item.partial_credit = partial_tag
        items.append(item)
    if errors:
        fail_with_item_errors(errors, items)
    if not items:
        raise ImportFailed(["В файле нет ни одного вопроса."])
    return items
