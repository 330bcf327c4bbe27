"""Highest and lowest as a true comparison: said only when at least two groups have a value and the
values differ; ties are listed together; when every group has the same value, that is said instead."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def extremes(rows: Iterable[Any], value: Callable[[Any], Any], name: Callable[[Any], str]) -> dict | None:
    """None when fewer than two groups have a value (nothing to compare). Otherwise
    {"equal": True, "value", "count"} when all values are the same, or
    {"equal": False, "highest": {"value", "names"}, "lowest": {"value", "names"}, "count"},
    names in the order given. Compare the values as shown (already rounded), so a tie on screen
    is a tie here."""
    valued = [(value(r), name(r)) for r in rows if value(r) is not None]
    if len(valued) < 2:
        return None
    top, bottom = max(v for v, _ in valued), min(v for v, _ in valued)
    if top == bottom:
        return {"equal": True, "value": top, "count": len(valued)}
    return {
        "equal": False,
        "count": len(valued),
        "highest": {"value": top, "names": [n for v, n in valued if v == top]},
        "lowest": {"value": bottom, "names": [n for v, n in valued if v == bottom]},
    }


def sentence(
    ex: dict | None, *, what: str, lowest_word: str, group: str, equal: str, fmt: Callable[[Any], str]
) -> str:
    """«Наибольший охват: А (12,5 %); наименьший: Б (1,5 %).», with ties «… у 2 муниципалитетов: А, Б
    (12,5 %) …», or `equal` and the value («Охват одинаков во всех муниципалитетах: 10 %.»); "" when
    there is nothing to compare. `what` starts the sentence, `group` names a group in the singular."""
    from cnppm.russian import with_number

    if ex is None:
        return ""

    def side(part: dict) -> str:
        names = part["names"]
        counted = f" у {with_number(len(names), group, 'gent')}" if len(names) > 1 else ""
        return f"{counted}: {', '.join(names)} ({fmt(part['value'])})"

    if ex["equal"]:
        return f"{equal}: {fmt(ex['value'])}."
    return f"{what}{side(ex['highest'])}; {lowest_word}{side(ex['lowest'])}."
