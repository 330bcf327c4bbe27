"""Template filters printing monitoring numbers the Russian way (monitoring.numbers)."""

from django import template

from ..numbers import fmt, fmt_count, fmt_percent, percent, places, plan_figure, stamp

register = template.Library()


@register.filter
def num(value, places=0):
    return fmt(value, int(places))


@register.filter
def pct(value, places=1):
    return fmt_percent(value, int(places))


@register.filter
def count(value):
    return fmt_count(value)


@register.filter
def indicator_value(row, kind="dashboard"):
    """An overview row's value in its unit: 3,32 % or 6. A share is rounded once, from its numerator and
    denominator, with the decimals the reports print it with (monitoring.numbers.DECIMALS)."""
    if row.get("unit") == "percent":
        n = places(kind, row.get("code"))
        value = percent(row.get("numerator"), row.get("denominator"), n)
        if value is None:
            value = row.get("value")
        return fmt_percent(value, n)
    return fmt(row.get("value"), 0 if row.get("unit") == "count" else 1)


@register.filter
def share(row, rule="municipal_letter:F2"):
    """A row's share (numerator / denominator · 100) rounded once with the decimals of the report the
    screen shows ("<kind>:<code>", monitoring.numbers.DECIMALS): a municipality's page prints F₂ as its
    municipal letter does."""
    kind, _, code = str(rule).partition(":")
    n = places(kind, code or None)
    value = percent(row.get("numerator"), row.get("denominator"), n)
    return fmt_percent(value if value is not None else row.get("value"), n)


@register.filter
def computed_stamp(moment):
    """«Рассчитано: 01.12.2026 14:05» (monitoring.numbers.stamp)."""
    return stamp(moment)


@register.filter
def plan_value(row):
    if row.get("plan") is None:
        return "—"
    """The plan as entered and as the quarterly form prints it: 5 %, 9,5 % (monitoring.numbers)."""
    plan = plan_figure(row["plan"])
    decimals = max(0, -plan.as_tuple().exponent)
    if row.get("unit") == "percent":
        return fmt_percent(plan, decimals)
    return fmt(plan, decimals)


@register.filter
def plan_number(value):
    """A planned value as entered, without trailing zeros (5, 9,5), as the quarterly form prints it."""
    plan = plan_figure(value)
    return fmt(plan, max(0, -plan.as_tuple().exponent)) if plan is not None else "—"


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
