"""Server-side SVG charts drawn from real numbers: horizontal bars and pies. Each chart is
accessible: the SVG has role="img", a <title> and <desc>, and `table_html` gives the same numbers as
a table (pages put it in a <details>, PDFs print it beside the chart). No JavaScript. B's reports
reuse these functions in the PDFs (WeasyPrint renders inline SVG).

Input everywhere: `items` is a list of (label, value) pairs; values are numbers (None counts as 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .numbers import fmt, percent

PALETTE = (
    "#0d6efd",
    "#198754",
    "#fd7e14",
    "#dc3545",
    "#6f42c1",
    "#20c997",
    "#ffc107",
    "#6c757d",
    "#0dcaf0",
    "#d63384",
)

_ids = count(1)

Items = Sequence[tuple[str, int | float | Decimal | None]]


def _num(v) -> float:
    return float(v or 0)


def _share_texts(items: Items, places: int = 1) -> list[str]:
    total = sum(_num(v) for _, v in items)
    return [fmt(percent(v or 0, total, places), places) if total else "—" for _, v in items]


# The widest glyph advance of the 12 px sans-serif the charts use (Cyrillic capitals, «Ш», «Ж»), so that
# a label anchored at the end never runs past x = 0 (a label was cut on the left in the analytic PDF).
GLYPH_PX = 8.4


def fit_label(label, room_px: float) -> str:
    """The label shortened (with «…») to what fits in `room_px` at the widest glyph; the full text
    stays in the chart's table and in the label's <title>."""
    text = str(label)
    limit = max(4, int(room_px // GLYPH_PX))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    items: Items,
    *,
    title: str,
    unit: str = "",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 230,
    value_places: int = 0,
    color: str = PALETTE[0],
) -> SafeString:
    """Horizontal bars, one per item, scaled to the largest value; the value is printed after each bar."""
    uid = f"chart{next(_ids)}"
    gap = 8
    top = 8
    height = top + len(items) * (bar_height + gap) + 4
    values = [_num(v) for _, v in items]
    biggest = max(values, default=0) or 1
    plot = width - label_width - 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bar" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" viewBox="0 0 {width} {max(height, 30)}" width="{width}" '
        f'height="{max(height, 30)}" font-family="sans-serif" font-size="12">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(_describe(items, unit, value_places))}</desc>',
    ]
    if not items:
        parts.append('<text x="4" y="20">Нет данных</text>')
    for i, ((label, value), v) in enumerate(zip(items, values, strict=True)):
        y = top + i * (bar_height + gap)
        w = 0 if v <= 0 else max(1.0, plot * v / biggest)
        short = fit_label(label, label_width - 6)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(short)}'
            f"<title>{escape(label)}</title></text>"
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}">'
            f"{escape(fmt(value or 0, value_places))}{escape(' ' + unit if unit else '')}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def pie_chart(
    items: Items, *, title: str, size: int = 220, legend_width: int = 300, places: int = 1
) -> SafeString:
    """A pie with a legend (label, count, share %). Zero items are listed in the legend, not drawn."""
    uid = f"chart{next(_ids)}"
    total = sum(_num(v) for _, v in items)
    shares = _share_texts(items, places)
    legend_h = 20 * len(items) + 10
    height = max(size, legend_h)
    width = size + legend_width
    r = size / 2 - 6
    cx = cy = size / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-pie" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(_describe(items, "", 0, shares))}</desc>',
    ]
    if not total:
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#e9ecef"/>')
        parts.append(f'<text x="{cx}" y="{cy}" text-anchor="middle">Нет данных</text>')
    else:
        angle = -math.pi / 2
        nonzero = [(i, _num(v)) for i, (_, v) in enumerate(items) if _num(v) > 0]
        for i, v in nonzero:
            color = PALETTE[i % len(PALETTE)]
            if len(nonzero) == 1:
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/>')
                break
            sweep = 2 * math.pi * v / total
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            angle += sweep
            x2, y2 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            large = 1 if sweep > math.pi else 0
            parts.append(
                f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                f'fill="{color}" stroke="#fff" stroke-width="1"/>'
            )
    for i, ((label, value), share) in enumerate(zip(items, shares, strict=True)):
        y = 10 + i * 20
        parts.append(
            f'<rect x="{size + 10}" y="{y}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{size + 28}" y="{y + 10}">{escape(str(label)[:34])}: {escape(fmt(value or 0, 0))}'
            f" ({escape(share)} %)</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _describe(items: Items, unit: str, places: int, shares: list[str] | None = None) -> str:
    bits = []
    for i, (label, value) in enumerate(items):
        text = f"{label}: {fmt(value or 0, places)}{' ' + unit if unit else ''}"
        if shares:
            text += f" ({shares[i]} %)"
        bits.append(text)
    return "; ".join(bits) or "Нет данных"


def table_html(
    items: Items,
    *,
    caption: str,
    label_header: str = "Показатель",
    value_header: str = "Количество",
    with_share: bool = True,
    places: int = 1,
) -> SafeString:
    """The chart's numbers as an accessible table (with shares and a total computed from the rows)."""
    total = sum(_num(v) for _, v in items)
    shares = _share_texts(items, places)
    head = f'<th scope="col">{escape(label_header)}</th><th scope="col" class="text-end">{escape(value_header)}</th>'
    if with_share:
        head += '<th scope="col" class="text-end">Доля, %</th>'
    rows = []
    for (label, value), share in zip(items, shares, strict=True):
        row = f'<th scope="row">{escape(label)}</th><td class="text-end">{escape(fmt(value or 0, 0))}</td>'
        if with_share:
            row += f'<td class="text-end">{escape(share)}</td>'
        rows.append(f"<tr>{row}</tr>")
    foot = f'<th scope="row">Итого</th><td class="text-end">{escape(fmt(total, 0))}</td>'
    if with_share:
        foot += f'<td class="text-end">{"100,0" if total else "—"}</td>'
    return mark_safe(
        f'<table class="table table-sm chart-table"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody><tfoot><tr>{foot}</tr></tfoot></table>"
    )


def chart_with_table(items: Items, *, title: str, kind: str = "bar", **kwargs) -> SafeString:
    """A chart and, in a <details>, its numbers as a table: what the dashboards print."""
    svg = pie_chart(items, title=title) if kind == "pie" else bar_chart(items, title=title, **kwargs)
    table = table_html(items, caption=title)
    return mark_safe(
        f'<figure class="chart-figure"><figcaption class="fw-semibold">{escape(title)}</figcaption>{svg}'
        f"<details><summary>Таблица данных</summary>{table}</details></figure>"
    )
