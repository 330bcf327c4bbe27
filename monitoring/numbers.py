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
