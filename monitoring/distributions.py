"""Distributions the reports show (seed 001), computed for a period by grouped queries with the
municipality in the grouping, so one computation gives the region and every municipality:
education, qualification category, experience band of participants with an ИОМ; deficit level per
competence; competence combinations that routes address; activity kinds, levels and formats; curator
verdicts; routes by stage (as of the period end).

Stored shape (per municipality id, as a string key in JSON): see `EMPTY`. `merge()` adds several
municipalities up (a region or a methodist's municipalities)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.db import connection
from django.db.models import Count, F

from cnppm import disclosure
from cnppm.access import consenting_q
from cnppm.choices import Education, ExperienceBand, QualificationCategory
from diagnostics.choices import DeficitLevel
from diagnostics.models import BlockResult, CompetenceBlock
from routes.choices import ActivityFormat, ActivityKind, ActivityLevel, RouteStatus, Verdict
from routes.models import Route, RouteActivity, RouteReview

from .indicators import Window, materialised, materialised_table, planner_settings, status_at

FLAT = (
    "education",
    "category",
    "experience",
    "combinations",
    "activity_kinds",
    "activity_levels",
    "activity_formats",
    "verdicts",
    "stages",
)

LABELS = {
    "education": dict(Education.choices),
    "category": dict(QualificationCategory.choices),
    "experience": dict(ExperienceBand.choices),
    "activity_kinds": dict(ActivityKind.choices),
    "activity_levels": dict(ActivityLevel.choices),
    "activity_formats": dict(ActivityFormat.choices),
    "verdicts": dict(Verdict.choices),
    "stages": dict(RouteStatus.choices),
    "levels": dict(DeficitLevel.choices),
}
# The order categories are printed in (all of them, zeros included), where the set is known.
ORDER = {
    "education": [c for c, _ in Education.choices],
    "category": [c for c, _ in QualificationCategory.choices],
    "experience": [c for c, _ in ExperienceBand.choices],
    "activity_kinds": [c for c, _ in ActivityKind.choices],
    "activity_levels": [c for c, _ in ActivityLevel.choices],
    "activity_formats": [c for c, _ in ActivityFormat.choices],
    "verdicts": [c for c, _ in Verdict.choices],
    "stages": [c for c, _ in RouteStatus.choices if c != RouteStatus.CANCELLED],
}
TITLES = {
    "education": "Образование педагогов с ИОМ",
    "category": "Квалификационная категория педагогов с ИОМ",
    "experience": "Педагогический стаж педагогов с ИОМ",
    "deficits": "Уровни дефицитов по компетенциям (входная диагностика)",
    "combinations": "Сочетания компетенций, на которые направлены ИОМ",
    "activity_kinds": "Виды выбранных мероприятий",
    "activity_levels": "Уровни выбранных мероприятий",
    "activity_formats": "Форматы выбранных мероприятий",
    "verdicts": "Заключения кураторов по итогам экспертизы ИОМ",
    "stages": "ИОМ по этапам",
}
NOT_GIVEN = "not_given"


def empty() -> dict:
    return {name: {} for name in FLAT} | {"deficits": {}}


def compute_by_municipality(region_id: int, window: Window) -> dict[int, dict]:
    """{municipality_id: distributions} for the region and window (about a dozen grouped queries)."""
    with planner_settings(), materialised():  # see indicators.planner_settings
        return _compute_by_municipality(region_id, window)


def _rows(sql: str, names: tuple[str, ...]) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(sql)
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _compute_by_municipality(region_id: int, window: Window) -> dict[int, dict]:
    out: dict[int, dict] = defaultdict(empty)
    muni = "organization__municipality_id"

    def add(name, rows, key_field, muni_field=muni):
        for r in rows:
            key = r[key_field] or NOT_GIVEN
            bucket = out[r[muni_field]][name]
            bucket[key] = bucket.get(key, 0) + r["n"]

    # The region's routes with an ИОМ and its diagnosed attempts of the window, worked out once
    # (indicators.materialised: id, person "p", organization "org", municipality "muni", and for
    # routes the teacher's education, category and experience): the distributions read them with
    # the rows they need, not joined back through the whole database.
    iom = materialised_table("iom", region_id, window)
    diagnosed = materialised_table("diagnosed", region_id, window)
    qn = connection.ops.quote_name
    activity = RouteActivity._meta.db_table
    result, block = BlockResult._meta.db_table, CompetenceBlock._meta.db_table
    band = (
        f"CASE WHEN t_experience <= 5 THEN '{ExperienceBand.UNDER_5.value}' "
        f"WHEN t_experience <= 20 THEN '{ExperienceBand.FROM_6_TO_20.value}' "
        f"WHEN t_experience IS NOT NULL THEN '{ExperienceBand.OVER_20.value}' ELSE '{NOT_GIVEN}' END"
    )
    for name, key in (("education", "t_education"), ("category", "t_category"), ("experience", band)):
        rows = _rows(
            f"SELECT muni, {key}, COUNT(DISTINCT p) FROM {iom} GROUP BY muni, {key}", (muni, "key", "n")
        )
        add(name, rows, "key")

    # Deficit levels per competence block, from the final entry diagnostics of the window.
    for r in _rows(
        f"SELECT t.muni, b.name, r.level, COUNT(r.id) FROM {diagnosed} t "
        f"JOIN {qn(result)} r ON r.attempt_id = t.id JOIN {qn(block)} b ON b.id = r.block_id "
        f"WHERE b.is_scored GROUP BY t.muni, b.name, r.level",
        ("muni", "block", "level", "n"),
    ):
        per_block = out[r["muni"]]["deficits"].setdefault(r["block"], {})
        per_block[r["level"]] = per_block.get(r["level"], 0) + r["n"]

    # Activities of routes with an ИОМ: kinds, levels, formats, from one grouping of the three.
    combos = _rows(
        f"SELECT t.muni, a.kind, a.level, a.{qn('format')}, COUNT(a.id) FROM {iom} t "
        f"JOIN {qn(activity)} a ON a.route_id = t.id GROUP BY t.muni, a.kind, a.level, a.{qn('format')}",
        (muni, "kind", "level", "format", "n"),
    )
    for name, fld in (
        ("activity_kinds", "kind"),
        ("activity_levels", "level"),
        ("activity_formats", "format"),
    ):
        add(name, combos, fld)

    # Competence combinations: the set of competences each route's activities address.
    add("combinations", combinations(iom), "combination", "municipality_id")

    # Curator verdicts given inside the window.
    amuni = "route__organization__municipality_id"
    reviews = RouteReview.objects.filter(
        window.dt_q("created_at"),
        consenting_q("route__teacher"),
        route__organization__municipality__region_id=region_id,
    )
    add("verdicts", reviews.order_by().values(amuni, "verdict").annotate(n=Count("id")), "verdict", amuni)

    # Routes by stage: every route (drafts too) created inside the window, by its status at the
    # window end (status_at), leaving out those cancelled by then: a past period shows its stages
    # as they were, not as the routes stand today. No route changed since: the current status is it.
    # The cancelled ones (and any without a known status then) are dropped here, not in SQL, so the
    # status is worked out once per route.
    moment = window.status_moment(region_id)
    stages = (
        Route.objects.filter(
            window.dt_q("created_at"),
            consenting_q("teacher"),
            organization__municipality__region_id=region_id,
        )
        .annotate(stage=status_at(moment) if moment else F("status"))
        .order_by()
        .values(muni, "stage")
        .annotate(n=Count("id"))
    )
    stages = [r for r in stages if r["stage"] not in (None, RouteStatus.CANCELLED)]
    add("stages", stages, "stage")
    return dict(out)


COMBINATION_SEPARATOR = " + "


def combinations(iom_table: str) -> list[dict]:
    """Routes counted by the combination of competences their activities address, per municipality:
    [{"municipality_id", "combination", "n"}], a combination being the competence names sorted by
    code point and joined by " + ". `iom_table` is the materialised routes with an ИОМ
    (indicators.materialised_table). PostgreSQL groups in the database (string_agg in the "C"
    collation sorts as Python does); elsewhere the distinct (route, competence) pairs are folded
    here, with the same result."""
    qn = connection.ops.quote_name
    activity, block = RouteActivity._meta.db_table, CompetenceBlock._meta.db_table
    link = RouteActivity.competences.through._meta.db_table
    pairs = (
        f"SELECT DISTINCT a.route_id AS route_id, t.muni AS m, b.name AS comp FROM {iom_table} t "
        f"JOIN {qn(activity)} a ON a.route_id = t.id JOIN {qn(link)} l ON l.routeactivity_id = a.id "
        f"JOIN {qn(block)} b ON b.id = l.competenceblock_id"
    )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"SELECT m, combination, COUNT(*) FROM (SELECT p.m AS m, "
                f'string_agg(p.comp, %s ORDER BY p.comp COLLATE "C") AS combination FROM ({pairs}) AS p '
                f"GROUP BY p.route_id, p.m) AS c GROUP BY m, combination",
                [COMBINATION_SEPARATOR],
            )
            return [{"municipality_id": m, "combination": c, "n": n} for m, c, n in cur.fetchall()]
        cur.execute(pairs)
        sets: dict[int, tuple[int, set[str]]] = {}
        for route_id, mid, comp in cur.fetchall():
            sets.setdefault(route_id, (mid, set()))[1].add(comp)
    counted: dict[tuple[int, str], int] = defaultdict(int)
    for mid, comps in sets.values():
        counted[(mid, COMBINATION_SEPARATOR.join(sorted(comps)))] += 1
    return [{"municipality_id": m, "combination": c, "n": n} for (m, c), n in counted.items()]


def merge(parts) -> dict:
    """Add several municipalities' distributions up."""
    total = empty()
    for part in parts:
        for name in FLAT:
            for key, n in part.get(name, {}).items():
                total[name][key] = total[name].get(key, 0) + n
        for block, levels in part.get("deficits", {}).items():
            mine = total["deficits"].setdefault(block, {})
            for level, n in levels.items():
                mine[level] = mine.get(level, 0) + n
    return total


def labelled(dist: dict) -> dict:
    """The printable form: each flat distribution as [(label, count)] in a fixed order (zeros
    included where the categories are known; combinations by count), deficits as
    [{"block", "high", "medium", "minimal", "total"}]."""
    out = {}
    for name in FLAT:
        counts = dist.get(name, {})
        labels = LABELS.get(name, {})
        if name in ORDER:
            keys = list(ORDER[name]) + sorted(k for k in counts if k not in ORDER[name])
        else:
            keys = sorted(counts, key=lambda k: (-counts[k], k))
        out[name] = [(labels.get(k, "не указано" if k == NOT_GIVEN else k), counts.get(k, 0)) for k in keys]
        if name not in ("stages", "verdicts"):
            out[name] = [(label, n) for label, n in out[name] if n or name in ORDER]
    out["deficits"] = [
        {
            "block": block,
            "high": levels.get(DeficitLevel.HIGH, 0),
            "medium": levels.get(DeficitLevel.MEDIUM, 0),
            "minimal": levels.get(DeficitLevel.MINIMAL, 0),
            "total": sum(levels.values()),
        }
        for block, levels in sorted(dist.get("deficits", {}).items())
    ]
    return out


# --- small groups for aggregate-only viewers (cnppm.disclosure) ------------------------------

# The distributions of people (teachers with an ИОМ) whose small cells are suppressed for the ministry.
PEOPLE = ("education", "category", "experience")


def _line(sizes: Mapping, hidden: set, limit: int) -> set:
    """The hidden cells of one line of a table whose total is published: the small ones, then the
    next smallest until they hold the limit together (cnppm.disclosure.hidden_keys), and never a
    single hidden cell (it would be the total minus the rest, whatever its size)."""
    keys = disclosure.hidden_keys(sizes, hidden=hidden, limit=limit)
    visible = sorted((n, str(k), k) for k, n in sizes.items() if k not in keys and n > 0)
    if len([k for k in keys if sizes.get(k)]) == 1 and visible:
        keys = keys | {visible[0][2]}
    return keys


def hidden_grid(per_muni: Mapping[int, dict], name: str, limit: int | None = None) -> tuple[set, set]:
    """Which cells of one distribution to hide, in every municipality and in the region at once:
    (hidden (municipality id, key) cells, hidden region keys). The region's cells and each
    municipality's cells partition their totals, and each region cell is the sum of the municipalities'
    cells of its key; complementary suppression holds along every line (no line with a single hidden
    cell, the hidden ones of a line holding the limit together), so no hidden cell comes back by
    subtraction from a municipality's total, from the region's cell, or from the region's total."""
    limit = disclosure.threshold() if limit is None else limit
    grid = {mid: {k: n for k, n in (d.get(name) or {}).items() if n} for mid, d in per_muni.items()}
    region: dict = {}
    for row in grid.values():
        for k, n in row.items():
            region[k] = region.get(k, 0) + n
    cells: set = set()
    region_hidden: set = set()
    changed = True
    while changed:  # hiding along one line can call for more along the crossing ones
        changed = False
        region_keys = _line(region, region_hidden, limit)
        if region_keys - region_hidden:
            region_hidden |= region_keys
            changed = True
        for mid, row in grid.items():
            keys = _line(row, {k for m, k in cells if m == mid}, limit)
            new = {(mid, k) for k in keys} - cells
            if new:
                cells |= new
                changed = True
        for key in region:
            column = {mid: row[key] for mid, row in grid.items() if row.get(key)}
            in_column = {m for m, k in cells if k == key}
            if key in region_hidden and column and not in_column:
                # A hidden region cell is the sum of its column: a municipality's cell goes too.
                in_column = {min(column, key=lambda m: (column[m], m))}
            mids = _line(column, in_column, limit)
            new = {(m, key) for m in mids} - cells
            if new:
                cells |= new
                changed = True
    return cells, region_hidden


def hidden_for(per_muni: Mapping[int, dict], wanted: set | None, name: str) -> set:
    """The keys of one distribution to hide in a view of the region (`wanted` None) or of some
    municipalities (their cells added up)."""
    cells, region_hidden = hidden_grid(per_muni, name)
    if wanted is None:
        return region_hidden
    merged: dict = {}
    for mid in wanted:
        for k, n in ((per_muni.get(mid) or {}).get(name) or {}).items():
            merged[k] = merged.get(k, 0) + n
    pre = {k for m, k in cells if m in wanted}
    return _line(merged, pre, disclosure.threshold()) if len(wanted) > 1 else pre


def hidden_label() -> str:
    return f"скрыто: группы менее {disclosure.threshold()} чел. (вместе)"


def suppress_people(out: dict, per_muni: Mapping[int, dict], wanted: set | None) -> bool:
    """Replace, in the printable distributions `out` (see `labelled`), the hidden cells of the people
    distributions by one row holding their sum (at least the threshold by construction), so tables,
    charts and shares stay whole; returns whether anything was hidden."""
    hidden_any = False
    for name in PEOPLE:
        keys = hidden_for(per_muni, wanted, name)
        if not keys:
            continue
        labels = LABELS.get(name, {})
        hidden_labels = {labels.get(k, "не указано" if k == NOT_GIVEN else k) for k in keys}
        kept = [(label, n) for label, n in out[name] if label not in hidden_labels]
        hidden_sum = sum(n for label, n in out[name] if label in hidden_labels)
        out[name] = kept + [(hidden_label(), hidden_sum)]
        hidden_any = True
    return hidden_any
