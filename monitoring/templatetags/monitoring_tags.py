"""Template filters printing monitoring numbers the Russian way (monitoring.numbers)."""

from django import template

from ..numbers import fmt, fmt_count, fmt_percent

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
def indicator_value(row):
    """An overview row's value in its unit: 14,3 % or 6."""
    if row.get("unit") == "percent":
        return fmt_percent(row.get("value"))
    return fmt(row.get("value"), 0 if row.get("unit") == "count" else 1)


@register.filter
def plan_value(row):
    if row.get("plan") is None:
        return "—"
    if row.get("unit") == "percent":
        return fmt_percent(row["plan"])
    return fmt(row["plan"], 0 if row.get("unit") == "count" else 1)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key)
