"""What every item-bank parser produces and how the parts of a file map to the portal.

Variants: a category (Moodle XML, GIFT) or a column (XLSX) names «Вариант N»; a question without
one goes to the default variant (the `--variant` option, 1 unless given).
Blocks: another segment of the category path (or the «Блок» column) names the competence block by
its code or its name, case and «ё» ignored.
A parser never writes: it returns ParsedItem objects or raises ImportFailed with every problem it
found, each naming the question ("вопрос 3 «Название»") or the row and column, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from cnppm.russian import plural, with_number
from diagnostics.choices import ItemType
from diagnostics.item_formats import validate_item

VARIANT_RE = re.compile(r"^\s*вариант\s*(?:№\s*)?(\d{1,3})\s*$", re.IGNORECASE)
IGNORED_SEGMENTS = {"$course$", "$system$", "$module$", "$cat1$", "top", "по умолчанию", "default"}
MAX_ERRORS = 50


class ImportFailed(Exception):
    """A file that can't be imported: `errors` lists every problem in Russian; nothing is saved."""

    def __init__(self, errors: list[str]):
        self.errors = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            self.errors.append(f"… и ещё {with_number(len(errors) - MAX_ERRORS, 'ошибка')}.")
        super().__init__("\n".join(self.errors))


def too_many_items(limit: int, found: int | None = None) -> str:
    """The refusal of a file with more questions than IMPORT_MAX_ITEMS, counted before parsing them."""

    def num(n: int) -> str:
        return f"{n:,}".replace(",", "\u00a0")

    counted = (
        f"в файле {num(found)} {plural(found, 'вопрос')}, а " if found else "в файле больше вопросов, чем "
    )
    return (
        f"Слишком много вопросов: {counted}допускается не более {num(limit)} за одну загрузку "
        "(IMPORT_MAX_ITEMS). Разделите банк на несколько файлов."
    )


@dataclass
class ParsedItem:
    """One question, in the portal's terms (options/key as diagnostics.item_formats describes)."""

    ref: str  # how the file names it, for messages: «вопрос 3 «Название»» or «строка 7»
    type: str
    stem: str
    options: dict
    key: dict
    topic: str = ""
    block_ref: str = ""  # category segments or the block column, matched to a CompetenceBlock
    category: str = ""  # the original category path, for messages
    variant_number: int | None = None
    points: Decimal = Decimal("1")
    difficulty: int = 1
    partial_credit: bool = False
    rubric: str = ""
    errors: list[str] = field(default_factory=list)
    block: object = None  # the CompetenceBlock, once resolved by the import service
    kind: str = ""  # the question kind as the source names it (Moodle's qtype), for the preview
    notes: list[str] = field(default_factory=list)  # what was carried over differently, per question
    image: tuple[str, bytes] | None = None  # (file name, content): becomes Item.image


@dataclass
class SkippedQuestion:
    """A question the file holds that the portal leaves out, with the reason (shown in the preview)."""

    ref: str
    kind: str
    reason: str
    category: str = ""


@dataclass
class ParsedBank:
    """A parsed file: the questions to import, the ones left out (by name and reason), and the
    categories in the file's order (as Moodle reads them: `$CATEGORY:` or <question type="category">)."""

    items: list[ParsedItem]
    skipped: list[SkippedQuestion] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        return [f"{item.ref}: {note}" for item in self.items for note in item.notes]


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").casefold().replace("ё", "е")).strip()


CONTEXT_PREFIXES = {"$course$", "$system$", "$module$", "$cat1$", "$coursecategory$"}


def category_segments(path: str) -> list[str]:
    """Moodle's reading of a category path: «/» separates, «//» is a slash inside a name, the context
    prefix ($course$, $system$ …) and Moodle 3.5+'s «top» are not categories of their own."""
    names = [s.replace("\x00", "/").strip() for s in (path or "").replace("//", "\x00").split("/")]
    names = [n for n in names if n]
    if names and names[0].casefold() in CONTEXT_PREFIXES:
        names = names[1:]
    if names and names[0].casefold() == "top":
        names = names[1:]
    return names


NO_CATEGORY = "(без категории)"


def category_label(path: str) -> str:
    """How the preview names a category and how `--map` refers to it: «Раздел / Подраздел»."""
    return " / ".join(category_segments(path)) or NO_CATEGORY


def category_key(label: str) -> str:
    """A label or a path typed by the operator, compared case-, «ё»- and spacing-insensitively."""
    return "/".join(fold(s) for s in category_segments(label)) or fold(NO_CATEGORY)


def split_category(path: str) -> tuple[list[str], int | None]:
    """A Moodle/GIFT category path → (the segments that may name a block, the variant number)."""
    variant = None
    segments = []
    for raw in (path or "").split("/"):
        seg = raw.strip()
        if not seg or fold(seg) in IGNORED_SEGMENTS:
            continue
        m = VARIANT_RE.match(seg)
        if m:
            variant = int(m.group(1))
            continue
        segments.append(seg)
    return segments, variant


def choice_ids(n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i] if i < len(letters) else f"c{i + 1}" for i in range(n)]


def build_choice(texts: list[str], correct_idx: list[int]) -> tuple[dict, dict]:
    ids = choice_ids(len(texts))
    return (
        {"choices": [{"id": i, "text": t} for i, t in zip(ids, texts, strict=True)]},
        {"correct": [ids[i] for i in correct_idx]},
    )


def build_matching(pairs: list[tuple[str, str]], distractors: list[str] = ()) -> tuple[dict, dict]:
    """Left side in the file's order; the right side sorted by text, so neither the order nor the
    ids of the right column give the key away."""
    lefts = [p[0] for p in pairs]
    rights = sorted({p[1] for p in pairs} | set(distractors), key=fold)
    right_ids = {text: f"r{i}" for i, text in enumerate(rights, start=1)}
    left = [{"id": f"l{i}", "text": t} for i, t in enumerate(lefts, start=1)]
    return (
        {"left": left, "right": [{"id": right_ids[t], "text": t} for t in rights]},
        {"pairs": {f"l{i}": right_ids[r] for i, (_, r) in enumerate(pairs, start=1)}},
    )


def build_ordering(elements_in_order: list[str]) -> tuple[dict, dict]:
    """Ids are given in the order of the sorted texts, so they don't spell the right sequence."""
    by_text = sorted(range(len(elements_in_order)), key=lambda i: (fold(elements_in_order[i]), i))
    ids = {idx: f"e{pos}" for pos, idx in enumerate(by_text, start=1)}
    return (
        {"elements": [{"id": ids[i], "text": elements_in_order[i]} for i in by_text]},
        {"order": [ids[i] for i in range(len(elements_in_order))]},
    )


def ordering_texts(options: dict, key: dict) -> list[str]:
    texts = {e["id"]: e["text"] for e in options.get("elements", [])}
    return [texts[i] for i in key.get("order", []) if i in texts]


def matching_pairs(options: dict, key: dict) -> tuple[list[tuple[str, str]], list[str]]:
    lefts = {e["id"]: e["text"] for e in options.get("left", [])}
    rights = {e["id"]: e["text"] for e in options.get("right", [])}
    pairs = [
        (lefts[lid], rights[rid])
        for lid, rid in key.get("pairs", {}).items()
        if lid in lefts and rid in rights
    ]
    used = {r for _, r in pairs}
    return pairs, [t for t in rights.values() if t not in used]


def check_item(item: ParsedItem) -> list[str]:
    """The portal's rules for an item, beyond the parser's: validate_item and the rubric."""
    errors = list(item.errors)
    if not item.stem.strip():
        errors.append("пустая формулировка задания")
    if not item.errors:  # what the parser found explains the rest
        errors.extend(validate_item(item.type, item.options, item.key))
    if item.points <= 0 and item.type != ItemType.SELF_ANALYSIS:
        errors.append("баллы за задание должны быть больше нуля")
    if item.difficulty not in (1, 2, 3):
        errors.append("уровень сложности должен быть 1, 2 или 3")
    if len(item.topic) > 300:
        errors.append("тема длиннее 300 знаков")
    return [f"{item.ref}: {e}" for e in errors]


def default_topic(title: str, stem: str) -> str:
    text = (title or "").strip() or re.sub(r"\s+", " ", stem).strip()
    return text[:120]


def fail_with_item_errors(errors: list[str], items: list[ParsedItem]) -> None:
    """A parser that found broken questions reports them with the problems of the other questions,
    in the file's order, so one upload shows everything to fix. Returns when there is nothing."""
    every = errors + [e for item in items for e in check_item(item)]
    if not every:
        return

    def position(message: str) -> int:
        m = re.match(r"^(?:вопрос|строка) (\d+)", message)
        return int(m.group(1)) if m else 0

    raise ImportFailed(sorted(every, key=position))
