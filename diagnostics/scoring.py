"""Scoring: the points an answer earns, and the per-block and overall result of an attempt.
Pure functions over already loaded items and answers (no queries), so finishing an attempt costs
the same number of queries whatever the number of items.

Points are exact fractions (a partial-credit item answered 1 of 3 earns 1/3 of its points, not 0.33):
sums are exact (1/3 + 1/3 + 1/3 = 1), and a percentage is rounded once, half up, where it is stored
(`STORED_PLACES`, for the database's averages and the level thresholds) and again only for display."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .choices import ItemType
from .item_formats import AUTO_TYPES, normalize_short

ZERO = Fraction(0)
HUNDRED = 100
# Decimals a stored percentage keeps: far below what is shown (one), so the shown figure is the exact
# one rounded half up.
STORED_PLACES = 6


def exact(value) -> Fraction:
    """A number as an exact fraction (Decimal 1.5 → 3/2; None → 0)."""
    if value is None:
        return ZERO
    if isinstance(value, Fraction):
        return value
    return Fraction(Decimal(str(value)) if isinstance(value, float) else value)


def round_half_up(value: Fraction, places: int) -> Decimal:
    """An exact fraction rounded half up to `places` decimals, once (no float, no intermediate)."""
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled) * 2 + 1) // 2
    return Decimal(sign * whole).scaleb(-places)


def shown_percent(value, places: int = 1) -> Decimal | None:
    """A stored percentage as pages and files print it: rounded half up once, to one decimal."""
    if value is None or value == "":
        return None
    return round_half_up(exact(Decimal(str(value))), places)


def _fraction_points(points: Fraction, fraction: Fraction) -> Fraction:
    fraction = max(ZERO, min(Fraction(1), fraction))
    return points * fraction


def score_auto(item, value: Any) -> Decimal:
    """Points for an automatically checked item (single, multiple, matching, ordering, short).
    A missing or malformed answer earns 0."""
    points = exact(item.points)
    key = item.key or {}
    if not isinstance(value, dict):
        return ZERO
    if item.type == ItemType.SINGLE:
        return points if value.get("choice") in (key.get("correct") or [])[:1] else ZERO
    if item.type == ItemType.MULTIPLE:
        correct = set(key.get("correct") or [])
        chosen = value.get("choices")
        if not correct or not isinstance(chosen, list):
            return ZERO
        chosen = set(chosen)
        if not item.partial_credit:
            return points if chosen == correct else ZERO
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return _fraction_points(points, Fraction(right - wrong, len(correct)))
    if item.type == ItemType.MATCHING:
        pairs = key.get("pairs") or {}
        given = value.get("pairs")
        if not pairs or not isinstance(given, dict):
            return ZERO
        right = sum(1 for left, target in pairs.items() if given.get(left) == target)
        if not item.partial_credit:
            return points if right == len(pairs) else ZERO
        return _fraction_points(points, Fraction(right, len(pairs)))
    if item.type == ItemType.ORDERING:
        order = key.get("order") or []
        given = value.get("order")
        if not order or not isinstance(given, list):
            return ZERO
        if not item.partial_credit:
            return points if list(given) == list(order) else ZERO
        right = sum(
            1
            for position, element in enumerate(order)
            if position < len(given) and given[position] == element
        )
        return _fraction_points(points, Fraction(right, len(order)))
    if item.type == ItemType.SHORT:
        accepted = {normalize_short(a) for a in key.get("accepted") or []}
        text = normalize_short(value.get("text"))
        return points if text and text in accepted else ZERO
    return ZERO


def needs_expert(item, value: Any) -> bool:
    """An extended answer with some text goes to the expert; an empty one simply earns 0."""
    return (
        item.type == ItemType.EXTENDED
        and isinstance(value, dict)
        and bool(str(value.get("text", "")).strip())
    )


def is_scored_item(item) -> bool:
    return item.type != ItemType.SELF_ANALYSIS and item.block.is_scored


@dataclass
class BlockScore:
    block: Any
    earned: Fraction = ZERO
    maximum: Fraction = ZERO
    missed_topics: list[str] = field(default_factory=list)

    @property
    def percent(self) -> Decimal:
        return percent_of(self.earned, self.maximum)


@dataclass
class AttemptScore:
    blocks: list[BlockScore]
    earned: Fraction
    maximum: Fraction

    @property
    def percent(self) -> Decimal:
        return percent_of(self.earned, self.maximum)


def percent_of(earned, maximum) -> Decimal:
    """earned / maximum · 100 from the exact points, rounded half up to STORED_PLACES."""
    if not maximum:
        return Decimal(0).scaleb(-STORED_PLACES)
    return round_half_up(exact(earned) * HUNDRED / exact(maximum), STORED_PLACES)


def attempt_score(items, points_by_item: dict) -> AttemptScore:
    """Sum the exact points per block and overall over the scored items (self-analysis and unscored
    blocks are left out). A topic is missed when its item earned less than full points."""
    blocks: dict[int, BlockScore] = {}
    for item in sorted(items, key=lambda i: (i.block.order, i.block.name, i.number)):
        if not is_scored_item(item):
            continue
        score = blocks.setdefault(item.block_id, BlockScore(block=item.block))
        earned = exact(points_by_item.get(item.pk))
        score.earned += earned
        score.maximum += exact(item.points)
        if earned < exact(item.points) and item.topic and item.topic not in score.missed_topics:
            score.missed_topics.append(item.topic)
    ordered = list(blocks.values())
    return AttemptScore(
        blocks=ordered,
        earned=sum((b.earned for b in ordered), ZERO),
        maximum=sum((b.maximum for b in ordered), ZERO),
    )


__all__ = [
    "AUTO_TYPES",
    "AttemptScore",
    "BlockScore",
    "attempt_score",
    "exact",
    "needs_expert",
    "round_half_up",
    "score_auto",
    "shown_percent",
]


def rubric_steps(item) -> list[Decimal]:
    """The scores an expert may give an extended answer: the numbers the rubric's lines start with
    ("2 балла — …; 1 — …; 0 — …"), within 0 … the item's points; whole points when the rubric names
    none. Highest first."""
    points = Decimal(item.points)
    found = set()
    for part in re.split(r"[\n;]", item.rubric or ""):
        match = re.match(r"\s*[—–-]?\s*(\d+(?:[.,]\d+)?)\b", part)
        if match:
            value = Decimal(match.group(1).replace(",", "."))
            if 0 <= value <= points:
                found.add(value)
    if len(found) < 2:
        found = {Decimal(n) for n in range(int(points) + 1)} | {points}
    return sorted(found, reverse=True)


def steps_label(steps: list[Decimal]) -> str:
    """0, 1 или 2 — in Russian, with a decimal comma."""
    texts = [f"{s.normalize():f}".replace(".", ",") for s in sorted(steps)]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " или " + texts[-1]
