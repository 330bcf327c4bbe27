"""Numbers of the monitoring, in one place: percentages rounded half up (one decimal unless a report
asks for two), ratios, and how they are printed. B's reports use these too."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Number = int | float | Decimal | str | None


def _dec(value: Number) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: Decimal(0.15) would carry the binary error of the float into the rounding.
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def quantize(value: Number, places: int = 1) -> Decimal | None:
    """Round half up to `places` decimals (2.45 → 2.5, 2.44 → 2.4)."""
    d = _dec(value)
    if d is None:
        return None
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(num: Number, den: Number, places: int = 1) -> Decimal | None:
    """num / den · 100, rounded half up to `places` decimals; None when the denominator is missing
    or zero (the report then says the denominator is missing instead of dividing by nothing)."""
    n, d = _dec(num), _dec(den)
    if n is None or d is None or d == 0:
        return None
    return quantize(n * 100 / d, places)


def ratio(num: Number, den: Number, places: int = 1) -> Decimal | None:
    """num / den rounded half up (teachers per tutor); None when the denominator is missing or 0."""
    n, d = _dec(num), _dec(den)
    if n is None or d is None or d == 0:
        return None
    return quantize(n / d, places)


def growth(new: Number, old: Number, places: int = 1) -> Decimal | None:
    """The difference new − old (percentage points for shares, units for counts), rounded half up."""
    n, o = _dec(new), _dec(old)
    if n is None or o is None:
        return None
    return quantize(n - o, places)


def fmt(value: Number, places: int = 1, *, missing: str = "—") -> str:
    """Russian notation: decimal comma, thin-space thousands: 10 851; 14,3."""
    d = _dec(value)
    if d is None:
        return missing
    if d == d.to_integral_value() and places == 0:
        q = d.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    else:
        q = quantize(d, places)
    sign = "-" if q < 0 else ""
    text = f"{abs(q):f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = "\u00a0".join(groups)
    if frac:
        out += "," + frac
    return sign + out


def fmt_percent(value: Number, places: int = 1, *, missing: str = "—") -> str:
    """A share as printed: 14,3 %."""
    if _dec(value) is None:
        return missing
    return f"{fmt(value, places)}\u00a0%"


def fmt_count(value: Number, *, missing: str = "—") -> str:
    return fmt(value, 0, missing=missing)


# How many decimals each document prints a share with: one rule per report kind, and per indicator where
# the seed's document differs from its own default:
# - quarterly (seed 002, Kirov's form): 5,85 % for the ИОМ share and 9,17 % for the teachers trained
#   (two decimals), 81,3 % for 13 of 16 staff and 24,2 % for mentoring (one), 18 % for the management
#   teams (whole per cent);
# - analytic (seed 001, Kuzbass): the municipality table with one decimal (34,5; ИТОГО 7,1);
# - comparison (seed 000, Khabarovsk): the share with one decimal (14,3 %), its growth since the
#   previous period with two (7,45), `growth` below;
# - municipal letter (seed 003): F₂ with one decimal.
# Each screen prints a figure with the rule of the report it belongs to: the dashboard's indicators are
# the quarterly form's, its municipality table is the analytic report's table 1 (F₂ the municipal
# letter's), the comparison page is the comparison report's, a municipality's page is its letter's. A
# region may override any of it with settings.MONITORING_DECIMALS.
DECIMALS: dict[str, dict[str, int]] = {
    "quarterly": {"default": 1, "IOM_SHARE": 2, "TEACHERS_TRAINED": 2, "MGMT_TEAMS": 0},
    "analytic": {"default": 1},
    "municipal_letter": {"default": 1},
    "comparison": {"default": 1, "growth": 2},
}
# The dashboard's indicator rows are the quarterly form's rows: the very same rule, not a copy of it.
DECIMALS["dashboard"] = DECIMALS["quarterly"]


def places(kind: str, code: str | None = None, *, growth: bool = False) -> int:
    """The decimals `kind` (a report kind or "dashboard") prints the share `code` with; `growth`: the
    decimals of its change since the previous period (percentage points), where the report sets them."""
    from django.conf import settings

    rules = DECIMALS.get(kind, {}) | getattr(settings, "MONITORING_DECIMALS", {}).get(kind, {})
    if growth:
        for key in (f"{code}.growth", "growth"):
            if key in rules:
                return int(rules[key])
    return int(rules.get(code, rules.get("default", 1)) if code else rules.get("default", 1))


def percent_growth(num_new: Number, den_new: Number, num_old: Number, den_old: Number, places: int = 2):
    """How much a share grew, in percentage points, from the counts (rounded once, half up): the
    exact new share minus the exact old one. None when either denominator is missing or zero."""
    values = [_dec(v) for v in (num_new, den_new, num_old, den_old)]
    if any(v is None for v in values) or values[1] == 0 or values[3] == 0:
        return None
    n1, d1, n0, d0 = values
    return quantize(n1 * 100 / d1 - n0 * 100 / d0, places)


def plan_figure(value: Number) -> Decimal | None:
    """A planned value as the operator entered it, without trailing zeros: 5 → 5, 9.50 → 9.5 (seed 002
    prints the plans as 5 %, 50 %, 10 %); the screen, the PDF and the XLSX print the same."""
    d = _dec(value)
    if d is None:
        return None
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def xlsx_format(places_: int) -> str:
    """The XLSX number format showing the same decimals as the PDF and the screen."""
    return "0" if places_ <= 0 else "0." + "0" * places_


def stamp(moment) -> str:
    """«Рассчитано: 01.12.2026 14:05», in the portal's time zone."""
    from django.utils import timezone

    if moment is None:
        return "Рассчитано: нет данных"
    return f"Рассчитано: {timezone.localtime(moment):%d.%m.%Y %H:%M}"
