"""Generate a large region with bulk inserts: municipalities, organizations, teachers, final entry
attempts with block results, routes with activities and reviews, reference statistics and
organization facts. Used by bench_indicators.py (and the reports bench).

    generate(n_teachers=100_000, n_municipalities=60, n_organizations=2_000, n_attempts=50_000,
             n_routes=40_000, seed=1, history=True) -> dict of counts and the Region

With `history` the routes get their status changes (RouteEvent) at dates, as routes/history.py
stores them, some of them after the year and some routes cancelled (in 2024, or days after being
submitted), so that a period's figures depend on the status at the period end (issue 10.2).

Run it inside a configured Django (DJANGO_SETTINGS_MODULE, DATABASE_URL); it writes into that
database, so point it at a throwaway one."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

BATCH = 5000


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def generate(
    n_teachers: int = 100_000,
    n_municipalities: int = 60,
    n_organizations: int = 2_000,
    n_attempts: int = 50_000,
    n_routes: int = 40_000,
    seed: int = 1,
    region_code: str = "BENCH",
    history: bool = True,
) -> dict:
    from cnppm.choices import Education, OrganizationKind, QualificationCategory
    from cnppm.models import (
        Municipality,
        Organization,
        OrganizationYearFact,
        Person,
        ReferenceStatistic,
        Region,
    )
    from diagnostics.choices import AttemptStatus, DeficitLevel, InstrumentKind, InstrumentStatus
    from diagnostics.models import Attempt, BlockResult, CompetenceBlock, Instrument
    from routes.choices import ActivityFormat, ActivityKind, ActivityLevel, RouteStatus, Verdict
    from routes.models import Route, RouteActivity, RouteReview

    rng = random.Random(seed)
    region, _ = Region.objects.get_or_create(code=region_code, defaults={"name": f"Регион {region_code}"})
    munis = Municipality.objects.bulk_create(
        [
            Municipality(
                region=region,
                name=f"{region_code} МО {i + 1}",
                code=f"{region_code}-M{i + 1}",
                kind="district",
            )
            for i in range(n_municipalities)
        ]
    )
    kinds = [OrganizationKind.SCHOOL] * 8 + [OrganizationKind.ADDITIONAL, OrganizationKind.VOCATIONAL]
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                municipality=munis[i % n_municipalities],
                short_name=f"{region_code} ОО {i + 1}",
                full_name=f"Образовательная организация {region_code} {i + 1}",
                kind=rng.choice(kinds),
            )
            for i in range(n_organizations)
        ],
        batch_size=BATCH,
    )
    centre = Organization.objects.create(
        municipality=munis[0],
        short_name=f"{region_code} ЦНППМ",
        full_name="ЦНППМ",
        kind=OrganizationKind.CENTRE,
    )
    educations = [Education.HIGHER] * 8 + [Education.SECONDARY_VOCATIONAL] * 2
    categories = [c for c, _ in QualificationCategory.choices]
    people = Person.objects.bulk_create(
        [
            Person(
                organization=orgs[rng.randrange(n_organizations)],
                last_name=f"Педагог{i}",
                first_name="Анна",
                education=rng.choice(educations),
                experience_years=rng.randrange(0, 40),
                qualification_category=rng.choice(categories),
            )
            for i in range(n_teachers)
        ],
        batch_size=BATCH,
    )
    Person.objects.bulk_create(
        [Person(organization=centre, last_name=f"Сотрудник{i}", first_name="Ольга") for i in range(16)]
    )

    blocks = [
        CompetenceBlock.objects.get_or_create(code=f"{region_code.lower()}-{code}", defaults={"name": name})[
            0
        ]
        for code, name in (("subject", "предметные"), ("method", "методические"), ("ict", "ИКТ"))
    ]
    instrument = Instrument.objects.create(
        code=f"{region_code.lower()}-entry",
        title="Входная диагностика",
        kind=InstrumentKind.ENTRY,
        status=InstrumentStatus.PUBLISHED,
    )
    start = date(2022, 1, 10)
    diagnosed = rng.sample(people, min(n_attempts, len(people)))
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                person=p,
                instrument=instrument,
                organization_id=p.organization_id,
                status=AttemptStatus.FINAL,
                started_at=_at(start + timedelta(days=rng.randrange(330)), 9),
                finished_at=None,
                percent=rng.randrange(20, 100),
                level=DeficitLevel.MEDIUM,
            )
            for p in diagnosed
        ],
        batch_size=BATCH,
    )
    for a in attempts:
        a.finished_at = a.finalized_at = a.started_at + timedelta(hours=2)
    Attempt.objects.bulk_update(attempts, ["finished_at", "finalized_at"], batch_size=BATCH)
    levels = [DeficitLevel.HIGH, DeficitLevel.MEDIUM, DeficitLevel.MINIMAL]
    BlockResult.objects.bulk_create(
        [
            BlockResult(attempt=a, block=b, percent=50, level=rng.choice(levels))
            for a in attempts
            for b in blocks
        ],
        batch_size=BATCH,
    )
    statuses = [
        RouteStatus.SUBMITTED,
        RouteStatus.APPROVED,
        RouteStatus.IN_PROGRESS,
        RouteStatus.COMPLETING,
        RouteStatus.DRAFT,
    ]
    routes = Route.objects.bulk_create(
        [
            Route(
                teacher_id=a.person_id,
                academic_year=2021,
                organization_id=a.organization_id,
                entry_attempt=a,
                status=(st := rng.choice(statuses)),
                submitted_at=None
                if st == RouteStatus.DRAFT
                else a.finished_at + timedelta(days=rng.randrange(1, 30)),
            )
            for a in attempts[: min(n_routes, len(attempts))]
        ],
        batch_size=BATCH,
    )
    if history:
        _history(routes, seed)
    acts = RouteActivity.objects.bulk_create(
        [
            RouteActivity(
                route=r,
                title="Мероприятие",
                kind=rng.choice([c for c, _ in ActivityKind.choices]),
                level=rng.choice([c for c, _ in ActivityLevel.choices]),
                format=rng.choice([c for c, _ in ActivityFormat.choices]),
            )
            for r in routes
            for _ in range(2)
        ],
        batch_size=BATCH,
    )
    through = RouteActivity.competences.through
    through.objects.bulk_create(
        [through(routeactivity_id=act.pk, competenceblock_id=rng.choice(blocks).pk) for act in acts],
        batch_size=BATCH,
    )
    curator = Person.objects.filter(organization=centre).first()
    RouteReview.objects.bulk_create(
        [
            RouteReview(
                route=r,
                curator=curator,
                verdict=rng.choice([c for c, _ in Verdict.choices]),
                created_at=r.submitted_at,
            )
            for r in routes
            if r.submitted_at
        ],
        batch_size=BATCH,
    )
    ReferenceStatistic.objects.bulk_create(
        [
            ReferenceStatistic(
                municipality=m,
                year=2022,
                teachers_total=int(n_teachers / n_municipalities * 1.1),
                school_teachers_total=int(n_teachers / n_municipalities),
                schools_total=int(n_organizations / n_municipalities),
            )
            for m in munis
        ]
    )
    OrganizationYearFact.objects.bulk_create(
        [
            OrganizationYearFact(organization=o, year=2022, implements_mentoring=rng.random() < 0.3)
            for o in orgs
        ],
        batch_size=BATCH,
    )
    return {
        "region": region,
        "municipalities": len(munis),
        "organizations": len(orgs),
        "teachers": len(people),
        "attempts": len(attempts),
        "routes": len(routes),
    }


def _history(routes, seed: int) -> None:
    """Status changes of the generated routes at their dates: created the day before submission,
    submitted, approved and taken into work 5–20 days later (often after the year for late ones),
    completing 2–5 months after that. About 5 % of the routes submitted and not yet reviewed were
    cancelled 3 days after submission (a period containing that does not count them), and about 5 %
    of all submitted ones in 2024 (earlier periods still count them). Its own random sequence: the
    rest of the region is the same with or without history."""
    from routes.choices import RouteStatus as S
    from routes.models import Route, RouteEvent

    rng = random.Random(seed + 1)
    steps = {
        S.SUBMITTED: [S.SUBMITTED],
        S.APPROVED: [S.SUBMITTED, S.APPROVED],
        S.IN_PROGRESS: [S.SUBMITTED, S.APPROVED, S.IN_PROGRESS],
        S.COMPLETING: [S.SUBMITTED, S.APPROVED, S.IN_PROGRESS, S.COMPLETING],
    }
    events, changed = [], []
    for r in routes:
        submitted = r.submitted_at
        created = (submitted or r.entry_attempt.finished_at + timedelta(days=10)) - timedelta(days=1)
        r.created_at = created
        chain = [("", S.DRAFT, created)]
        if submitted:
            approved = submitted + timedelta(days=rng.randrange(5, 21))
            when = {
                S.SUBMITTED: submitted,
                S.APPROVED: approved,
                S.IN_PROGRESS: approved + timedelta(hours=1),
                S.COMPLETING: approved + timedelta(days=rng.randrange(60, 151)),
            }
            for status in steps[r.status]:
                chain.append((chain[-1][1], status, when[status]))
            roll = rng.random()
            if r.status == S.SUBMITTED and roll < 0.05:
                chain.append((S.SUBMITTED, S.CANCELLED, submitted + timedelta(days=3)))
            elif roll > 0.95:
                chain.append(
                    (chain[-1][1], S.CANCELLED, _at(date(2024, 3, 1) + timedelta(days=rng.randrange(200))))
                )
            if chain[-1][1] == S.CANCELLED:
                r.status = S.CANCELLED
        changed.append(r)
        events += [RouteEvent(route=r, from_status=a, to_status=b, at=at) for a, b, at in chain]
    Route.objects.bulk_update(changed, ["created_at", "status"], batch_size=BATCH)
    RouteEvent.objects.bulk_create(events, batch_size=BATCH)
