"""JSON formats of ``Item.options`` (what the browser may see) and ``Item.key`` (the answer key,
never sent to the browser before the attempt is finished), and of ``Answer.value`` (what the
participant's answer looks like), for every item type.

Identifiers (``id``) are short strings unique within their list ("a", "b", "l1", "r2", "e3" …).

single — один верный ответ
    options: {"choices": [{"id": "a", "text": "…"}, {"id": "b", "text": "…"}, …]}   (≥ 2 choices)
    key:     {"correct": ["a"]}                                                     (exactly one id)
    answer:  {"choice": "a"}

multiple — несколько верных ответов
    options: {"choices": [{"id": "a", "text": "…"}, …]}                             (≥ 2 choices)
    key:     {"correct": ["a", "c"]}                                                (≥ 1 id)
    answer:  {"choices": ["a", "c"]}
    Item.partial_credit = False: all-or-nothing (the exact set of correct ids).
    Item.partial_credit = True:  points × max(0, right − wrong) / |correct|.

matching — установление соответствия
    options: {"left": [{"id": "l1", "text": "…"}, …], "right": [{"id": "r1", "text": "…"}, …]}
    key:     {"pairs": {"l1": "r2", "l2": "r1", …}}          (every left id → a right id)
    answer:  {"pairs": {"l1": "r2", …}}
    Item.partial_credit = True: points × (correct pairs) / |pairs|, else all-or-nothing.

ordering — установление последовательности
    options: {"elements": [{"id": "e1", "text": "…"}, …]}    (≥ 2 elements, shown shuffled)
    key:     {"order": ["e3", "e1", "e2"]}                   (a permutation of all element ids)
    answer:  {"order": ["e3", "e1", "e2"]}
    Item.partial_credit = True: points × (elements in the right position) / |elements|,
    else all-or-nothing.

short — краткий ответ
    options: {} (optionally {"placeholder": "…"})
    key:     {"accepted": ["3,5", "3.5"]}                    (≥ 1 non-empty string)
    answer:  {"text": "…"}
    Compared after normalisation: case folded, «ё» → «е», spaces collapsed and trimmed.

extended — развёрнутый ответ (проверяет эксперт по критериям Item.rubric)
    options: {}
    key:     {}
    answer:  {"text": "…"}
    Item.rubric must be filled; the expert gives 0 … Item.points.

self_analysis — самоанализ (анкета), не входит в процент
    options: {"scale": ["не владею", "частично", "владею уверенно"]}   (≥ 2 labels)
    key:     {} (no key)
    answer:  {"choice": 0}                                   (index into scale)
"""

from __future__ import annotations

import re
from typing import Any

from .choices import ItemType

CHOICE_TYPES = {ItemType.SINGLE, ItemType.MULTIPLE}
AUTO_TYPES = {ItemType.SINGLE, ItemType.MULTIPLE, ItemType.MATCHING, ItemType.ORDERING, ItemType.SHORT}
EXPERT_TYPES = {ItemType.EXTENDED}
UNSCORED_TYPES = {ItemType.SELF_ANALYSIS}
TYPE_VALUES = frozenset(ItemType.values)  # ItemType.values is rebuilt on each access

_SPACES = re.compile(r"\s+")


def normalize_short(text: Any) -> str:
    """Normalise a short answer: case, ё/е, spacing (also around commas and dots)."""
    if text is None:
        return ""
    value = str(text).casefold().replace("ё", "е")
    value = _SPACES.sub(" ", value).strip()
    value = re.sub(r"\s*([,.;:])\s*", r"\1", value)
    return value


def _id_list(entries: Any, field: str, errors: list[str], *, minimum: int = 2) -> list[str]:
    if not isinstance(entries, list):
        errors.append(f"«{field}» должно быть списком.")
        return []
    ids: list[str] = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry.get("id"):
            errors.append(f"«{field}», элемент {position}: нужен непустой строковый «id».")
            continue
        if not isinstance(entry.get("text"), str) or not entry["text"].strip():
            errors.append(f"«{field}», элемент {position}: нужен непустой текст «text».")
        ids.append(entry["id"])
    if len(set(ids)) != len(ids):
        errors.append(f"«{field}»: идентификаторы повторяются.")
    if len(entries) < minimum:
        errors.append(f"«{field}»: нужно не меньше {minimum} вариантов.")
    return ids


def validate_item(type: str, options: Any, key: Any) -> list[str]:  # noqa: A002 - the field is called type
    """Check ``options`` and ``key`` of an item of the given type; return Russian error messages
    (an empty list when the item is valid)."""
    errors: list[str] = []
    if type not in TYPE_VALUES:
        return [f"Неизвестный тип задания: «{type}»."]
    if not isinstance(options, dict):
        errors.append("Варианты ответа (options) должны быть объектом JSON.")
        options = {}
    if key is None:
        key = {}
    if not isinstance(key, dict):
        errors.append("Ключ (key) должен быть объектом JSON.")
        key = {}

    if type in CHOICE_TYPES:
        ids = _id_list(options.get("choices"), "choices", errors)
        correct = key.get("correct")
        if not isinstance(correct, list) or not correct:
            errors.append("В ключе нужен непустой список верных ответов «correct».")
        else:
            unknown = [c for c in correct if c not in ids]
            if unknown:
                errors.append(f"В ключе указаны несуществующие варианты: {', '.join(map(str, unknown))}.")
            if len(set(correct)) != len(correct):
                errors.append("В ключе верные ответы повторяются.")
            if type == ItemType.SINGLE and len(correct) != 1:
                errors.append("Для задания с одним верным ответом в ключе должен быть ровно один вариант.")
    elif type == ItemType.MATCHING:
        left = _id_list(options.get("left"), "left", errors)
        right = _id_list(options.get("right"), "right", errors)
        pairs = key.get("pairs")
        if not isinstance(pairs, dict) or not pairs:
            errors.append("В ключе нужен объект соответствий «pairs».")
        else:
            if set(pairs) != set(left):
                errors.append("В ключе каждому элементу левого столбца должно быть сопоставлено значение.")
            bad = [v for v in pairs.values() if v not in right]
            if bad:
                errors.append(
                    f"В ключе указаны несуществующие элементы правого столбца: {', '.join(map(str, bad))}."
                )
    elif type == ItemType.ORDERING:
        ids = _id_list(options.get("elements"), "elements", errors)
        order = key.get("order")
        if not isinstance(order, list) or not order:
            errors.append("В ключе нужен список «order» — верная последовательность.")
        elif sorted(map(str, order)) != sorted(ids):
            errors.append("Ключ «order» должен содержать все элементы ровно по одному разу.")
    elif type == ItemType.SHORT:
        accepted = key.get("accepted")
        if (
            not isinstance(accepted, list)
            or not accepted
            or not all(isinstance(a, str) and normalize_short(a) for a in accepted)
        ):
            errors.append("В ключе нужен непустой список допустимых ответов «accepted» (строки).")
    elif type == ItemType.EXTENDED:
        if key:
            errors.append(
                "У задания с развёрнутым ответом ключ должен быть пустым: его проверяет эксперт по критериям."
            )
    elif type == ItemType.SELF_ANALYSIS:
        scale = options.get("scale")
        if (
            not isinstance(scale, list)
            or len(scale) < 2
            or not all(isinstance(s, str) and s.strip() for s in scale)
        ):
            errors.append("Для самоанализа нужна шкала «scale» — не меньше двух непустых подписей.")
        if key:
            errors.append("У задания самоанализа не должно быть ключа.")
    return errors


def validate_answer(item_type: str, options: dict, value: Any) -> str | None:
    """Check the shape of a participant's answer; return a Russian message or None.
    ``value`` None means «answer cleared» and is always accepted."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return "Ответ должен быть объектом."
    options = options or {}
    if item_type == ItemType.SINGLE:
        ids = {c.get("id") for c in options.get("choices", [])}
        if value.get("choice") not in ids:
            return "Выберите один из предложенных вариантов."
    elif item_type == ItemType.MULTIPLE:
        ids = {c.get("id") for c in options.get("choices", [])}
        chosen = value.get("choices")
        if not isinstance(chosen, list) or not all(c in ids for c in chosen):
            return "Отмечены несуществующие варианты."
    elif item_type == ItemType.MATCHING:
        left = {e.get("id") for e in options.get("left", [])}
        right = {e.get("id") for e in options.get("right", [])}
        pairs = value.get("pairs")
        if not isinstance(pairs, dict) or not all(k in left and v in right for k, v in pairs.items()):
            return "Соответствие указано с несуществующими элементами."
    elif item_type == ItemType.ORDERING:
        ids = sorted(e.get("id") for e in options.get("elements", []))
        order = value.get("order")
        if not isinstance(order, list) or sorted(map(str, order)) != ids:
            return "Последовательность должна содержать все элементы по одному разу."
    elif item_type in (ItemType.SHORT, ItemType.EXTENDED):
        text = value.get("text")
        if not isinstance(text, str):
            return "Ответ должен быть текстом."
        if len(text) > 20000:
            return "Ответ слишком длинный (не более 20 000 знаков)."
    elif item_type == ItemType.SELF_ANALYSIS:
        scale = options.get("scale", [])
        choice = value.get("choice")
        if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(scale):
            return "Выберите значение шкалы."
    return None


def is_answered(item_type: str, value: Any) -> bool:
    """Whether a saved value counts as an answer (for the «unanswered» summary)."""
    if not isinstance(value, dict):
        return False
    if item_type == ItemType.SINGLE:
        return bool(value.get("choice"))
    if item_type == ItemType.MULTIPLE:
        return bool(value.get("choices"))
    if item_type == ItemType.MATCHING:
        return bool(value.get("pairs"))
    if item_type == ItemType.ORDERING:
        return bool(value.get("order"))
    if item_type in (ItemType.SHORT, ItemType.EXTENDED):
        return bool(str(value.get("text", "")).strip())
    if item_type == ItemType.SELF_ANALYSIS:
        return value.get("choice") is not None
    return False


def answer_from_form(item_type: str, options: dict, data) -> dict | None:
    """Build an answer value from an HTML form (a QueryDict). Field names: single/self_analysis
    «choice», multiple «choices» (several), matching «pair_<left id>», ordering «order» (several, in
    order), short/extended «text». Returns None when the form carries no answer."""
    options = options or {}
    if item_type == ItemType.SINGLE:
        choice = data.get("choice")
        return {"choice": choice} if choice else None
    if item_type == ItemType.MULTIPLE:
        return {"choices": data.getlist("choices")}
    if item_type == ItemType.MATCHING:
        return {"pairs": {k[5:]: v for k, v in data.items() if k.startswith("pair_") and v}}
    if item_type == ItemType.ORDERING:
        order = data.getlist("order")
        return {"order": order} if order else None
    if item_type in (ItemType.SHORT, ItemType.EXTENDED):
        return {"text": data.get("text", "")}
    if item_type == ItemType.SELF_ANALYSIS:
        raw = data.get("choice")
        try:
            return {"choice": int(raw)}
        except (TypeError, ValueError):
            return None
    return None
