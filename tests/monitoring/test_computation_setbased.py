"""The computation writes its snapshots with one INSERT … SELECT and groups the competence
combinations in the database (issue 11.3): the stored snapshots are exactly those of a straightforward
reference (every indicator computed as before, combinations folded route by route in Python, rows
written by the ORM's bulk_create), on a small generated region with every indicator fed, all scopes,
the distributions and teachers who withdrew consent. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cnppm.choices import Role, SupportKind
from cnppm.models import OrganizationYearFact, Person, RoleAssignment, StaffTraining, SupportAssignment
from diagnostics.models import Attempt, BlockResult, CompetenceBlock
from monitoring.choices import IndicatorCode, ScopeLevel
from monitoring.distributions import compute_by_municipality, merge
from monitoring.indicators import (
    HAS_IOM_STATUSES,
    _diagnosed_q,
    _iom_q,
    compute_all,
    diagnosed_attempts,
    diagnosed_q,
    grouped_counts,
    iom_q,
    iom_routes,
    materialised,
    set_counts,
    window_for,
)
from monitoring.models import IndicatorDefinition, IndicatorSnapshot, RegionalEvent
from monitoring.services.computation import computation_execute, computation_request, period_get_or_create
from routes.choices import ActivityKind, ActivityOutcome, RouteStatus
from routes.models import Route, RouteActivity, RouteEvent
from tests.monitoring import factories as f

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate_region import generate  # noqa: E402

pytestmark = pytest.mark.django_db

FIELDS = (
    "indicator__code",
    "cumulative",
    "scope_level",
    "municipality_id",
    "organization_id",
    "numerator",
    "denominator",
    "value",
    "inputs",
    "note",
)


def reference_combinations(region_id, window) -> dict[int, dict[str, int]]:
    """Route by route: the sorted names of the competences its activities address."""
    out: dict[int, dict[str, int]] = {}
    for route in (
        iom_routes(region_id, window)
        .select_related("organization")
        .prefetch_related("activities__competences")
    ):
        names = {c.name for a in route.activities.all() for c in a.competences.all()}
        if names:
            bucket = out.setdefault(route.organization.municipality_id, {})
            key = " + ".join(sorted(names))
            bucket[key] = bucket.get(key, 0) + 1
    return out


def reference_write(period) -> None:
    """The computation as it was written before: rows built one by one, stored by bulk_create."""
    definitions = dict(IndicatorDefinition.objects.values_list("code", "id"))
    snapshots = []
    for cumulative in (True, False):
        window = window_for(period, cumulative)
        per_muni = compute_by_municipality(period.region_id, window)
        combos = reference_combinations(period.region_id, window)
        for mid, dist in per_muni.items():
            dist["combinations"] = combos.get(mid, {})
        for code, rows in compute_all(period, cumulative).items():
            for row in rows:
                inputs = dict(row.inputs)
                if code == "F2" and row.scope_level == ScopeLevel.REGION:
                    inputs["distributions"] = {
                        "region": merge(per_muni.values()),
                        "by_municipality": {str(k): v for k, v in per_muni.items() if k is not None},
                    }
                snapshots.append(
                    IndicatorSnapshot(
                        period=period,
                        indicator_id=definitions[code],
                        cumulative=cumulative,
                        scope_level=row.scope_level,
                        municipality_id=row.municipality_id,
                        organization_id=row.organization_id,
                        numerator=row.numerator,
                        denominator=row.denominator,
                        value=row.value,
                        inputs=inputs,
                        note=row.note[:500],
                    )
                )
    IndicatorSnapshot.objects.bulk_create(snapshots)


def stored(period) -> list[tuple]:
    rows = IndicatorSnapshot.objects.filter(period=period).values_list(*FIELDS)
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r[:5]))


@pytest.fixture
def region_world():
    info = generate(n_teachers=120, n_municipalities=3, n_organizations=9, n_attempts=80, n_routes=60, seed=7)
    region = info["region"]
    orgs = list(region.municipalities.first().organizations.order_by("id"))
    centre = next(o for o in orgs if o.kind == "centre")
    school = next(o for o in orgs if o.kind == "school")
    # Latin names whose order differs between code points ("Z" < "b") and a linguistic collation.
    z, b = (CompetenceBlock.objects.create(code=c, name=c) for c in ("Z-навыки", "b-навыки"))
    acts = list(RouteActivity.objects.order_by("id")[:40])
    for i, act in enumerate(acts):
        act.competences.add(z if i % 2 else b)
        if i % 3 == 0:
            act.competences.add(z, b)
    RouteActivity.objects.filter(pk__in=[a.pk for a in acts[:12]]).update(
        kind=ActivityKind.QUALIFICATION, outcome=ActivityOutcome.DONE, ends_on=date(2022, 5, 10)
    )
    staff = list(Person.objects.filter(organization=centre).order_by("id"))
    for i, person in enumerate(staff[:6]):
        StaffTraining.objects.create(
            person=person,
            programme="Программа",
            provider="ФК",
            starts_on=date(2022, 4, 1),
            ends_on=date(2022, 4, 20 + i),
            by_federal_coordinator=i % 2 == 0,
            is_qualification_programme=True,
        )
    teachers = list(Person.objects.filter(organization__municipality__region=region, routes__isnull=False))
    for i, (kind, role) in enumerate(
        [(SupportKind.CENTRE_STAFF, Role.TUTOR), (SupportKind.CIVIL_CONTRACT, Role.TUTOR)]
        + [(SupportKind.MUNICIPAL, Role.CURATOR)] * 2
    ):
        person, assignment = f.supporter(centre, role, kind)
        RoleAssignment.objects.filter(pk=assignment.pk).update(created_at=f.at("2022-02-01"))
        for teacher in teachers[i * 5 : i * 5 + 5]:
            SupportAssignment.objects.create(
                person=teacher, supporter=person, role=role, started_at=f.at("2022-03-01")
            )
    OrganizationYearFact.objects.filter(organization__municipality__region=region).update(
        management_team_trained=True
    )
    OrganizationYearFact.objects.filter(pk__in=OrganizationYearFact.objects.order_by("id")[:3]).update(
        management_team_trained=False
    )
    for day in (date(2022, 2, 1), date(2022, 5, 5)):
        RegionalEvent.objects.create(region=region, title=f"Семинар {day}", held_on=day, participants=30)
    # Consent withdrawn: teachers with routes, a supporter and a trained staff member.
    gone = teachers[::7] + staff[:1]
    Person.objects.filter(pk__in=[p.pk for p in gone]).update(consent_withdrawn_at=timezone.now())
    # The status at the period end, whatever the generator's dice gave: two routes submitted in the
    # quarter and cancelled in 2024 (counted in 2022-Q2), one cancelled days after its submission
    # in the first half of 2022 (not counted).
    live = (
        Route.objects.filter(organization__municipality__region=region, submitted_at__lt=f.at("2022-06-25"))
        .exclude(status=RouteStatus.CANCELLED)
        .exclude(teacher__in=gone)
        .order_by("id")
    )
    later = list(live.filter(submitted_at__gte=f.at("2022-04-01"))[:2])
    early = live.filter(status=RouteStatus.SUBMITTED).exclude(pk__in=[r.pk for r in later]).first()
    for route, at in [(r, f.at("2024-02-01")) for r in later] + [
        (early, early.submitted_at + timedelta(days=3))
    ]:
        RouteEvent.objects.create(
            route=route, from_status=route.status, to_status=RouteStatus.CANCELLED, at=at
        )
        Route.objects.filter(pk=route.pk).update(status=RouteStatus.CANCELLED)
    period = period_get_or_create("2022-Q2", region=region)
    return {"region": region, "period": period, "school": school, "gone": gone}


def test_set_based_computation_stores_exactly_the_reference_snapshots(region_world):
    period = region_world["period"]
    reference_write(period)
    expected = stored(period)
    IndicatorSnapshot.objects.filter(period=period).delete()

    run = computation_request(actor=None, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    got = stored(period)

    assert len(got) == len(expected) and got == expected
    assert IndicatorSnapshot.objects.filter(period=period, run=run).count() == len(expected)
    # Every indicator, every scope level and both modes were compared, with values, not just zeros.
    codes = {r[0] for r in got}
    assert codes == set(IndicatorCode.values)
    assert {(r[2], r[1]) for r in got} == {(s, c) for s in ScopeLevel.values for c in (True, False)}
    for code in IndicatorCode.values:
        region_row = next(r for r in got if r[0] == code and r[2] == ScopeLevel.REGION and r[1])
        assert region_row[5], code
    f2 = next(r for r in got if r[0] == "F2" and r[2] == ScopeLevel.REGION and r[1])
    combos = f2[8]["distributions"]["region"]["combinations"]
    assert any(k.startswith("Z-навыки + b-навыки") for k in combos), combos
    assert not any("b-навыки + Z-навыки" in k for k in combos)


def test_withdrawn_consent_is_not_counted(region_world):
    period, gone = region_world["period"], region_world["gone"]
    run = computation_request(actor=None, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    f2 = IndicatorSnapshot.objects.get(
        period=period, indicator__code="F2", scope_level=ScopeLevel.REGION, cumulative=True
    )
    # Straightforward: every route built on a diagnostics, submitted before the period end and at
    # least submitted (not a draft, not cancelled) then: its last status change before the end.
    end = timezone.make_aware(datetime(2022, 7, 1))

    def status_then(route):
        before = [e for e in route.events.all() if e.at < end]
        return before[-1].to_status if before else route.status

    routes = Route.objects.filter(
        organization__municipality__region=region_world["region"], entry_attempt__isnull=False
    ).prefetch_related("events")
    with_iom = {
        r.teacher_id
        for r in routes
        if r.submitted_at and r.submitted_at < end and status_then(r) in HAS_IOM_STATUSES
    }
    # The generated history makes the rule matter: routes cancelled since still count, and routes
    # cancelled before the end do not.
    assert sum(r.status == "cancelled" and r.teacher_id in with_iom for r in routes) >= 2
    assert any(r.submitted_at < end and status_then(r) == "cancelled" for r in routes if r.submitted_at)
    withdrawn = {p.pk for p in gone}
    assert with_iom & withdrawn
    assert f2.numerator == Decimal(len(with_iom - withdrawn))
    education = f2.inputs["distributions"]["region"]["education"]
    assert sum(education.values()) == len(with_iom - withdrawn)


def test_materialised_sets_hold_the_rule_and_are_dropped(region_world):
    """Inside `materialised()` the routes with an ИОМ and the diagnosed attempts of a window are read
    from a temporary table made once (issue 11.3): the same ids as the rule itself (the status at
    the period end, consent, the region, the window), for a route's and an attempt's own queries and
    for rows hanging off them; the tables are gone afterwards."""
    region_id = region_world["region"].pk
    names = []
    for cumulative in (True, False):
        window = window_for(region_world["period"], cumulative)
        plain_routes = set(Route.objects.filter(_iom_q(region_id, window)).values_list("id", flat=True))
        plain_attempts = set(
            Attempt.objects.filter(_diagnosed_q(region_id, window)).values_list("id", flat=True)
        )
        assert plain_routes and plain_attempts
        with materialised():
            routes = iom_routes(region_id, window)
            attempts = diagnosed_attempts(region_id, window)
            assert set(routes.values_list("id", flat=True)) == plain_routes
            assert set(attempts.values_list("id", flat=True)) == plain_attempts
            acts = RouteActivity.objects.filter(iom_q(region_id, window, "route__"))
            assert set(acts.values_list("route_id", flat=True)) <= plain_routes
            results = BlockResult.objects.filter(diagnosed_q(region_id, window, "attempt__"))
            assert set(results.values_list("attempt_id", flat=True)) <= plain_attempts
            # The counts read from the tables alone are the counts of the rule's querysets.
            for kind, qs, person in (
                ("iom", Route.objects.filter(_iom_q(region_id, window)), "teacher"),
                ("diagnosed", Attempt.objects.filter(_diagnosed_q(region_id, window)), "person"),
            ):
                for counted, field in (("p", person), ("org", "organization")):
                    expected = grouped_counts(qs, org_path="organization", counted=field)
                    got = set_counts(kind, region_id, window, counted=counted)
                    assert got == expected and got.region, (kind, counted)
            with materialised():  # nested: the same tables
                assert str(iom_routes(region_id, window).query) == str(routes.query)
            found = re.findall(r"monitoring_(?:iom|diagnosed)_\d+", f"{routes.query} {attempts.query}")
            assert len(set(found)) == 2, found
            names += found
    for name in names:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT 1 FROM {name}")
