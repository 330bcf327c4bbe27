"""The federal level (issue 10.3): every region's indicators side by side for one period code, and the
federal aggregate, read from each region's stored computation (the region rows of its snapshots: no
municipality, school or person ever leaves this module). Each region computes its own period alone
(a period belongs to one region; monitoring.services.computation); here the periods with the same
code are only read together.

`federal_table(user, code=None, cumulative=True)` →
    {
      "codes": [str]  — the period codes any region has (latest first), for the picker,
      "code": str|None — the code shown (asked for, else the latest that some region computed),
      "cumulative": bool,
      "indicators": [{"code", "name", "unit", "unit_label", "places"}],
      "regions": [{"id", "code", "name", "period": {"code", "starts_on", "ends_on", "is_closed"}|None,
                   "computed_at", "values": {code: {"numerator", "denominator", "value", "note"}}}],
      "total": {code: {"numerator", "denominator", "value", "regions", "note"}},
      "missing": [region name]  — regions without a computation for the code (left out of the total),
      "computed": int  — how many regions the total sums,
    }
The total is computed from the regions' counts, never averaged: a share is Σ numerators / Σ
denominators · 100, rounded once (monitoring.numbers); a count is the sum. A share whose denominator a
computed region lacks (no official figures) has no total, and the note says so.

Constant queries whatever the number of regions (the page's query guard): regions, periods, snapshots,
computation runs, definitions.
"""

from __future__ import annotations

from decimal import Decimal

from cnppm import access

from .choices import IndicatorUnit, ScopeLevel
from .definitions import ensure_definitions
from .models import ComputationRun, IndicatorDefinition, IndicatorSnapshot, Period
from .numbers import percent, places


def period_codes(user) -> list[str]:
    """The period codes of the regions the user sees at the federal level, latest first."""
    rows = (
        Period.objects.filter(region__in=access.federal_regions(user))
        .order_by("-ends_on", "kind", "code")
        .values_list("code", flat=True)
    )
    return list(dict.fromkeys(rows))


def _default_code(user) -> str | None:
    return (
        Period.objects.filter(region__in=access.federal_regions(user), snapshots__isnull=False)
        .order_by("-ends_on", "kind", "code")
        .values_list("code", flat=True)
        .first()
    )


def _indicators() -> list[dict]:
    ensure_definitions()
    return [
        {
            "code": d.code,
            "name": d.name,
            "unit": d.unit,
            "unit_label": IndicatorUnit(d.unit).label,
            "places": places("dashboard", d.code) if d.unit == IndicatorUnit.PERCENT else 0,
        }
        for d in IndicatorDefinition.objects.order_by("order", "code")
    ]


def _computed_at(snapshots: list[dict]) -> dict[int, object]:
    """Per period, the moment its current computation finished (selectors.current_computation's
    rule, for all periods at once): the latest snapshot's run's finish, else the snapshot's time."""
    latest: dict[int, dict] = {}
    for s in snapshots:
        best = latest.get(s["period_id"])
        if best is None or s["computed_at"] > best["computed_at"]:
            latest[s["period_id"]] = s
    run_ids = {s["run_id"] for s in latest.values() if s["run_id"]}
    finished = dict(
        ComputationRun.objects.filter(pk__in=run_ids, finished_at__isnull=False).values_list(
            "id", "finished_at"
        )
    )
    return {pid: finished.get(s["run_id"]) or s["computed_at"] for pid, s in latest.items()}


def _total(indicator: dict, regions: list[dict]) -> dict:
    code, unit = indicator["code"], indicator["unit"]
    figures = [r["values"][code] for r in regions if code in r["values"]]
    num = sum((f["numerator"] or 0) for f in figures)
    out = {"numerator": num, "denominator": None, "value": None, "regions": len(figures), "note": ""}
    if not figures:
        return out
    if unit != IndicatorUnit.PERCENT:
        out["value"] = sum((f["value"] or 0) for f in figures)
        return out
    lacking = [r["name"] for r in regions if code in r["values"] and r["values"][code]["denominator"] is None]
    dens = [f["denominator"] for f in figures if f["denominator"] is not None]
    out["denominator"] = sum(dens) if dens else None
    if lacking:
        out["note"] = "Нет знаменателя у регионов: " + ", ".join(lacking) + "; общая доля не рассчитывается."
    else:
        out["value"] = percent(num, out["denominator"], indicator["places"])
    return out


def federal_table(user, code: str | None = None, cumulative: bool = True) -> dict:
    regions = list(access.federal_regions(user).order_by("name"))
    codes = period_codes(user)
    code = (code or "").strip().upper() or _default_code(user)
    indicators = _indicators()
    # A code no region has (whatever was typed into the address) is never sent to the database.
    known = code in codes
    periods = {p.region_id: p for p in Period.objects.filter(region__in=regions, code=code)} if known else {}
    snapshots = list(
        IndicatorSnapshot.objects.filter(
            period__in=list(periods.values()), cumulative=cumulative, scope_level=ScopeLevel.REGION
        ).values(
            "period_id",
            "indicator__code",
            "numerator",
            "denominator",
            "value",
            "note",
            "run_id",
            "computed_at",
        )
    )
    stamps = _computed_at(snapshots)
    by_period: dict[int, dict] = {}
    for s in snapshots:
        by_period.setdefault(s["period_id"], {})[s["indicator__code"]] = {
            "numerator": s["numerator"],
            "denominator": s["denominator"],
            "value": s["value"],
            "note": s["note"],
        }
    rows = []
    for region in regions:
        period = periods.get(region.pk)
        values = by_period.get(period.pk, {}) if period else {}
        rows.append(
            {
                "id": region.pk,
                "code": region.code,
                "name": region.name,
                "period": (
                    {
                        "code": period.code,
                        "starts_on": period.starts_on,
                        "ends_on": period.ends_on,
                        "is_closed": period.is_closed,
                    }
                    if period
                    else None
                ),
                "computed_at": stamps.get(period.pk) if period else None,
                "values": values,
            }
        )
    computed = [r for r in rows if r["values"]]
    return {
        "codes": codes,
        "code": code,
        "cumulative": cumulative,
        "indicators": indicators,
        "regions": rows,
        "total": {i["code"]: _total(i, computed) for i in indicators},
        "missing": [r["name"] for r in rows if not r["values"]],
        "computed": len(computed),
    }


def shown_value(indicator: dict, figure: dict | None) -> Decimal | None:
    """A region's value as the page prints it: a share rounded once from its counts (the dashboard's
    rule), a count as stored."""
    if not figure:
        return None
    if indicator["unit"] == IndicatorUnit.PERCENT:
        value = percent(figure["numerator"], figure["denominator"], indicator["places"])
        return value if value is not None else figure["value"]
    return figure["value"]


def render_xlsx(table: dict) -> bytes:
    """The page's figures as a spreadsheet (cnppm.xlsx): a row per region, per indicator its numerator,
    denominator and value with the page's decimals, the federal total last, then the regions left out."""
    from openpyxl.styles import Font

    from cnppm.xlsx import new_workbook, workbook_bytes

    from .numbers import stamp, xlsx_format

    wb = new_workbook()
    ws = wb.active
    ws.title = "Регионы"
    mode = "нарастающим итогом" if table["cumulative"] else "только за период"
    ws.append([f"Показатели ЦНППМ по регионам, период {table['code'] or '—'}, {mode}"])
    ws["A1"].font = Font(bold=True)
    header = ["Регион", "Код", "Рассчитано"]
    for i in table["indicators"]:
        unit = ", %" if i["unit"] == IndicatorUnit.PERCENT else f", {i['unit_label']}"
        header += [f"{i['code']}: числитель", f"{i['code']}: знаменатель", f"{i['code']}{unit}"]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)

    def figures(values: dict, total: bool = False) -> list:
        out = []
        for i in table["indicators"]:
            f = values.get(i["code"])
            value = (f or {}).get("value") if total else shown_value(i, f)
            out += [
                _number((f or {}).get("numerator")),
                _number((f or {}).get("denominator")),
                _number(value),
            ]
        return out

    for r in table["regions"]:
        moment = stamp(r["computed_at"]).removeprefix("Рассчитано: ") if r["values"] else "не рассчитан"
        ws.append([r["name"], r["code"], moment, *figures(r["values"])])
    ws.append(["Все регионы (сумма)", "", f"регионов в сумме: {table['computed']}"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    total_row = figures(table["total"], total=True)
    for col, value in enumerate(total_row, 4):
        ws.cell(ws.max_row, col, value)
    for n, i in enumerate(table["indicators"]):
        fmt = xlsx_format(i["places"])
        for row in ws.iter_rows(min_row=3, min_col=6 + 3 * n, max_col=6 + 3 * n):
            for cell in row:
                cell.number_format = fmt
    notes = [
        f"{i['code']}: {table['total'][i['code']]['note']}"
        for i in table["indicators"]
        if table["total"][i["code"]]["note"]
    ]
    if table["missing"]:
        notes.append("Не рассчитаны за период (в сумму не входят): " + ", ".join(table["missing"]))
    for note in notes:
        ws.append([note])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["C"].width = 18
    return workbook_bytes(wb)


def _number(value):
    """A Decimal as a number cell (an integer when whole)."""
    if value is None:
        return None
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else float(d)
