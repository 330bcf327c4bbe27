"""GIFT (Moodle's plain-text format): single choice `{=a ~b ~c}`, multiple choice with weights
`{~%50%a ~%50%b ~%-100%c}`, true/false `{T}` / `{F}`, matching `{=a -> 1 =b -> 2}`, short answer
`{=ответ =другой ответ}`, essay `{}` (criteria for the expert in the general feedback `{####…}`
after the braces or inside them). `$CATEGORY: Блок/Вариант 2` sets the block and the variant of
the questions after it. A title `::Тема::` becomes the topic. `// [сложность:2]` on the line
before a question sets its difficulty."""

from __future__ import annotations

import re

from django.conf import settings

from diagnostics.choices import ItemType

from .common import (
    ImportFailed,
    ParsedItem,
    build_choice,
    build_matching,
    default_topic,
    fail_with_item_errors,
    split_category,
    too_many_items,
)

ESCAPES = {"\\~": "~", "\\=": "=", "\\#": "#", "\\{": "{", "\\}": "}", "\\:": ":", "\\n": "\n", "\\\\": "\\"}
_PLACEHOLDERS = {k: f"\x00{i}\x00" for i, k in enumerate(ESCAPES)}
DIFFICULTY_COMMENT = re.compile(
    r"^//\s*\[?\s*(?:сложность|difficulty)\s*[:=]?\s*([123])\s*\]?\s*$", re.IGNORECASE
)
TITLE = re.compile(r"^::(.*?)::", re.DOTALL)
FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _protect(text: str) -> str:
    for k, v in _PLACEHOLDERS.items():
        text = text.replace(k, v)
    return text


def _restore(text: str) -> str:
    for k, v in _PLACEHOLDERS.items():
        text = text.replace(v, ESCAPES[k])
    return text


def _clean(text: str) -> str:
    text = FORMAT.sub("", text.strip())
    text = re.sub(r"<[^>]+>", "", text) if "<" in text else text
    return "\n".join(line.strip() for line in _restore(text).strip().split("\n"))


def _blocks(text: str):
    """Split into (line number, lines) per question: blank lines separate questions."""
    chunk, start = [], None
    for n, line in enumerate(text.splitlines(), start=1):
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


def _answers(body: str) -> list[tuple[str, str]]:
    """`=a ~b #feedback ~c` → [("=", "a"), ("~", "b"), ("~", "c")] (feedback dropped)."""
    parts = re.split(r"([=~])", body)
    out = []
    marker = None
    for part in parts:
        if part in ("=", "~"):
            marker = part
            continue
        if marker is None:
            continue
        text = part.split("#", 1)[0].strip()
        out.append((marker, text))
        marker = None
    return out


def parse(data: bytes, *, default_variant: int | None = None) -> list[ParsedItem]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(["Файл GIFT должен быть в кодировке UTF-8."]) from None
    text = _protect(text.replace("\r\n", "\n"))
    # Count before building anything: every question has exactly one unescaped answer block «{…}».
    found, limit = text.count("{"), settings.IMPORT_MAX_ITEMS
    if found > limit:
        raise ImportFailed([too_many_items(limit, found)])
    items: list[ParsedItem] = []
    errors: list[str] = []
    segments: list[str] = []
    category = ""
    variant = default_variant
    number = 0
    for line_no, lines in _blocks(text):
        difficulty = 1
        body_lines = []
        for line in lines:
            stripped = line.strip()
            m = DIFFICULTY_COMMENT.match(stripped)
            if m:
                difficulty = int(m.group(1))
            elif stripped.startswith("//"):
                continue
            elif stripped.upper().startswith("$CATEGORY:"):
                category = _restore(stripped.split(":", 1)[1]).strip()
                segments, found = split_category(category)
                variant = found if found is not None else default_variant
            else:
                body_lines.append(line)
        if not body_lines:
            continue
        number += 1
        source = "\n".join(body_lines).strip()
        title = ""
        tm = TITLE.match(source)
        if tm:
            title = _clean(tm.group(1))
            source = source[tm.end() :].strip()
        ref = f"вопрос {number} (строка {line_no})" + (f" «{title}»" if title else "")
        open_at, close_at = source.find("{"), source.rfind("}")
        if open_at < 0 or close_at < open_at:
            errors.append(f"{ref}: нет блока ответов в фигурных скобках {{…}}")
            continue
        if source.count("{") != 1 or source.count("}") != 1:
            errors.append(
                f"{ref}: фигурные скобки не парные или их больше одной пары (экранируйте \\{{ и \\}})"
            )
            continue
        stem = _clean(source[:open_at] + " " + source[close_at + 1 :].split("####", 1)[0])
        body = source[open_at + 1 : close_at].strip()
        general_feedback = ""
        if "####" in body:
            body, general_feedback = body.split("####", 1)
            body = body.strip()
        elif "####" in source[close_at + 1 :]:
            general_feedback = source[close_at + 1 :].split("####", 1)[1]
        item = ParsedItem(
            ref=ref,
            type="",
            stem=stem,
            options={},
            key={},
            topic=default_topic(title, stem),
            block_ref="/".join(segments),
            category=category,
            variant_number=variant,
            difficulty=difficulty,
        )
        upper = body.upper()
        if body == "":
            item.type = ItemType.EXTENDED
            item.rubric = _clean(general_feedback)
        elif upper.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
            truth = upper.split("#", 1)[0].strip() in ("T", "TRUE")
            item.type = ItemType.SINGLE
            item.options, item.key = build_choice(["Верно", "Неверно"], [0 if truth else 1])
        elif body.startswith("#"):
            errors.append(f"{ref}: числовые вопросы ({{#…}}) не поддерживаются, используйте краткий ответ")
            continue
        else:
            answers = _answers(body)
            if not answers:
                errors.append(f"{ref}: в фигурных скобках нет ответов, начинающихся с = или ~")
                continue
            if all(m == "=" for m, _ in answers) and any("->" in t for _, t in answers):
                item.type = ItemType.MATCHING
                pairs = []
                for _, t in answers:
                    if "->" not in t:
                        item.errors.append(f"в паре «{_clean(t)}» нет стрелки ->")
                        continue
                    left, right = (_clean(p) for p in t.split("->", 1))
                    pairs.append((left, right))
                distractors = [r for left, r in pairs if not left]
                pairs = [p for p in pairs if p[0]]
                item.options, item.key = build_matching(pairs, distractors)
            elif all(m == "=" for m, _ in answers):
                item.type = ItemType.SHORT
                item.key = {"accepted": [_clean(re.sub(r"^%-?\d+(?:\.\d+)?%", "", t)) for _, t in answers]}
            else:
                weighted = any(re.match(r"^%-?\d", t) for _, t in answers)
                texts, weights = [], []
                for marker, t in answers:
                    w = 100.0 if marker == "=" else 0.0
                    m = re.match(r"^%(-?\d+(?:\.\d+)?)%", t)
                    if m:
                        w = float(m.group(1))
                        t = t[m.end() :]
                    texts.append(_clean(t))
                    weights.append(w)
                correct = [i for i, w in enumerate(weights) if w > 0]
                if weighted and (len(correct) > 1 or any(0 < w < 100 for w in weights)):
                    item.type = ItemType.MULTIPLE
                    item.partial_credit = any(0 < w < 100 for w in weights)
                else:
                    item.type = ItemType.SINGLE
                item.options, item.key = build_choice(texts, correct)
        items.append(item)
    if errors:
        fail_with_item_errors(errors, items)
    if not items:
        raise ImportFailed(["В файле нет ни одного вопроса GIFT."])
    return items
