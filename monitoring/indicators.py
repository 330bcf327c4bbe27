"""How each indicator is computed (DOMAIN.md "Monitoring"), for one period and every scope at once.

Each computation is a handful of grouped queries over the whole region (one per scope level), never
a loop per municipality or organization. The result is a list of `Row`s that the service stores as
`IndicatorSnapshot`s with their inputs.

Counting rules, stated once:
- "Has an ИОМ" is `HAS_IOM_RULE` / `has_iom_routes()`: a route at least submitted (not a draft, not
  cancelled) and built on diagnostics (it has an entry attempt). For a period the status is the one
  the route had at the period end (`status_at`, from its RouteEvent rows), not today's: a report for
  2023-Q1 rendered in 2025 shows what was true in 2023-Q1.
- A route counts where it was created (`Route.organization`), an attempt where it was taken
  (`Attempt.organization`), not at the person's current school.
- Cumulative: everything up to the period end. For the period alone: what happened inside
  [starts_on, ends_on]; a route by `submitted_at`, an attempt by `finalized_at` (or `finished_at`).
  Indicators planned per year (regional events, trained teachers) count cumulatively from the start
  of the period's year.
- Nobody who withdrew consent is counted (access.consenting_q): counting is processing too.
- Official headcounts and organization counts come from `cnppm.ReferenceStatistic` for the year of
  the period end (or the latest earlier year, named in the inputs); without them the value is
  empty and the note says the denominator is missing.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import GreaterThanOrEqual, In, LessThan
from django.utils import timezone

from cnppm.access import consenting_q
from cnppm.choices import OrganizationKind, Role
from cnppm.models import (
    Municipality,
    Organization,
    OrganizationYearFact,
    Person,
    ReferenceStatistic,
    RoleAssignment,
    StaffTraining,
    SupportAssignment,
)
from diagnostics.choices import AttemptStatus, InstrumentKind
from diagnostics.models import Attempt
from routes.choices import ActivityKind, ActivityOutcome, RouteStatus
from routes.models import Route, RouteActivity, RouteEvent

from .choices import IndicatorCode, ScopeLevel
from .numbers import percent, ratio

# --- "Has an ИОМ": the one rule every report prints ---------------------------------------------

HAS_IOM_STATUSES = (
    RouteStatus.SUBMITTED,
    RouteStatus.RETURNED,
    RouteStatus.APPROVED,
    RouteStatus.IN_PROGRESS,
    RouteStatus.COMPLETING,
    RouteStatus.COMPLETED,
)

HAS_IOM_RULE = (
    "Педагог считается имеющим ИОМ, если его маршрут хотя бы подан на рассмотрение куратору "
    "(не черновик и не отменён) и построен на результатах диагностики (есть входная диагностика). "
    "Статус маршрута берётся на конец периода по истории его изменений: ИОМ, отменённый после "
    "периода, в периоде учитывается, отменённый в периоде — нет. "
    "ИОМ учитывается в организации, где он создан; диагностика — в организации, где её проходили."
)


# Organization kinds the "share of organizations" indicators are about.
EDUCATION_ORG_KINDS = (OrganizationKind.SCHOOL, OrganizationKind.ADDITIONAL, OrganizationKind.VOCATIONAL)


def support_norm() -> int:
    """1 tutor and 1 curator per this many teachers (seed 000); settings.SUPPORT_NORM, the same
    figure assignment balancing and caseload warnings use."""
    return int(settings.SUPPORT_NORM)


def status_at(end_dt: datetime, prefix: str = "") -> Case:
    """The route's status as of `end_dt` (exclusive), as an expression on a Route queryset (or through
    `prefix`, e.g. "route__"): the `to_status` of its latest RouteEvent before `end_dt`.

    Only a route with an event at or after `end_dt` (a past period, or a route changed since) reads
    its history; every other route has its current status. A route with no event before `end_dt`
    but some after it (created before its history was kept, changed since) had the status its first
    later change started from; a route with no events at all has its current status."""
    events = RouteEvent.objects.filter(route_id=OuterRef(f"{prefix}id"))
    before = events.filter(at__lt=end_dt).order_by("-at", "-id").values("to_status")[:1]
    after = events.filter(at__gte=end_dt)
    first_after = after.order_by("at", "id").values("from_status")[:1]
    return Case(
        When(Exists(after), then=Coalesce(Subquery(before), NullIf(Subquery(first_after), Value("")))),
        default=F(f"{prefix}status"),
        output_field=CharField(),
    )


# The statuses that are not an ИОМ (a draft, a cancelled route): `has_iom_q` filters on them.
NOT_IOM_STATUSES = tuple(s.value for s in RouteStatus if s not in HAS_IOM_STATUSES)


def has_iom_q(prefix: str = "", *, at: datetime | None = None) -> Q:
    """The Q of `HAS_IOM_RULE` on a Route queryset (or through `prefix`, e.g. "route__"): with `at`
    by the status as of that moment (`status_at`, for a period), without it by the current status
    (for what is true now: current dashboards, route lists).

    "Not a draft nor cancelled then" rather than "one of the six statuses then": PostgreSQL cannot
    estimate a filter on the CASE and takes each listed value as rare, so the six values made it
    expect 2 % of the routes and join the organizations by nested loops (several times slower);
    two excluded values make it expect nearly all, and it hashes as with the current status. A
    route without a status then (none known) is not counted either way."""
    q = Q(**{f"{prefix}entry_attempt__isnull": False})
    if at is None:
        return q & Q(**{f"{prefix}status__in": HAS_IOM_STATUSES})
    return q & ~Q(In(status_at(at, prefix), list(NOT_IOM_STATUSES)))


def has_iom_routes(qs: QuerySet | None = None, *, at: datetime | None = None) -> QuerySet:
    return (qs if qs is not None else Route.objects.all()).filter(has_iom_q(at=at))


# --- The period window --------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Window:
    """Dates a computation counts: `start` None means from the beginning (cumulative)."""

    start: date | None
    end: date
    _changed: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def start_dt(self) -> datetime | None:
        return _day_start(self.start) if self.start else None

    @property
    def end_dt(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return _day_start(self.end + timedelta(days=1))

    def dt_q(self, field_name: str) -> Q:
        q = Q(**{f"{field_name}__lt": self.end_dt})
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start_dt})
        return q

    def date_q(self, field_name: str) -> Q:
        q = Q(**{f"{field_name}__lte": self.end})
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start})
        return q

    def status_moment(self, region_id: int) -> datetime | None:
        """The moment a route's status is read at (`status_at`): the window end when some route of
        the region has changed status since, None when none has: then every route's current
        status is its status at the end, and the plain column keeps the queries as cheap as
        before (the current period, nearly always). One query per window and region."""
        if region_id not in self._changed:
            self._changed[region_id] = RouteEvent.objects.filter(
                at__gte=self.end_dt, route__organization__municipality__region_id=region_id
            ).exists()
        return self.end_dt if self._changed[region_id] else None

    def describe(self) -> str:
        if self.start:
            return f"с {self.start:%d.%m.%Y} по {self.end:%d.%m.%Y}"
        return f"нарастающим итогом по {self.end:%d.%m.%Y}"


def window_for(period, cumulative: bool) -> Window:
    return Window(None if cumulative else period.starts_on, period.ends_on)


def year_window_for(period, cumulative: bool) -> Window:
    """For indicators planned per year: cumulative means from 1 January of the period's year."""
    if cumulative:
        return Window(date(period.ends_on.year, 1, 1), period.ends_on)
    return Window(period.starts_on, period.ends_on)


# --- Base querysets (scoped to a region and a window) -------------------------------------------


def iom_q(region_id: int, window: Window, prefix: str = "") -> Q:
    """The Q of `iom_routes` on a Route queryset, or through `prefix` (e.g. "route__") on rows that
    hang off a route: filtering activities by joins lets the planner start from the region's
    organizations (an `IN (subquery)` of routes was planned as a nested loop over every activity).
    The status is the one at the window end, so a past period counts what was true then. Inside
    `materialised()` the routes are worked out once and the Q reads them."""
    table = materialised_table("iom", region_id, window)
    if table:
        return Q(**{f"{prefix}id__in": RawSQL(f"SELECT id FROM {table}", ())})
    return _iom_q(region_id, window, prefix)


def _iom_q(region_id: int, window: Window, prefix: str = "") -> Q:
    return (
        has_iom_q(prefix, at=window.status_moment(region_id))
        & window.dt_q(f"{prefix}submitted_at")
        & consenting_q(f"{prefix}teacher")
        & Q(**{f"{prefix}organization__municipality__region_id": region_id})
    )


def iom_routes(region_id: int, window: Window) -> QuerySet:
    """Routes with an ИОМ (the rule above, status as of the window end) submitted inside the window,
    in the region where created."""
    return Route.objects.filter(iom_q(region_id, window))


def diagnosed_attempts(region_id: int, window: Window) -> QuerySet:
    """Final entry diagnostics (own or external) finished inside the window, where they were taken."""
    return Attempt.objects.filter(diagnosed_q(region_id, window))


def diagnosed_q(region_id: int, window: Window, prefix: str = "") -> Q:
    """The Q of `diagnosed_attempts` on an Attempt queryset, or through `prefix` (e.g. "attempt__")
    on rows that hang off an attempt (block results). Inside `materialised()` the attempts are
    worked out once and the Q reads them."""
    table = materialised_table("diagnosed", region_id, window)
    if table:
        return Q(**{f"{prefix}id__in": RawSQL(f"SELECT id FROM {table}", ())})
    return _diagnosed_q(region_id, window, prefix)


def _diagnosed_q(region_id: int, window: Window, prefix: str = "") -> Q:
    done = Coalesce(f"{prefix}finalized_at", f"{prefix}finished_at")
    q = Q(
        consenting_q(f"{prefix}person"),
        **{
            f"{prefix}status": AttemptStatus.FINAL,
            f"{prefix}instrument__kind": InstrumentKind.ENTRY,
            f"{prefix}organization__municipality__region_id": region_id,
        },
    ) & Q(LessThan(done, window.end_dt))
    if window.start:
        q &= Q(GreaterThanOrEqual(done, window.start_dt))
    return q


# --- Sets worked out once per computation -------------------------------------------------------

_TABLES: ContextVar[dict | None] = ContextVar("monitoring_materialised", default=None)
_TABLE_NUMBERS = itertools.count(1)


@contextmanager
def materialised():
    """Inside, the routes with an ИОМ (`iom_q`) and the diagnosed attempts (`diagnosed_q`) of each
    (region, window) asked for are worked out once, into a temporary table (`materialised_table`:
    their ids and what the counts and distributions group by), and every count and distribution
    reads that table. A computation asks for the same set a dozen times per
    window; each asking re-ran the joins, the consent check and, for a past period, the routes'
    status at its end. The tables are dropped on the way out. Nested uses share the outer tables."""
    if _TABLES.get() is not None:
        yield
        return
    tables: dict = {}
    token = _TABLES.set(tables)
    try:
        yield
    finally:
        _TABLES.reset(token)
        for name in tables.values():
            try:
                with connection.cursor() as cur:
                    cur.execute(f"DROP TABLE IF EXISTS {name}")
            except DatabaseError:
                pass  # an aborted transaction: the error inside is the one to see; it goes with the session


def _set_rows(kind: str, region_id: int, window: Window) -> tuple[QuerySet, str]:
    """The rule's queryset of a set ("iom": routes with an ИОМ, "diagnosed": diagnosed attempts)
    and the field naming its person."""
    if kind == "iom":
        return Route.objects.filter(_iom_q(region_id, window)), "teacher"
    return Attempt.objects.filter(_diagnosed_q(region_id, window)), "person"


def materialised_table(kind: str, region_id: int, window: Window) -> str | None:
    """The temporary table of `kind` ("iom": routes with an ИОМ, "diagnosed": diagnosed attempts)
    for the region and window, made now if it is the first asking; None outside `materialised()`."""
    tables = _TABLES.get()
    if tables is None:
        return None
    key = (kind, region_id, window.start, window.end)
    if key not in tables:
        name = f"monitoring_{kind}_{next(_TABLE_NUMBERS)}"
        # The ids, and what the counts group and count by: the person, the organization where the
        # route was created or the attempt taken, and its municipality (`set_counts`).
        # Routes also carry their teacher's education, category and experience (the distributions
        # of teachers with an ИОМ): the teacher's row is joined here anyway, for the consent.
        queryset, person = _set_rows(kind, region_id, window)
        extra = {}
        if kind == "iom":
            extra = {
                "t_education": F("teacher__education"),
                "t_category": F("teacher__qualification_category"),
                "t_experience": F("teacher__experience_years"),
            }
        columns = queryset.order_by().values(
            "id",
            p=F(f"{person}_id"),
            org=F("organization_id"),
            muni=F("organization__municipality_id"),
            **extra,
        )
        sql, params = columns.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)
            if connection.vendor == "postgresql":
                cur.execute(f"ANALYZE {name}")  # autovacuum never analyses temporary tables
        tables[key] = name
    return tables[key]


# --- Grouped counts -----------------------------------------------------------------------------


@dataclass
class Counts:
    """A count at every scope: region, per municipality, per organization."""

    region: int = 0
    municipality: dict[int, int] = field(default_factory=dict)
    organization: dict[int, int] = field(default_factory=dict)
    org_municipality: dict[int, int] = field(default_factory=dict)  # organization id → municipality id


def grouped_counts(
    qs: QuerySet, *, org_path: str, counted: str, distinct: bool = True, org_level: bool = True
) -> Counts:
    """Three grouped queries: the whole region, by municipality, by organization (`org_path` leads
    from the row to its organization, `counted` is what is counted distinctly)."""
    agg = Count(counted, distinct=distinct)
    c = Counts()
    c.region = qs.aggregate(n=agg)["n"] or 0
    muni = f"{org_path}__municipality_id"
    for r in qs.order_by().values(muni).annotate(n=agg):
        c.municipality[r[muni]] = r["n"]
    if org_level:
        org = f"{org_path}_id"
        for r in qs.order_by().values(org, muni).annotate(n=agg):
            c.organization[r[org]] = r["n"]
            c.org_municipality[r[org]] = r[muni]
    return c


def set_counts(kind: str, region_id: int, window: Window, *, counted: str, org_level: bool = True) -> Counts:
    """The counts of a set ("iom": routes with an ИОМ, "diagnosed": diagnosed attempts) at every
    scope, counting distinct persons (`counted` "p") or organizations ("org"). Inside
    `materialised()` they are read from its table alone (no join back to the routes or attempts of
    the whole database); outside, `grouped_counts` of the rule's queryset."""
    table = materialised_table(kind, region_id, window)
    if table is None:
        queryset, person = _set_rows(kind, region_id, window)
        field = person if counted == "p" else "organization"
        return grouped_counts(queryset, org_path="organization", counted=field, org_level=org_level)
    assert counted in ("p", "org")
    c = Counts()
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(DISTINCT {counted}) FROM {table}")
        c.region = cur.fetchone()[0] or 0
        cur.execute(f"SELECT muni, COUNT(DISTINCT {counted}) FROM {table} GROUP BY muni")
        c.municipality = dict(cur.fetchall())
        if org_level:
            cur.execute(f"SELECT org, muni, COUNT(DISTINCT {counted}) FROM {table} GROUP BY org, muni")
            for org, muni, n in cur.fetchall():
                c.organization[org] = n
                c.org_municipality[org] = muni
    return c


# --- The computation context --------------------------------------------------------------------


@dataclass
class Row:
    """One value to store: the scope, numerator, denominator, value, inputs and a note."""

    scope_level: str
    municipality_id: int | None = None
    organization_id: int | None = None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    value: Decimal | int | None = None
    inputs: dict = field(default_factory=dict)
    note: str = ""


@dataclass
class RefStat:
    year: int
    teachers_total: int | None
    school_teachers_total: int | None
    organizations_total: int | None


class Context:
    """What every indicator of one computation shares: the period, the window, the municipalities
    and the reference statistics (one query each), and counts computed once and reused."""

    def __init__(self, period, cumulative: bool):
        self.period = period
        self.region_id = period.region_id
        self.cumulative = cumulative
        self.window = window_for(period, cumulative)
        self.year_window = year_window_for(period, cumulative)
        self.year = period.ends_on.year
        self.municipalities: dict[int, str] = dict(
            Municipality.objects.filter(region_id=self.region_id).order_by("name").values_list("id", "name")
        )
        self.refstats = self._refstats()
        self._cache: dict[str, Counts] = {}

    def _refstats(self) -> dict[int, RefStat]:
        found: dict[int, RefStat] = {}
        rows = (
            ReferenceStatistic.objects.filter(municipality__region_id=self.region_id, year__lte=self.year)
            .order_by("municipality_id", "-year")
            .values(
                "municipality_id",
                "year",
                "teachers_total",
                "school_teachers_total",
                "schools_total",
                "additional_total",
                "vocational_total",
            )
        )
        for r in rows:
            if r["municipality_id"] in found:
                continue  # the latest year up to the period's year wins
            org_parts = [r["schools_total"], r["additional_total"], r["vocational_total"]]
            orgs = None if all(p is None for p in org_parts) else sum(p or 0 for p in org_parts)
            found[r["municipality_id"]] = RefStat(
                r["year"], r["teachers_total"], r["school_teachers_total"], orgs
            )
        return found

    def cached(self, key: str, fn) -> Counts:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    # Counts shared by several indicators.
    def iom_teachers(self) -> Counts:
        return self.cached(
            "iom_teachers", lambda: set_counts("iom", self.region_id, self.window, counted="p")
        )

    def diagnosed(self) -> Counts:
        return self.cached(
            "diagnosed", lambda: set_counts("diagnosed", self.region_id, self.window, counted="p")
        )

    def official(self, attr: str) -> tuple[dict[int, int | None], int | None, list[str], list[int]]:
        """Per municipality the official figure `attr`, the region's sum, the municipalities
        without it, and the years the figures come from."""
        per: dict[int, int | None] = {}
        missing: list[str] = []
        years: set[int] = set()
        for mid, name in self.municipalities.items():
            stat = self.refstats.get(mid)
            value = getattr(stat, attr) if stat else None
            per[mid] = value
            if value is None:
                missing.append(name)
            else:
                years.add(stat.year)
        present = [v for v in per.values() if v is not None]
        return per, (sum(present) if present else None), missing, sorted(years)


def _missing_note(what: str, year: int, missing: list[str], total: int) -> str:
    if not missing:
        return ""
    if len(missing) == total:
        return f"Знаменатель не введён: нет справочных данных «{what}» за {year} год."
    return f"Нет справочных данных «{what}» за {year} год по {len(missing)} МО: {', '.join(missing[:10])}" + (
        "…" if len(missing) > 10 else ""
    )


def _share_rows(ctx: Context, num: Counts, den_attr: str, den_label: str, *, extra_inputs=None) -> list[Row]:
    """Region and municipality rows of a share whose denominator is an official figure."""
    per, region_den, missing, years = ctx.official(den_attr)
    region_inputs = {"denominator_years": years, "missing_denominator": missing}
    if extra_inputs:
        region_inputs.update(extra_inputs)
    rows = [
        Row(
            ScopeLevel.REGION,
            numerator=num.region,
            denominator=region_den,
            value=percent(num.region, region_den),
            inputs=region_inputs,
            note=_missing_note(den_label, ctx.year, missing, len(ctx.municipalities)),
        )
    ]
    for mid in ctx.municipalities:
        n, d = num.municipality.get(mid, 0), per[mid]
        stat = ctx.refstats.get(mid)
        rows.append(
            Row(
                ScopeLevel.MUNICIPALITY,
                municipality_id=mid,
                numerator=n,
                denominator=d,
                value=percent(n, d),
                inputs={"denominator_year": stat.year if stat else None},
                note=""
                if d
                else f"Знаменатель не введён: нет справочных данных «{den_label}» за {ctx.year} год.",
            )
        )
    return rows


# --- The indicators -----------------------------------------------------------------------------


def compute_f2(ctx: Context) -> list[Row]:
    """F2 = B2 / C2 · 100: teachers with an ИОМ among teachers who took diagnostics."""
    b, c = ctx.iom_teachers(), ctx.diagnosed()

    def row(level, n, d, mid=None, oid=None):
        return Row(
            level,
            municipality_id=mid,
            organization_id=oid,
            numerator=n,
            denominator=d,
            value=percent(n, d),
            inputs={"B2": n, "C2": d},
            note="" if d else "Нет педагогов, прошедших диагностику: знаменатель C₂ равен нулю.",
        )

    rows = [row(ScopeLevel.REGION, b.region, c.region)]
    rows += [
        row(ScopeLevel.MUNICIPALITY, b.municipality.get(m, 0), c.municipality.get(m, 0), m)
        for m in ctx.municipalities
    ]
    org_munis = {**c.org_municipality, **b.org_municipality}
    for oid in sorted(org_munis):
        rows.append(
            row(
                ScopeLevel.ORGANIZATION,
                b.organization.get(oid, 0),
                c.organization.get(oid, 0),
                org_munis[oid],
                oid,
            )
        )
    return rows


def compute_iom_share(ctx: Context) -> list[Row]:
    """Teachers with an ИОМ against the official number of teachers."""
    return _share_rows(ctx, ctx.iom_teachers(), "teachers_total", "педагогов всего")


def compute_org_coverage(ctx: Context) -> list[Row]:
    """Organizations where at least one ИОМ was created, against the official number of organizations."""
    num = ctx.cached(
        "iom_orgs",
        lambda: set_counts("iom", ctx.region_id, ctx.window, counted="org", org_level=False),
    )
    return _share_rows(ctx, num, "organizations_total", "число организаций")


def compute_support_pool(ctx: Context) -> list[Row]:
    """The pool of tutors and curators by kind, and teachers per tutor / per curator against the norm."""
    end_dt = ctx.window.end_dt
    region_roles = RoleAssignment.objects.filter(
        consenting_q("person"),
        role__in=(Role.TUTOR, Role.CURATOR),
        person__organization__municipality__region_id=ctx.region_id,
        created_at__lt=end_dt,
    )
    by_kind: dict[str, dict[str, int]] = {Role.TUTOR: {}, Role.CURATOR: {}}
    for r in (
        region_roles.order_by().values("role", "support_kind").annotate(n=Count("person", distinct=True))
    ):
        by_kind[r["role"]][r["support_kind"] or "unknown"] = r["n"]
    per_role = {
        r["role"]: r["n"]
        for r in region_roles.order_by().values("role").annotate(n=Count("person", distinct=True))
    }
    pool = region_roles.aggregate(n=Count("person", distinct=True))["n"] or 0
    per, teachers, missing, years = ctx.official("teachers_total")

    def load(teachers_n, tutors, curators):
        per_tutor, per_curator = ratio(teachers_n, tutors), ratio(teachers_n, curators)
        return {
            "teachers_total": teachers_n,
            "tutors": tutors,
            "curators": curators,
            "teachers_per_tutor": str(per_tutor) if per_tutor is not None else None,
            "teachers_per_curator": str(per_curator) if per_curator is not None else None,
            "norm": support_norm(),
            "tutors_needed": math.ceil(teachers_n / support_norm()) if teachers_n else None,
            "curators_needed": math.ceil(teachers_n / support_norm()) if teachers_n else None,
            "over_norm": any(v is not None and v > support_norm() for v in (per_tutor, per_curator)),
        }

    tutors, curators = per_role.get(Role.TUTOR, 0), per_role.get(Role.CURATOR, 0)
    inputs = load(teachers, tutors, curators) | {
        "tutors_by_kind": by_kind[Role.TUTOR],
        "curators_by_kind": by_kind[Role.CURATOR],
    }
    rows = [
        Row(
            ScopeLevel.REGION,
            numerator=pool,
            value=pool,
            inputs=inputs,
            note=_missing_note("педагогов всего", ctx.year, missing, len(ctx.municipalities)),
        )
    ]
    # Per municipality: supporters actively assigned to participants of the municipality at the period end.
    active = SupportAssignment.objects.filter(
        consenting_q("person"),
        consenting_q("supporter"),
        role__in=(Role.TUTOR, Role.CURATOR),
        person__organization__municipality__region_id=ctx.region_id,
        started_at__lt=end_dt,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end_dt))
    muni_role: dict[int, dict[str, int]] = defaultdict(dict)
    for r in (
        active.order_by()
        .values("person__organization__municipality_id", "role")
        .annotate(n=Count("supporter", distinct=True))
    ):
        muni_role[r["person__organization__municipality_id"]][r["role"]] = r["n"]
    muni_pool = {
        r["person__organization__municipality_id"]: r["n"]
        for r in active.order_by()
        .values("person__organization__municipality_id")
        .annotate(n=Count("supporter", distinct=True))
    }
    for mid in ctx.municipalities:
        t, c = muni_role[mid].get(Role.TUTOR, 0), muni_role[mid].get(Role.CURATOR, 0)
        n = muni_pool.get(mid, 0)
        rows.append(
            Row(
                ScopeLevel.MUNICIPALITY,
                municipality_id=mid,
                numerator=n,
                value=n,
                inputs=load(per[mid], t, c),
            )
        )
    return rows


def federal_coordinator_q(provider_field: str = "provider") -> Q:
    """A training by the Federal coordinator: flagged so, or its provider named as one of
    settings.FEDERAL_COORDINATOR_NAMES (the Academy of the Ministry of Enlightenment)."""
    q = Q(by_federal_coordinator=True)
    for name in getattr(settings, "FEDERAL_COORDINATOR_NAMES", ()):
        q |= Q(**{f"{provider_field}__icontains": name})
    return q


def compute_staff_fed_trained(ctx: Context) -> list[Row]:
    """Centre staff trained by the Federal coordinator (read from the training's provider, or the
    flag), against all Centre staff: staff training records and the training records of the courses."""
    from courses.models import TrainingRecord

    staff = Person.objects.filter(
        consenting_q(),
        organization__kind=OrganizationKind.CENTRE,
        organization__municipality__region_id=ctx.region_id,
    )
    by_staff_training = StaffTraining.objects.filter(
        ctx.window.date_q("ends_on"), federal_coordinator_q()
    ).values("person_id")
    by_record = TrainingRecord.objects.filter(ctx.window.date_q("ends_on"), federal_coordinator_q()).values(
        "person_id"
    )
    trained_ids = Q(id__in=by_staff_training) | Q(id__in=by_record)
    agg = staff.aggregate(total=Count("id"), trained=Count("id", filter=trained_ids))
    return [
        Row(
            ScopeLevel.REGION,
            numerator=agg["trained"],
            denominator=agg["total"],
            value=percent(agg["trained"], agg["total"]),
            inputs={"staff": agg["total"], "trained": agg["trained"]},
            note=""
            if agg["total"]
            else "В организациях вида «ЦНППМ» нет сотрудников: знаменатель равен нулю.",
        )
    ]


def compute_regional_events(ctx: Context) -> list[Row]:
    """Regional events held by the Centre (counted from 1 January of the period's year when cumulative)."""
    from .models import RegionalEvent

    events = list(
        RegionalEvent.objects.filter(ctx.year_window.date_q("held_on"), region_id=ctx.region_id)
        .order_by("held_on", "id")
        .values("title", "kind", "held_on", "participants", "organizer")
    )
    listed = [{**e, "held_on": e["held_on"].isoformat()} for e in events]
    return [
        Row(
            ScopeLevel.REGION,
            numerator=len(events),
            value=len(events),
            inputs={"events": listed, "participants": sum(e["participants"] for e in events)},
        )
    ]


def _org_fact_rows(ctx: Context, flag: str) -> list[Row]:
    facts = OrganizationYearFact.objects.filter(
        year=ctx.year,
        organization__municipality__region_id=ctx.region_id,
        organization__kind__in=EDUCATION_ORG_KINDS,
        **{flag: True},
    )
    num = grouped_counts(facts, org_path="organization", counted="organization", org_level=False)
    names = list(
        facts.order_by("organization__short_name").values_list("organization__short_name", flat=True)
    )
    return _share_rows(
        ctx, num, "organizations_total", "число организаций", extra_inputs={"organizations": names}
    )


def compute_mgmt_teams(ctx: Context) -> list[Row]:
    """Organizations whose management teams took qualification programmes in the year."""
    return _org_fact_rows(ctx, "management_team_trained")


def compute_mentoring(ctx: Context) -> list[Row]:
    """Organizations implementing the target mentoring model in the year."""
    return _org_fact_rows(ctx, "implements_mentoring")


def _distinct_people_by_municipality(pairs: list[QuerySet]) -> Counts:
    """Distinct people of the union of querysets of (person "p", municipality "m") pairs: the region's
    count and one per municipality, in the database (one query each). A person counted in two
    municipalities (trained in one, later in another) counts in each, once in the region."""
    from django.db import connection

    parts, params = [], []
    for qs in pairs:
        sql, p = qs.order_by().query.sql_with_params()
        parts.append(sql)
        params.extend(p)
    union = " UNION ".join(parts)
    c = Counts()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT t.p) FROM ({union}) t", params)
        c.region = cursor.fetchone()[0] or 0
        cursor.execute(f"SELECT t.m, COUNT(DISTINCT t.p) FROM ({union}) t GROUP BY t.m", params)
        c.municipality = dict(cursor.fetchall())
    return c


def compute_teachers_trained(ctx: Context) -> list[Row]:
    """School teachers who completed a qualification course, against the official number of school
    teachers. Counted where the teacher worked when the course was completed: a training record at
    its `organization` (courses of the Centre, imported archive, external training entered), a
    qualification / retraining activity of a route marked done at the route's organization; a staff
    training record (no organization of its own) at the person's school."""
    from courses.models import TrainingRecord

    w = ctx.year_window
    school = OrganizationKind.SCHOOL
    region = ctx.region_id
    by_record = (
        TrainingRecord.objects.filter(
            consenting_q("person"),
            w.date_q("ends_on"),
            is_qualification_programme=True,
            organization__kind=school,
            organization__municipality__region_id=region,
        )
        .annotate(p=F("person_id"), m=F("organization__municipality_id"))
        .values("p", "m")
    )
    by_route = (
        RouteActivity.objects.filter(
            consenting_q("route__teacher"),
            w.date_q("ends_on"),
            kind__in=(ActivityKind.QUALIFICATION, ActivityKind.RETRAINING),
            outcome=ActivityOutcome.DONE,
            route__organization__kind=school,
            route__organization__municipality__region_id=region,
        )
        .annotate(p=F("route__teacher_id"), m=F("route__organization__municipality_id"))
        .values("p", "m")
    )
    by_staff_training = (
        StaffTraining.objects.filter(
            consenting_q("person"),
            w.date_q("ends_on"),
            is_qualification_programme=True,
            person__organization__kind=school,
            person__organization__municipality__region_id=region,
        )
        .annotate(p=F("person_id"), m=F("person__organization__municipality_id"))
        .values("p", "m")
    )
    num = _distinct_people_by_municipality([by_record, by_route, by_staff_training])
    return _share_rows(ctx, num, "school_teachers_total", "учителей школ")


@dataclass(frozen=True)
class Spec:
    code: str
    compute: object
    levels: tuple[str, ...]
    per_year: bool = False  # cumulative from 1 January (planned per year)


SPECS: dict[str, Spec] = {
    IndicatorCode.F2: Spec(
        IndicatorCode.F2, compute_f2, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY, ScopeLevel.ORGANIZATION)
    ),
    IndicatorCode.IOM_SHARE: Spec(
        IndicatorCode.IOM_SHARE, compute_iom_share, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY)
    ),
    IndicatorCode.ORG_COVERAGE: Spec(
        IndicatorCode.ORG_COVERAGE, compute_org_coverage, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY)
    ),
    IndicatorCode.SUPPORT_POOL: Spec(
        IndicatorCode.SUPPORT_POOL, compute_support_pool, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY)
    ),
    IndicatorCode.STAFF_FED_TRAINED: Spec(
        IndicatorCode.STAFF_FED_TRAINED, compute_staff_fed_trained, (ScopeLevel.REGION,)
    ),
    IndicatorCode.REGIONAL_EVENTS: Spec(
        IndicatorCode.REGIONAL_EVENTS, compute_regional_events, (ScopeLevel.REGION,), per_year=True
    ),
    IndicatorCode.MGMT_TEAMS: Spec(
        IndicatorCode.MGMT_TEAMS, compute_mgmt_teams, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY)
    ),
    IndicatorCode.MENTORING: Spec(
        IndicatorCode.MENTORING, compute_mentoring, (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY)
    ),
    IndicatorCode.TEACHERS_TRAINED: Spec(
        IndicatorCode.TEACHERS_TRAINED,
        compute_teachers_trained,
        (ScopeLevel.REGION, ScopeLevel.MUNICIPALITY),
        per_year=True,
    ),
}


# The planner settings of a computation (`planner_settings`): JIT off, and random reads costed as
# the region's rows are read, from memory or SSD (PostgreSQL's default 4 is for spinning disks).
COMPUTATION_PLANNER = {"jit": "off", "random_page_cost": "1.1"}


@contextmanager
def planner_settings():
    """PostgreSQL plans the queries inside with COMPUTATION_PLANNER (the session's settings are put
    back after). No transaction is opened (the computation's heartbeat must stay visible).

    - JIT off: the status at a period end (`status_at`) is a CASE whose history subqueries
      PostgreSQL charges to every route, though only the routes changed since run them: the
      estimate passes the JIT thresholds and compiling took 2.0 s of a 2.6 s count on 40,000
      routes, the count itself 0.65 s.
    - random_page_cost 1.1: a region's routes and attempts (`materialised`) are read back by their
      ids; costed as random disk reads, PostgreSQL scanned the whole federation's 400,000 routes to
      find a small region's 2,000 (89 ms instead of 15 ms, for each of a dozen queries)."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(COMPUTATION_PLANNER)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, false)" for _ in names),
            [v for n in names for v in (n, n, COMPUTATION_PLANNER[n])],
        )
        row = cur.fetchone()
    before = {n: row[2 * i] for i, n in enumerate(names)}
    try:
        yield
    finally:
        try:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, false)" for _ in names),
                    [v for n in names for v in (n, before[n])],
                )
        except DatabaseError:
            pass  # an aborted transaction: the error inside is the one to see


def compute_all(period, cumulative: bool, *, progress=None) -> dict[str, list[Row]]:
    """Every indicator for a period, for all scopes; `progress(done, total)` is called after each."""
    with planner_settings(), materialised():
        ctx = Context(period, cumulative)
        out: dict[str, list[Row]] = {}
        for i, (code, spec) in enumerate(SPECS.items(), 1):
            out[code] = spec.compute(ctx)
            if progress:
                progress(i, len(SPECS))
    return out


def organizations_in(region_id: int) -> QuerySet:
    return Organization.objects.filter(municipality__region_id=region_id)
