"""The monitoring part of the demo region: indicator plans for the current year, a few regional
events, organization facts and reference statistics where missing, periods for the last quarters
(the older ones closed), and computed snapshots so that the dashboards show numbers after `make run`."""

from __future__ import annotations

from datetime import date, timedelta

from cnppm.choices import OrganizationKind
from cnppm.models import OrganizationYearFact, Person, ReferenceStatistic

from .definitions import ensure_definitions
from .models import IndicatorDefinition, IndicatorPlan, RegionalEvent

PLANS = {
    "F2": 80,
    "IOM_SHARE": 5,
    "ORG_COVERAGE": 50,
    "STAFF_FED_TRAINED": 50,
    "REGIONAL_EVENTS": 2,
    "MGMT_TEAMS": 10,
    "MENTORING": 10,
    "TEACHERS_TRAINED": 9,
}
EVENTS = [
    ("Региональная конференция «Наставничество в образовании»", "конференция", 140),
    ("Семинар для кураторов ИОМ", "семинар", 45),
    ("Форум молодых педагогов", "форум", 210),
]


def _last_quarters(today: date, n: int) -> list[str]:
    codes, year, q = [], today.year, (today.month - 1) // 3 + 1
    for _ in range(n):
        codes.append(f"{year}-Q{q}")
        q -= 1
        if q == 0:
            year, q = year - 1, 4
    return codes


def seed(ctx) -> None:
    from .services.computation import (
        computation_execute,
        computation_request,
        period_close,
        period_get_or_create,
    )

    ensure_definitions()
    operator_people = ctx.by_role.get("operator") or []
    operator = operator_people[0].user if operator_people and operator_people[0].user_id else None
    year = ctx.today.year
    for code, value in PLANS.items():
        IndicatorPlan.objects.get_or_create(
            region=ctx.region,
            indicator=IndicatorDefinition.objects.get(code=code),
            year=year,
            defaults={"value": value, "entered_by": operator},
        )
    for i, (title, kind, participants) in enumerate(EVENTS):
        RegionalEvent.objects.get_or_create(
            region=ctx.region,
            title=title,
            defaults={
                "kind": kind,
                "held_on": ctx.today - timedelta(days=20 + 45 * i),
                "participants": participants,
                "organizer": "ЦНППМ",
                "entered_by": operator,
            },
        )
    teachers_by_muni: dict[int, int] = {}
    for p in Person.objects.filter(organization__municipality__region=ctx.region).values(
        "organization__municipality_id"
    ):
        mid = p["organization__municipality_id"]
        teachers_by_muni[mid] = teachers_by_muni.get(mid, 0) + 1
    for m in ctx.municipalities:
        schools = sum(
            1 for o in ctx.organizations if o.municipality_id == m.pk and o.kind == OrganizationKind.SCHOOL
        )
        for y in (year - 1, year):
            ReferenceStatistic.objects.get_or_create(
                municipality=m,
                year=y,
                defaults={
                    # The official headcount is larger than the roster registered in the portal.
                    "teachers_total": teachers_by_muni.get(m.pk, 0) * 12 + 40,
                    "school_teachers_total": teachers_by_muni.get(m.pk, 0) * 10 + 30,
                    "schools_total": max(schools, 1) * 3,
                    "additional_total": 2,
                    "vocational_total": 1,
                    "entered_by": operator,
                },
            )
    for o in ctx.organizations:
        if o.kind not in (OrganizationKind.SCHOOL, OrganizationKind.ADDITIONAL, OrganizationKind.VOCATIONAL):
            continue
        OrganizationYearFact.objects.get_or_create(
            organization=o,
            year=year,
            defaults={
                "implements_mentoring": ctx.rng.random() < 0.4,
                "management_team_trained": ctx.rng.random() < 0.25,
                "entered_by": operator,
            },
        )
    quarters = _last_quarters(ctx.today, 4)
    codes = quarters + [str(year), f"{year}-H{1 if ctx.today.month <= 6 else 2}"]
    for code in codes:
        period = period_get_or_create(code, region=ctx.region)
        if period.is_closed:
            continue
        run = computation_request(actor=operator, period=period, enqueue=False)
        computation_execute(run_id=run.pk)
    # The oldest quarters are closed: their figures are final.
    for code in quarters[2:]:
        period = period_get_or_create(code, region=ctx.region)
        if not period.is_closed:
            period_close(actor=operator, period=period, comment="Демонстрационные данные: период завершён")
