"""Test data of the monitoring: attempts, block results, routes with activities and reviews, built
directly (dates given explicitly) so that every indicator can be hand-computed."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from cnppm.choices import Role
from cnppm.models import OrganizationYearFact, ReferenceStatistic
from diagnostics.choices import AttemptStatus, DeficitLevel, InstrumentKind, InstrumentStatus
from diagnostics.models import Attempt, BlockResult, CompetenceBlock, Instrument
from routes.choices import ActivityFormat, ActivityKind, ActivityLevel, ActivityOutcome, RouteStatus
from routes.models import Route, RouteActivity, RouteReview
from tests.cnppm.factories import PersonFactory, grant_role


def at(day: date | str, hour: int = 12) -> datetime:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def block(code: str, name: str | None = None) -> CompetenceBlock:
    obj, _ = CompetenceBlock.objects.get_or_create(code=code, defaults={"name": name or code})
    return obj


def instrument(kind: str = InstrumentKind.ENTRY) -> Instrument:
    obj, _ = Instrument.objects.get_or_create(
        code=f"mon-{kind}",
        defaults={"title": f"Диагностика ({kind})", "kind": kind, "status": InstrumentStatus.PUBLISHED},
    )
    return obj


def teacher(organization, **kwargs):
    person = PersonFactory(organization=organization, user=None, email="", **kwargs)
    return person


def attempt(
    person,
    organization=None,
    *,
    on="2022-05-10",
    status=AttemptStatus.FINAL,
    results=None,
    kind=InstrumentKind.ENTRY,
    external=False,
):
    """A final entry diagnostics taken at `organization` (default: the person's school) on `on`;
    `results` is {block_code: level}."""
    inst = instrument(kind)
    number = Attempt.objects.filter(person=person, instrument=inst).count() + 1
    a = Attempt.objects.create(
        person=person,
        instrument=inst,
        number=number,
        organization=organization or person.organization,
        status=status,
        started_at=at(on, 10),
        finished_at=at(on, 11),
        finalized_at=at(on, 12) if status == AttemptStatus.FINAL else None,
        percent=Decimal("55"),
        level=DeficitLevel.HIGH,
        is_external=external,
    )
    for code, level in (results or {}).items():
        BlockResult.objects.create(attempt=a, block=block(code), percent=Decimal("50"), level=level)
    return a


def route(
    person,
    organization=None,
    *,
    entry=None,
    status=RouteStatus.SUBMITTED,
    submitted="2022-05-20",
    year=2021,
    activities=(),
    verdicts=(),
):
    """A route created at `organization` (default: the person's school). `activities` is a list of
    dicts (kind, level, format, competences=[block codes], outcome, ends_on)."""
    r = Route.objects.create(
        teacher=person,
        academic_year=year,
        organization=organization or person.organization,
        entry_attempt=entry,
        status=status,
        submitted_at=at(submitted) if submitted and status != RouteStatus.DRAFT else None,
    )
    Route.objects.filter(pk=r.pk).update(created_at=at(submitted or "2022-05-01", 9))
    for i, spec in enumerate(activities):
        spec = dict(spec)
        comps = spec.pop("competences", [])
        act = RouteActivity.objects.create(
            route=r,
            title=spec.pop("title", f"Мероприятие {i + 1}"),
            kind=spec.pop("kind", ActivityKind.SEMINAR),
            level=spec.pop("level", ActivityLevel.REGIONAL),
            format=spec.pop("format", ActivityFormat.ONLINE),
            outcome=spec.pop("outcome", ActivityOutcome.PLANNED),
            order=i,
            **spec,
        )
        act.competences.set([block(c) for c in comps])
    for verdict, day in verdicts:
        curator = PersonFactory(user=None, email="", organization=person.organization)
        RouteReview.objects.create(route=r, curator=curator, verdict=verdict, created_at=at(day))
    return r


def refstat(municipality, year=2022, **figures):
    return ReferenceStatistic.objects.update_or_create(
        municipality=municipality, year=year, defaults=figures
    )[0]


def orgfact(organization, year=2022, **flags):
    return OrganizationYearFact.objects.update_or_create(
        organization=organization, year=year, defaults=flags
    )[0]


def supporter(organization, role, kind):
    person = PersonFactory(organization=organization, user=None, email="")
    ra = grant_role(person, role, support_kind=kind)
    return person, ra


ROLE_TUTOR, ROLE_CURATOR = Role.TUTOR, Role.CURATOR
