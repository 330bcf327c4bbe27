"""GIFT (Moodle's plain-text format), read the way Moodle's qformat_gift reads it. Questions are
separated by blank lines; lines starting with `//` are comments (`// [сложность:2]` before a question
sets its difficulty); `$CATEGORY: $course$/top/…` sets the category of the questions after it;
`::Тема::` is the title (the topic); `[html]`, `[moodle]`, `[plain]`, `[markdown]` the text format;
`\\:` `\\=` `\\~` `\\#` `\\{` `\\}` `\\n` `\\\\` escapes. The kind follows from the answer block as in
Moodle: no braces — a description (left out, with a note); `{}` — essay (criteria after `####`);
`{>N ALL …` and items one per line — ordering (qtype_ordering's syntax); `{#…}` — numerical (exact
values become a short answer, a tolerance is left out); `~` anywhere — multichoice (single when
one answer is marked `=`, otherwise multiple, weights `~%50%` give partial credit); `=` with `->` —
matching; `T`/`F` — true/false; anything else — short answer."""

from __future__ import annotations

import re

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
from .moodle_xml import html_to_text

ESCAPES = {"\\\\": "\\", "\\~": "~", "\\=": "=", "\\#": "#", "\\{": "{", "\\}": "}", "\\:": ":", "\\n": "\n"}
_PLACEHOLDERS = {k: f"\x00{i}\x00" for i, k in enumerate(ESCAPES)}
DIFFICULTY_COMMENT = re.compile(
    r"^//\s*\[?\s*(?:сложность|difficulty)\s*[:=]?\s*([123])\s*\]?\s*$", re.IGNORECASE
)
TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
ORDERING = re.compile(
    r"^>\s*(\d+)?\s*(ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?\s*"
    r"(HORIZONTAL|HORI|H|1|VERTICAL|VERT|V|0)?\s*"
    r"(ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|RELATIVE_NEXT_INCLUDE_LAST|"
    r"RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|RELATIVE_TO_CORRECT|RELATIVE|REL|"
    r"LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?\s*"
    r"(SHOW|TRUE|YES|1|HIDE|FALSE|NO|0)?\s*$",
    re.IGNORECASE,
)


class _LeftOut(Exception):
    pass


def _protect(text: str) -> str:
    for k, v in _PLACEHOLDERS.items():
        text = text.replace(k, v)
    return text


def _restore(text: str) -> str:
    for k, v in _PLACEHOLDERS.items():
        text = text.replace(v, ESCAPES[k])
    return text


def _clean(text: str, fmt: str = "moodle") -> str:
    text = _restore(FORMAT.sub("", text.strip()))
    if fmt == "html" or "<" in text:
        return html_to_text(text, "html")
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def _blocks(text: str):
    """Split into (line number, lines) per question: blank lines separate questions."""
    chunk, start = [], None
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip() == "":
            if chunk:
                yield start, chunk
            chunk, start = [], None
            continue
        if start is None:
            start = n
        chunk.append(line)
    if chunk:
        yield start, chunk


def _weight(text: str, default: float) -> tuple[float, str]:
    m = WEIGHT.match(text)
    return (float(m.group(1)), text[m.end() :]) if m else (default, text)


def _no_feedback(text: str) -> str:
    return text.split("#", 1)[0].strip()


def parse(data: bytes, *, default_variant: int | None = None) -> list[ParsedItem]:
    return parse_bank(data, default_variant=default_variant).items


def parse_bank(data: bytes, *, default_variant: int | None = None) -> ParsedBank:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(["Файл GIFT должен быть в кодировке UTF-8."]) from None
    text = _protect(text.replace("\r\n", "\n").replace("\r", "\n"))
    # Count before building anything: every question has exactly one unescaped answer block «{…}».
    found, limit = text.count("{"), settings.IMPORT_MAX_ITEMS
    if found > limit:
        raise ImportFailed([too_many_items(limit, found)])
    bank = ParsedBank(items=[])
    errors: list[str] = []
    category = ""
    number = 0
    for line_no, lines in _blocks(text):
        difficulty = 1
        body_lines = []
        first = line_no
        for offset, line in enumerate(lines):
            stripped = line.strip()
            m = DIFFICULTY_COMMENT.match(stripped)
            if m:
                difficulty = int(m.group(1))
            elif stripped.startswith("//"):
                continue
            elif not body_lines and stripped.upper().startswith("$CATEGORY:"):
                category = _restore(stripped.split(":", 1)[1]).strip()
            else:
                if not body_lines:
                    first = line_no + offset  # the question's own first line, after its comments
                body_lines.append(stripped)
        if not body_lines:
            continue
        number += 1
        source = "\n".join(body_lines).strip()
        title = ""
        tm = TITLE.match(source)
        if tm:
            title = _clean(tm.group(1), "plain")
            source = source[tm.end() :].strip()
        ref = f"вопрос {number} (строка {first})" + (f" «{title}»" if title else "")
        if category not in bank.categories:
            bank.categories.append(category)
        try:
            item = _question(source, ref=ref, title=title, category=category, default_variant=default_variant)
        except _LeftOut as exc:
            kind, reason = exc.args
            bank.skipped.append(SkippedQuestion(ref, kind, reason, category))
            continue
        except ValueError as exc:
            errors.append(f"{ref}: {exc}")
            continue
        item.difficulty = difficulty
        bank.items.append(item)
    if not bank.items and not bank.skipped and not errors:
        raise ImportFailed(["В файле нет ни одного вопроса GIFT."])
    fail_with_item_errors(errors, bank.items)
    return bank


def _question(source: str, *, ref: str, title: str, category: str, default_variant: int | None) -> ParsedItem:
    fmt_match = FORMAT.match(source)
    fmt = fmt_match.group(1).lower() if fmt_match else "moodle"
    open_at, close_at = source.find("{"), source.find("}")
    if open_at < 0 and close_at < 0:
        raise _LeftOut(
            "description", "описание (текст без блока ответов) — пропущено, в работе портала таких нет"
        )
    if open_at < 0 or close_at < open_at or source.count("{") != 1 or source.count("}") != 1:
        raise ValueError("фигурные скобки не парные или их больше одной пары (экранируйте \\{ и \\})")
    after = source[close_at + 1 :]
    general_feedback = ""
    if "####" in after:  # the portal's own addition: criteria after the braces
        after, general_feedback = after.split("####", 1)
    raw_stem = source[:open_at] + (
        " " + after if not after.strip() or source.endswith("}") else " _____ " + after
    )
    stem = _clean(raw_stem, fmt)
    body = source[open_at + 1 : close_at].strip()
    if "####" in body:
        body, general_feedback = (part.strip() for part in body.split("####", 1))
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
    _images(_restore(raw_stem), item)
    _read_answers(item, body, fmt, _clean(general_feedback, fmt))
    return item


def _images(raw: str, item: ParsedItem) -> None:
    found = images.data_uri_images(raw)
    if found:
        fmt = images.check_image(found[0])
        if fmt is None:
            item.errors.append("встроенное изображение повреждено или не является картинкой")
        else:
            item.image = (f"image.{fmt}", found[0])
        if len(found) > 1:
            item.notes.append(f"у задания одно изображение: ещё {len(found) - 1} не перенесено")
    for name in images.referenced(raw):
        item.notes.append(
            f"изображение «{name}» не перенесено: в GIFT нет файлов изображений "
            "(выгрузите банк из Moodle в формате Moodle XML)"
        )
    for src in images.external_images(raw):
        if not src.startswith("@@PLUGINFILE@@"):
            item.notes.append(
                f"внешнее изображение «{src[:80]}» не загружено: добавьте его к заданию вручную"
            )


def _read_answers(item: ParsedItem, body: str, fmt: str, general_feedback: str) -> None:
    if body == "":
        item.type, item.kind = ItemType.EXTENDED, "essay"
        item.rubric = general_feedback
        if not item.rubric:
            item.notes.append(
                "нет критериев оценивания (общий отзыв ####): задание импортируется, "
                "но работу нельзя опубликовать, пока критерии не добавлены"
            )
        return
    header, _, rest = body.partition("\n")
    ordering = ORDERING.match(header) if body.startswith(">") else None
    if ordering:
        _ordering(item, ordering, rest, fmt)
    elif body.startswith("#"):
        _numerical(item, body[1:])
    elif "~" in body:
        _multichoice(item, body, fmt)
    elif "=" in body and "->" in body:
        _matching(item, body, fmt)
    elif _no_feedback(body).upper() in ("T", "TRUE", "F", "FALSE"):
        item.type, item.kind = ItemType.SINGLE, "truefalse"
        truth = _no_feedback(body).upper() in ("T", "TRUE")
        item.options, item.key = build_choice(["Верно", "Неверно"], [0 if truth else 1])
    else:
        _shortanswer(item, body, fmt)


def _split(body: str, sep: str) -> list[str]:
    parts = [p.strip() for p in body.split(sep)]
    return parts[1:] if parts and not parts[0] else parts


def _multichoice(item: ParsedItem, body: str, fmt: str) -> None:
    single = "=" in body  # as Moodle: one answer marked «=» makes it single-answer
    texts, weights = [], []
    for answer in _split(body.replace("=", "~="), "~"):
        if answer.startswith("="):
            weight, answer = 100.0, answer[1:]
        else:
            weight, answer = _weight(answer, 0.0)
        texts.append(_clean(_no_feedback(answer), fmt))
        weights.append(weight)
    if len(texts) < 2:
        item.errors.append("в выборе ответа нужно не меньше двух вариантов")
    if single:
        item.type, item.kind = ItemType.SINGLE, "multichoice (один ответ)"
        best = max(weights, default=0)
        correct = [i for i, w in enumerate(weights) if w == best and w > 0]
        partial = [f"«{texts[i]}» ({w:g}%)" for i, w in enumerate(weights) if 0 < w < best]
        if partial:
            item.notes.append(
                "частичный балл за неполный ответ не переносится (один верный ответ): " + ", ".join(partial)
            )
    else:
        item.type, item.kind = ItemType.MULTIPLE, "multichoice (несколько ответов)"
        correct = [i for i, w in enumerate(weights) if w > 0]
        item.partial_credit = any(0 < w < 100 for w in weights)
        if len({weights[i] for i in correct}) > 1:
            shown = ", ".join(f"{weights[i]:g}%" for i in correct)
            item.notes.append(
                f"веса верных ответов различаются ({shown}): в портале верные ответы весят одинаково"
            )
    item.options, item.key = build_choice(texts, correct)


def _matching(item: ParsedItem, body: str, fmt: str) -> None:
    item.type, item.kind = ItemType.MATCHING, "matching"
    pairs, distractors = [], []
    for answer in _split(body, "="):
        if "->" not in answer:
            item.errors.append(f"в паре «{_clean(answer, fmt)}» нет стрелки ->")
            continue
        left, right = (_clean(p, fmt) for p in _no_feedback(answer).split("->", 1))
        if left:
            pairs.append((left, right))
        else:
            distractors.append(right)
    item.options, item.key = build_matching(pairs, distractors)
    item.partial_credit = True  # Moodle grades matching pair by pair


def _shortanswer(item: ParsedItem, body: str, fmt: str) -> None:
    item.type, item.kind = ItemType.SHORT, "shortanswer"
    accepted, partial = [], []
    for answer in _split(body, "="):
        weight, answer = _weight(answer, 100.0)
        text = _clean(_no_feedback(answer), fmt)
        if weight >= 100:
            accepted.append(text)
        elif weight > 0:
            partial.append(f"«{text}» ({weight:g}%)")
    item.key = {"accepted": accepted}
    if partial:
        item.notes.append("ответы с частичным баллом не приняты как верные: " + ", ".join(partial))
    if any("*" in t for t in accepted):
        item.notes.append("«*» в ответе в Moodle — любые символы, в портале сравнивается буквально")


def _numerical(item: ParsedItem, body: str) -> None:
    """`{#3.5}`, `{#3.5:0.1}`, `{#1..5}`, `{#=3.5:0 =%50%3.6:0}`: exact values become a short answer."""
    accepted = []
    for answer in _split(body, "=") if body.lstrip().startswith("=") else [body]:
        weight, answer = _weight(answer.strip(), 100.0)
        value = _no_feedback(_restore(answer))
        if weight < 100:
            continue
        if ".." in value:
            low, high = (v.strip() for v in value.split("..", 1))
            if low != high:
                raise _LeftOut(
                    "numerical",
                    f"числовой ответ в диапазоне {low}..{high} — в портале нет числового типа с допуском",
                )
            value = low
        number, _, tolerance = value.partition(":")
        try:
            float(number)
            tol = float(tolerance or 0)
        except ValueError:
            raise ValueError(f"числовой ответ «{value}» не число") from None
        if tol:
            raise _LeftOut(
                "numerical",
                f"числовой ответ {number.strip()} с допуском ±{tol:g} — в портале нет числового типа с допуском",
            )
        number = number.strip()
        accepted.extend([number] if "." not in number else [number, number.replace(".", ",")])
    item.type, item.kind = ItemType.SHORT, "numerical (точный ответ)"
    item.key = {"accepted": accepted}


def _ordering(item: ParsedItem, match: re.Match, rest: str, fmt: str) -> None:
    """qtype_ordering's GIFT: `{>N SELECTTYPE LAYOUT GRADING SHOWGRADING` then the items, one per
    line, in the right order."""
    count, select, _layout, grading, _show = match.groups()
    texts = [_clean(line, fmt) for line in rest.split("\n") if line.strip()]
    item.type, item.kind = ItemType.ORDERING, "ordering"
    item.options, item.key = build_ordering(texts)
    grading = (grading or "RELATIVE_NEXT_EXCLUDE_LAST").upper()
    item.partial_credit = grading != "ALL_OR_NOTHING"
    if grading not in ("ALL_OR_NOTHING", "ABSOLUTE_POSITION", "ABSOLUTE", "ABS"):
        item.notes.append(f"частичный балл считается по позициям элементов (в Moodle — {grading})")
    if (select or "").upper() not in ("", "ALL", "EXACT") and count and 2 < int(count) < len(texts):
        item.notes.append(f"в Moodle показывались {count} из {len(texts)} элементов, в портале — все")
