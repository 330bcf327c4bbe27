"""Reads of the monitoring, each taking the user who reads and narrowed through `cnppm.access`
(municipality rows by `municipality_q`, organization rows by `aggregate_organization_q`, the region
row only for region roles and the ministry). All return plain dicts and lists, documented below;
the reports (engineer B) build on them.

Shapes:

`snapshot_table(period, indicator_code, scope_level, user, cumulative=True, municipality=None)` →
    {
      "indicator": {"code", "name", "unit", "unit_label", "numerator_text", "denominator_text", "formula_text"},
      "period": {"code", "kind", "starts_on", "ends_on", "is_closed"},
      "cumulative": bool, "scope_level": str, "computed": bool (snapshots exist), "computed_at",
      "rows": [{"municipality_id", "municipality", "organization_id", "organization", "numerator",
                "denominator", "value" (Decimal|None), "note", "inputs" (dict)}]  (sorted by name),
      "total": {"numerator", "denominator", "value", "note"}  — computed from the rows, never typed;
                for counts value = sum of values,
      "highest": row|None, "lowest": row|None  — by value among rows with a value,
      "plan": Decimal|None  (the plan for the period's year),
      "has_iom_rule": str,
    }
`overview(user, period, cumulative=True)` → [{"code", "name", "unit", "unit_label", "numerator_text",
    "denominator_text", "formula_text", "plan", "value", "numerator", "denominator", "note", "inputs",
    "achieved" (bool|None: value ≥ plan), "scope_label"}] — for region roles the region row, for a
    municipal methodist the sum of their municipalities' rows, for a school head their school's rows.
`distributions(user, period, municipality=None, cumulative=True)` → {"education", "category",
    "experience", "combinations", "activity_kinds", "activity_levels", "activity_formats", "verdicts",
    "stages": [(label, count)], "deficits": [{"block", "high", "medium", "minimal", "total"}],
    "source": "snapshot"|"live"} — read from the stored computation when the period was computed
    (so a closed period does not change), otherwise computed live.
`comparison(user, period, previous, cumulative=True)` → {"indicators": [{"code", "name", "unit_label",
    "previous", "current", "growth"}], "municipalities": [{"municipality", "previous_numerator",
    "current_numerator", "growth", "previous_value", "current_value", "growth_value"}] (IOM_SHARE)}.
`support_pool(user, period)` → inputs of the SUPPORT_POOL region row (tutors and curators by kind,
    teachers per tutor / curator, norm, over_norm) or None.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from cnppm import access, disclosure
from cnppm.models import Municipality

from . import distributions as dist
from .choices import IndicatorCode, IndicatorUnit, ScopeLevel
from .indicators import HAS_IOM_RULE, SPECS, window_for
from .models import ComputationRun, IndicatorDefinition, IndicatorPlan, IndicatorSnapshot, Period
from .numbers import growth, percent, percent_growth, places, quantize


def visible_region_ids(user) -> set[int]:
    """Regions whose periods the user may look at (aggregates of their region, municipality or school)."""
    scope = access.scope_of(user)
    ids = set(scope.aggregate_region_ids)
    if scope.municipality_ids or scope.organization_ids:
        ids |= set(
            Municipality.objects.filter(
                Q(id__in=scope.municipality_ids) | Q(organizations__id__in=scope.organization_ids)
            ).values_list("region_id", flat=True)
        )
    if getattr(user, "is_superuser", False):
        from cnppm.models import Region

        ids |= set(Region.objects.values_list("id", flat=True))
    return ids


def periods(user) -> QuerySet:
    return Period.objects.filter(region_id__in=visible_region_ids(user)).order_by("-ends_on", "kind")


def sees_region(user, period) -> bool:
    scope = access.scope_of(user)
    return period.region_id in scope.aggregate_region_ids or getattr(user, "is_superuser", False)


def dashboard_level(user, period) -> str | None:
    """The widest scope the user sees: region, municipality, organization or nothing."""
    scope = access.scope_of(user)
    if sees_region(user, period):
        return ScopeLevel.REGION
    if scope.municipality_ids:
        return ScopeLevel.MUNICIPALITY
    if scope.organization_ids:
        return ScopeLevel.ORGANIZATION
    return None


def scoped_snapshots(user, period, *, cumulative: bool = True) -> QuerySet:
    """The period's snapshots the user may see."""
    q = Q(scope_level=ScopeLevel.MUNICIPALITY) & access.municipality_q(user, "municipality")
    q |= Q(scope_level=ScopeLevel.ORGANIZATION) & access.aggregate_organization_q(user, "organization")
    if sees_region(user, period):
        q |= Q(scope_level=ScopeLevel.REGION)
    return IndicatorSnapshot.objects.filter(q, period=period, cumulative=cumulative)


def _indicator_dict(defn: IndicatorDefinition) -> dict:
    return {
        "code": defn.code,
        "name": defn.name,
        "unit": defn.unit,
        "unit_label": IndicatorUnit(defn.unit).label,
        "numerator_text": defn.numerator_text,
        "denominator_text": defn.denominator_text,
        "formula_text": defn.formula_text,
    }


def _period_dict(period) -> dict:
    return {
        "code": period.code,
        "kind": period.kind,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "is_closed": period.is_closed,
    }


def _row(s: IndicatorSnapshot) -> dict:
    return {
        "municipality_id": s.municipality_id,
        "municipality": s.municipality.name if s.municipality_id else "",
        "organization_id": s.organization_id,
        "organization": s.organization.short_name if s.organization_id else "",
        "numerator": s.numerator,
        "denominator": s.denominator,
        "value": s.value,
        "note": s.note,
        "inputs": s.inputs,
    }


def _plans(period: Period) -> dict[str, Decimal]:
    """The plans of the period's region for the year the period ends in."""
    return dict(
        IndicatorPlan.objects.filter(region_id=period.region_id, year=period.ends_on.year).values_list(
            "indicator__code", "value"
        )
    )


def total_of(rows: list[dict], unit: str) -> dict:
    """The total row, computed from the rows: sums of numerators and denominators, the share of the
    sums (a row without a denominator leaves the total's denominator incomplete, and the note says so)."""
    num = sum((r["numerator"] or 0) for r in rows)
    dens = [r["denominator"] for r in rows]
    missing = sum(1 for d in dens if d is None)
    den = sum(d for d in dens if d is not None) if any(d is not None for d in dens) else None
    if unit == IndicatorUnit.PERCENT:
        value = percent(num, den) if not missing else None
    else:
        value = sum((r["value"] or 0) for r in rows)
    note = (
        f"Нет знаменателя у {missing} строк: итоговая доля не рассчитывается."
        if missing and unit == IndicatorUnit.PERCENT
        else ""
    )
    return {"numerator": num, "denominator": den, "value": value, "note": note}


def snapshot_table(
    period, indicator_code: str, scope_level: str, user, cumulative: bool = True, municipality=None
) -> dict:
    """The rows of one indicator at one scope level, with the total computed from them."""
    defn = IndicatorDefinition.objects.get(code=indicator_code)
    qs = (
        scoped_snapshots(user, period, cumulative=cumulative)
        .filter(indicator=defn, scope_level=scope_level)
        .select_related("municipality", "organization")
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    snaps = list(qs)
    rows = sorted((_row(s) for s in snaps), key=lambda r: (r["municipality"], r["organization"]))
    total = total_of(rows, defn.unit)
    suppressed = (
        suppress_organizations(rows)
        if scope_level == ScopeLevel.ORGANIZATION and disclosure.aggregate_only(user)
        else False
    )
    valued = [r for r in rows if r["value"] is not None]
    _run, computed_at = current_computation(period)
    return {
        "indicator": _indicator_dict(defn),
        "period": _period_dict(period),
        "cumulative": cumulative,
        "scope_level": scope_level,
        "computed": bool(snaps) or IndicatorSnapshot.objects.filter(period=period).exists(),
        "computed_at": computed_at,
        "rows": rows,
        "total": total,
        "suppressed": suppressed,
        "suppressed_note": (
            f"«—»: по организациям, где менее {disclosure.threshold()} человек в знаменателе, и по "
            "организациям, по которым их можно было бы вычислить по разности, значения не приводятся."
            if suppressed
            else ""
        ),
        "highest": max(valued, key=lambda r: r["value"]) if valued else None,
        "lowest": min(valued, key=lambda r: r["value"]) if valued else None,
        "plan": _plans(period).get(indicator_code),
        "has_iom_rule": HAS_IOM_RULE,
    }


def suppress_organizations(rows: list[dict]) -> bool:
    """The ministry's view of per-organization figures (cnppm.disclosure): within each municipality,
    an organization whose denominator (people) is under the threshold shows only that head count, and
    so do the next smallest ones until the hidden ones hold the threshold together, so the
    municipality's total minus the visible organizations gives back no organization. The totals are
    computed before (from every row) and stay."""
    hidden_any = False
    by_muni: dict = {}
    for r in rows:
        by_muni.setdefault(r["municipality_id"], []).append(r)
    for part in by_muni.values():
        sizes = {id(r): int(r["denominator"] or 0) for r in part}
        keys = disclosure.hidden_keys(sizes)
        for r in part:
            if id(r) in keys:
                r.update(numerator=None, value=None, inputs={}, suppressed=True)
                hidden_any = True
    return hidden_any


def current_computation(period) -> tuple[ComputationRun | None, object]:
    """The computation whose snapshots the period holds now (a computation replaces all of them) and
    the moment it computed them: (run, finished_at). (None, None) for a period never computed. The
    dashboard and every report print this moment as «Рассчитано»."""
    snap = (
        IndicatorSnapshot.objects.filter(period=period)
        .order_by("-computed_at")
        .values("run_id", "computed_at")
        .first()
    )
    if snap is None:
        return None, None
    run = ComputationRun.objects.filter(pk=snap["run_id"]).first() if snap["run_id"] else None
    if run is not None and run.finished_at is not None:
        return run, run.finished_at
    return run, snap["computed_at"]


def overview(user, period, cumulative: bool = True) -> list[dict]:
    """Plan against achieved for every indicator at the user's widest scope."""
    level = dashboard_level(user, period)
    defs = list(IndicatorDefinition.objects.all())
    plans = _plans(period)
    snaps = (
        list(
            scoped_snapshots(user, period, cumulative=cumulative)
            .filter(scope_level=level)
            .select_related("indicator")
        )
        if level
        else []
    )
    by_code: dict[str, list[IndicatorSnapshot]] = {}
    for s in snaps:
        by_code.setdefault(s.indicator.code, []).append(s)
    scope_label = {
        ScopeLevel.REGION: "регион",
        ScopeLevel.MUNICIPALITY: "ваш муниципалитет",
        ScopeLevel.ORGANIZATION: "ваша организация",
    }.get(level, "")
    out = []
    for d in defs:
        rows = [_row(s) for s in by_code.get(d.code, [])]
        if (
            level == ScopeLevel.ORGANIZATION
            and d.code in SPECS
            and ScopeLevel.ORGANIZATION not in SPECS[d.code].levels
        ):
            rows = []
        if len(rows) == 1:
            figure = {k: rows[0][k] for k in ("numerator", "denominator", "value", "note", "inputs")}
        elif rows:
            figure = total_of(rows, d.unit) | {"inputs": {}}
        else:
            figure = {
                "numerator": None,
                "denominator": None,
                "value": None,
                "inputs": {},
                "note": "Нет рассчитанных значений для вашей области доступа.",
            }
        plan = plans.get(d.code)
        value = figure["value"]
        out.append(
            _indicator_dict(d)
            | figure
            | {
                "plan": plan,
                "achieved": None if plan is None or value is None else Decimal(value) >= plan,
                "scope_label": scope_label,
            }
        )
    return out


def distributions(user, period, municipality=None, cumulative: bool = True) -> dict:
    """Distributions for the user's scope (region, or their municipalities; one municipality if
    given and visible). Person-level rows never leave this function: only counts."""
    level = dashboard_level(user, period)
    if level is None:
        return dist.labelled(dist.empty()) | {"source": "none"}
    allowed_munis = set(
        access.municipalities(user).filter(region_id=period.region_id).values_list("id", flat=True)
    )
    if level == ScopeLevel.ORGANIZATION:
        allowed_munis = set()
    if municipality is not None:
        mid = getattr(municipality, "pk", municipality)
        wanted = {mid} if (mid in allowed_munis or level == ScopeLevel.REGION) else set()
    else:
        wanted = None if level == ScopeLevel.REGION else allowed_munis
    stored = (
        IndicatorSnapshot.objects.filter(
            period=period,
            cumulative=cumulative,
            indicator__code=IndicatorCode.F2,
            scope_level=ScopeLevel.REGION,
        )
        .values_list("inputs", flat=True)
        .first()
    )
    if stored and "distributions" in stored:
        source = "snapshot"
        per_muni = {int(k): v for k, v in stored["distributions"]["by_municipality"].items()}
    else:
        source = "live"
        per_muni = dist.compute_by_municipality(period.region_id, window_for(period, cumulative))
    if wanted is None:
        merged = dist.merge(per_muni.values())
    else:
        merged = dist.merge(v for k, v in per_muni.items() if k in wanted)
    out = dist.labelled(merged) | {"source": source}
    if disclosure.aggregate_only(user) and suppress_deficits(out["deficits"], per_muni, wanted):
        out["deficits_note"] = (
            f"«—»: уровни не приводятся для групп менее {disclosure.threshold()} человек и для групп, "
            "по которым их можно было бы вычислить по разности."
        )
    if disclosure.aggregate_only(user):
        # Education, category, experience: small cells (and their complement) as one summed row.
        dist.suppress_people(out, per_muni, wanted)
    return out


def suppress_deficits(rows: list[dict], per_muni: dict, wanted: set | None) -> bool:
    """The ministry's view of the levels by competence (cnppm.disclosure): a competence's levels are
    hidden where fewer than the threshold took it, and in a municipality's view also where the
    municipality is hidden with its complement among the region's municipalities (the region's
    levels minus the other municipalities' would give it back). The head count stays."""
    limit = disclosure.threshold()
    hidden_any = False
    for row in rows:
        hide = row["total"] < limit
        if wanted is not None and not hide:
            sizes = {
                m: sum(d.get("deficits", {}).get(row["block"], {}).values()) for m, d in per_muni.items()
            }
            hide = bool(disclosure.hidden_keys(sizes, limit=limit) & set(wanted))
        if hide:
            row.update(high=None, medium=None, minimal=None, suppressed=True)
            hidden_any = True
    return hidden_any


def _shown(num, den, value, places_: int):
    """A share rounded once from its counts (a stored value only when the counts are missing)."""
    share = percent(num, den, places_)
    return share if share is not None else quantize(value, places_)


def comparison(user, previous, period, cumulative: bool = True) -> dict:
    """Two periods side by side at the user's scope: each indicator's value and its growth, and the
    municipality table of IOM_SHARE (teachers with an ИОМ) with growth. The figures are the
    comparison report's (monitoring.numbers.DECIMALS["comparison"]): shares with its decimals, their
    growth in percentage points from the counts with its growth decimals."""
    old = {r["code"]: r for r in overview(user, previous, cumulative)}
    new = overview(user, period, cumulative)
    indicators = []
    for r in new:
        o = old.get(r["code"], {})
        if r["unit"] == IndicatorUnit.PERCENT:
            n, g = places("comparison", r["code"]), places("comparison", r["code"], growth=True)
            previous_value = _shown(o.get("numerator"), o.get("denominator"), o.get("value"), n)
            current_value = _shown(r["numerator"], r["denominator"], r["value"], n)
            change = percent_growth(
                r["numerator"], r["denominator"], o.get("numerator"), o.get("denominator"), g
            )
            if change is None:
                change = growth(current_value, previous_value, g)
        else:
            n = g = 0 if r["unit"] == IndicatorUnit.COUNT else 1
            previous_value, current_value = o.get("value"), r["value"]
            change = growth(current_value, previous_value, g)
        indicators.append(
            {
                "code": r["code"],
                "name": r["name"],
                "unit": r["unit"],
                "unit_label": r["unit_label"],
                "previous": previous_value,
                "current": current_value,
                "growth": change,
                "places": n,
                "growth_places": g,
                "previous_numerator": o.get("numerator"),
                "current_numerator": r["numerator"],
            }
        )
    t_old = snapshot_table(previous, IndicatorCode.IOM_SHARE, ScopeLevel.MUNICIPALITY, user, cumulative)
    t_new = snapshot_table(period, IndicatorCode.IOM_SHARE, ScopeLevel.MUNICIPALITY, user, cumulative)
    share_places = places("comparison", IndicatorCode.IOM_SHARE)
    old_rows = {r["municipality_id"]: r for r in t_old["rows"]}
    munis = []
    for r in t_new["rows"]:
        o = old_rows.get(r["municipality_id"], {})
        munis.append(
            {
                "municipality": r["municipality"],
                "previous_numerator": o.get("numerator"),
                "current_numerator": r["numerator"],
                "growth": growth(r["numerator"], o.get("numerator"), 0),
                "previous_value": _shown(
                    o.get("numerator"), o.get("denominator"), o.get("value"), share_places
                ),
                "current_value": _shown(r["numerator"], r["denominator"], r["value"], share_places),
            }
        )

    def total(t):
        tot = t["total"]
        return {
            **tot,
            "value": _shown(tot.get("numerator"), tot.get("denominator"), tot.get("value"), share_places),
        }

    return {
        "indicators": indicators,
        "municipalities": munis,
        "total_previous": total(t_old),
        "total_current": total(t_new),
        "total_growth": growth(t_new["total"]["numerator"], t_old["total"]["numerator"], 0),
        "share_places": share_places,
    }


def support_pool(user, period, cumulative: bool = True) -> dict | None:
    if not sees_region(user, period):
        return None
    s = (
        IndicatorSnapshot.objects.filter(
            period=period,
            cumulative=cumulative,
            indicator__code=IndicatorCode.SUPPORT_POOL,
            scope_level=ScopeLevel.REGION,
        )
        .values("value", "inputs")
        .first()
    )
    return (s["inputs"] | {"pool": s["value"]}) if s else None


def indicator_definitions() -> list[IndicatorDefinition]:
    """Definitions with their plans prefetched."""
    return list(IndicatorDefinition.objects.prefetch_related("plans"))


def last_runs(period, limit: int = 5) -> list[ComputationRun]:
    return list(ComputationRun.objects.filter(period=period).select_related("requested_by")[:limit])
