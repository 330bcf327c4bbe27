"""Dashboards: the overview (plan against achieved), the sortable municipality table with the highest
and lowest coverage, distributions as SVG charts, a municipality's schools, and period comparison.
Everything is read through `monitoring.selectors`, scoped to the user."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from cnppm import access

from .. import charts, selectors
from ..choices import IndicatorCode, ScopeLevel
from ..distributions import TITLES
from ..extremes import extremes, sentence
from ..indicators import HAS_IOM_RULE
from ..navigation import DASHBOARD_ROLES
from ..numbers import fmt_percent, percent, places

SORTS = {
    "name": "municipality",
    "teachers": "teachers",
    "diagnosed": "diagnosed",
    "iom": "iom",
    "f2": "f2",
    "share": "share",
}
CHART_KINDS = {
    "education": "pie",
    "category": "pie",
    "experience": "pie",
    "verdicts": "pie",
    "activity_formats": "pie",
}


REGION_KEY = "monitoring_region"


def _region_choice(request, user) -> tuple[list, object]:
    """For a viewer of several regions (an operator or a ministry of several, a superuser): the regions
    to choose among and the one shown (?region=ID, remembered in the session; else the first by name).
    A period code names a period of each region, so the dashboards read one region at a time (issue
    10.3). ([], None) for a viewer of one region."""
    from cnppm.models import Region

    ids = selectors.visible_region_ids(user)
    if len(ids) < 2:
        return [], None
    regions = list(Region.objects.filter(pk__in=ids).order_by("name"))
    asked = request.GET.get("region")
    wanted = asked or request.session.get(REGION_KEY)
    chosen = next((r for r in regions if str(r.pk) == str(wanted)), None)
    if asked and chosen is None:
        raise Http404
    chosen = chosen or regions[0]
    if request.session.get(REGION_KEY) != chosen.pk:
        request.session[REGION_KEY] = chosen.pk
    return regions, chosen


def _period_from(request, user, region=None):
    """The period asked for (?period=CODE), else the latest computed one the user may see (in the
    chosen region, for a viewer of several)."""
    qs = selectors.periods(user)
    if region is not None:
        qs = qs.filter(region_id=getattr(region, "pk", region))
    code = (request.GET.get("period") or "").strip().upper()
    if code:
        period = qs.filter(code=code).first()
        if period is not None:
            return period
        # Switching regions with a code the new region has not: its latest period, not a 404.
        if region is None or not selectors.periods(user).filter(code=code).exists():
            raise Http404
    return qs.filter(snapshots__isnull=False).distinct().first()


def _cumulative(request) -> bool:
    return request.GET.get("mode", "cum") != "period"


def municipality_table(user, period, cumulative: bool, sort: str = "name", desc: bool = False) -> dict:
    """Rows per municipality: official teachers, diagnosed (C₂), with an ИОМ (B₂), F₂ and the share
    of all teachers; a total computed from the rows; the highest and lowest coverage."""
    f2 = selectors.snapshot_table(period, IndicatorCode.F2, ScopeLevel.MUNICIPALITY, user, cumulative)
    share = selectors.snapshot_table(
        period, IndicatorCode.IOM_SHARE, ScopeLevel.MUNICIPALITY, user, cumulative
    )
    by_muni = {r["municipality_id"]: r for r in share["rows"]}
    # Shares rounded once from the counts, with the decimals of the report each column comes from
    # (monitoring.numbers): the share is the analytic report's table 1, F₂ the municipal letter's.
    f2_places, share_places = (
        places("municipal_letter", IndicatorCode.F2),
        places("analytic", IndicatorCode.IOM_SHARE),
    )
    rows = []
    for r in f2["rows"]:
        s = by_muni.get(r["municipality_id"], {})
        rows.append(
            {
                "municipality_id": r["municipality_id"],
                "municipality": r["municipality"],
                "teachers": s.get("denominator"),
                "diagnosed": r["denominator"],
                "iom": r["numerator"],
                "f2": percent(r["numerator"], r["denominator"], f2_places),
                "share": percent(s.get("numerator"), s.get("denominator"), share_places),
            }
        )
    key = SORTS.get(sort, "municipality")
    present = [r for r in rows if r[key] is not None]
    absent = [r for r in rows if r[key] is None]
    rows = sorted(present, key=lambda r: r[key], reverse=desc) + absent
    teachers = [r["teachers"] for r in rows]
    total = {
        "teachers": sum(t for t in teachers if t is not None)
        if any(t is not None for t in teachers)
        else None,
        "teachers_missing": sum(1 for t in teachers if t is None),
        "diagnosed": sum(r["diagnosed"] or 0 for r in rows),
        "iom": sum(r["iom"] or 0 for r in rows),
    }
    total["f2"] = percent(total["iom"], total["diagnosed"], f2_places)
    total["share"] = (
        percent(total["iom"], total["teachers"], share_places) if not total["teachers_missing"] else None
    )
    valued = [r for r in rows if r["share"] is not None]
    return {
        "rows": rows,
        "total": total,
        # A comparison only between two or more municipalities whose shares differ (ties listed).
        "comparison": sentence(
            extremes(valued, lambda r: r["share"], lambda r: r["municipality"]),
            what="Наибольший охват",
            lowest_word="наименьший",
            group="муниципалитет",
            equal="Охват одинаков во всех муниципалитетах",
            fmt=lambda v: fmt_percent(v, share_places),
        ),
        "sort": sort if sort in SORTS else "name",
        "desc": desc,
        "f2_places": f2_places,
        "share_places": share_places,
    }


def chart_blocks(d: dict) -> list[dict]:
    blocks = []
    for name, title in TITLES.items():
        if name == "deficits":
            continue
        items = d[name]
        blocks.append(
            {
                "name": name,
                "title": title,
                "html": charts.chart_with_table(items, title=title, kind=CHART_KINDS.get(name, "bar")),
            }
        )
    return blocks


def deficit_chart(d: dict) -> str:
    """Per competence, the share of participants with a high deficit, as bars, plus the full table."""
    items = [
        (row["block"], percent(row["high"], row["total"]) or 0)
        for row in d["deficits"]
        if not row.get("suppressed")  # a small group's levels (cnppm.disclosure)
    ]
    return charts.bar_chart(
        items, title="Доля высокого дефицита по компетенциям, %", unit="%", value_places=1
    )


@access.role_required(*DASHBOARD_ROLES)
def dashboard(request):
    user = request.user
    regions, region = _region_choice(request, user)
    period = _period_from(request, user, region)
    cumulative = _cumulative(request)
    periods = selectors.periods(user)
    context = {
        "regions": regions,
        "region": region,
        "period": period,
        "periods": (periods.filter(region=region) if region else periods)[:40],
        "cumulative": cumulative,
        "has_iom_rule": HAS_IOM_RULE,
        "is_operator": access.has_role(user, "operator"),
    }
    if period is not None:
        level = selectors.dashboard_level(user, period)
        sort = request.GET.get("sort", "name")
        desc = request.GET.get("dir") == "desc"
        d = selectors.distributions(user, period, cumulative=cumulative)
        context.update(
            level=level,
            overview=selectors.overview(user, period, cumulative),
            table=municipality_table(user, period, cumulative, sort, desc)
            if level != ScopeLevel.ORGANIZATION
            else None,
            schools=selectors.snapshot_table(
                period, IndicatorCode.F2, ScopeLevel.ORGANIZATION, user, cumulative
            )
            if level == ScopeLevel.ORGANIZATION
            else None,
            dist=d,
            chart_blocks=chart_blocks(d),
            deficit_chart=deficit_chart(d),
            pool=selectors.support_pool(user, period, cumulative),
            computed=selectors.snapshot_table(period, IndicatorCode.F2, ScopeLevel.REGION, user, cumulative)[
                "computed"
            ],
            computed_at=selectors.current_computation(period)[1],
        )
    return render(request, "monitoring/dashboard.html", context)


@access.role_required(*DASHBOARD_ROLES)
def municipality_detail(request, pk: int):
    """A municipality's schools (F₂ per school) and its distributions; 404 outside the user's scope."""
    user = request.user
    municipality = access.municipalities(user).filter(pk=pk).first()
    if municipality is None:
        raise Http404
    period = _period_from(request, user, municipality.region_id)
    cumulative = _cumulative(request)
    context = {
        "municipality": municipality,
        "period": period,
        "cumulative": cumulative,
        "has_iom_rule": HAS_IOM_RULE,
    }
    if period is not None:
        schools = selectors.snapshot_table(
            period, IndicatorCode.F2, ScopeLevel.ORGANIZATION, user, cumulative, municipality=municipality
        )
        muni_f2 = selectors.snapshot_table(
            period, IndicatorCode.F2, ScopeLevel.MUNICIPALITY, user, cumulative, municipality=municipality
        )
        d = selectors.distributions(user, period, municipality=municipality, cumulative=cumulative)
        context.update(
            schools=schools,
            muni_f2=muni_f2,
            chart_blocks=chart_blocks(d),
            dist=d,
            deficit_chart=deficit_chart(d),
        )
    return render(request, "monitoring/municipality.html", context)


@access.role_required(*DASHBOARD_ROLES)
def compare(request):
    """Two periods side by side with growth (seed 000: 750 → 1552 cumulative)."""
    user = request.user
    regions, region = _region_choice(request, user)
    visible = selectors.periods(user)
    if region is not None:
        visible = visible.filter(region=region)
    period = visible.filter(code=(request.GET.get("period") or "").upper()).first()
    previous = visible.filter(code=(request.GET.get("previous") or "").upper()).first()
    if (request.GET.get("period") and period is None) or (request.GET.get("previous") and previous is None):
        raise Http404
    cumulative = _cumulative(request)
    context = {
        "periods": visible[:40],
        "period": period,
        "previous": previous,
        "cumulative": cumulative,
        "regions": regions,
        "region": region,
    }
    if period and previous:
        context["cmp"] = selectors.comparison(user, previous, period, cumulative)
    return render(request, "monitoring/compare.html", context)
