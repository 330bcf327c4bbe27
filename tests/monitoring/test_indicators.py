"""Each indicator against hand-computed fixtures: zero denominators, people who moved between
schools, cumulative against per-period counting."""

from datetime import date
from decimal import Decimal

import pytest

from cnppm.choices import OrganizationKind, Role, SupportKind
from cnppm.models import StaffTraining
from diagnostics.choices import AttemptStatus, DeficitLevel
from monitoring.indicators import HAS_IOM_RULE, compute_all
from monitoring.models import RegionalEvent
from monitoring.services.computation import period_get_or_create
from routes.choices import ActivityKind, ActivityOutcome, RouteStatus
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, assign_support
from tests.monitoring import factories as f

pytestmark = pytest.mark.django_db


def rows_of(result, code, level):
    return [r for r in result[code] if r.scope_level == level]


def region_row(result, code):
    return rows_of(result, code, "region")[0]


def muni_row(result, code, municipality):
    return next(
        r for r in result[code] if r.scope_level == "municipality" and r.municipality_id == municipality.pk
    )


@pytest.fixture
def region2():
    """Two municipalities; M1 with schools A and B, M2 with school C."""
    m1 = MunicipalityFactory(name="Алексеевский район", code="A1")
    m2 = MunicipalityFactory(name="Борисовский район", code="B2")
    a = OrganizationFactory(municipality=m1, short_name="СОШ №1")
    b = OrganizationFactory(municipality=m1, short_name="СОШ №2")
    c = OrganizationFactory(municipality=m2, short_name="СОШ №3")
    return {"m1": m1, "m2": m2, "a": a, "b": b, "c": c}


def test_f2_hand_computed_with_moved_teacher(region2):
    a, b, c = region2["a"], region2["b"], region2["c"]
    # 4 diagnosed at A, 3 of them with an ИОМ; one draft does not count; one has no diagnostics.
    t = [f.teacher(a) for _ in range(4)]
    attempts = [f.attempt(p) for p in t]
    for p, att in zip(t[:3], attempts[:3], strict=True):
        f.route(p, entry=att)
    f.route(t[3], entry=attempts[3], status=RouteStatus.DRAFT)
    # Diagnosed at A, then moved to C (M2) where the route was created: the attempt counts at A,
    # the route at C — not both at the current school.
    moved = f.teacher(a)
    moved_attempt = f.attempt(moved)
    moved.organization = c
    moved.save()
    f.route(moved, entry=moved_attempt)
    # A route without diagnostics is not an ИОМ by the rule.
    f.route(f.teacher(b), entry=None)
    # An attempt still being checked is not "diagnosed".
    f.attempt(f.teacher(b), status=AttemptStatus.CHECKING)

    result = compute_all(period_get_or_create("2022-Q2"), cumulative=True)
    r = region_row(result, "F2")
    assert (r.numerator, r.denominator, r.value) == (4, 5, Decimal("80.0"))
    m1, m2 = muni_row(result, "F2", region2["m1"]), muni_row(result, "F2", region2["m2"])
    assert (m1.numerator, m1.denominator, m1.value) == (3, 5, Decimal("60.0"))
    # M2: one ИОМ, nobody diagnosed there → no value, and the note says why.
    assert (m2.numerator, m2.denominator, m2.value) == (1, 0, None)
    assert "знаменатель C₂ равен нулю" in m2.note
    orgs = {x.organization_id: x for x in rows_of(result, "F2", "organization")}
    assert (orgs[a.pk].numerator, orgs[a.pk].denominator) == (3, 5)
    assert (orgs[c.pk].numerator, orgs[c.pk].denominator) == (1, 0)
    assert b.pk not in orgs  # nothing counted at B
    assert "подан на рассмотрение" in HAS_IOM_RULE


def test_cumulative_against_period_alone(region2):
    a = region2["a"]
    p1, p2, p3 = (f.teacher(a) for _ in range(3))
    f.route(p1, entry=f.attempt(p1, on="2022-02-01"), submitted="2022-02-10")  # Q1
    f.route(p2, entry=f.attempt(p2, on="2022-04-05"), submitted="2022-05-10")  # Q2
    f.route(p3, entry=f.attempt(p3, on="2022-06-30"), submitted="2022-07-01")  # Q3: outside Q2
    q2 = period_get_or_create("2022-Q2")
    cum = region_row(compute_all(q2, cumulative=True), "F2")
    alone = region_row(compute_all(q2, cumulative=False), "F2")
    assert (cum.numerator, cum.denominator) == (2, 3)  # everything up to 30.06
    assert cum.value == Decimal("66.7")  # 66.666… rounded half up
    assert (alone.numerator, alone.denominator) == (1, 2)  # only inside 01.04–30.06
    assert alone.value == Decimal("50.0")


def test_iom_share_official_denominator_and_missing(region2):
    a, c = region2["a"], region2["c"]
    f.refstat(region2["m1"], 2022, teachers_total=10851)
    for _ in range(3):
        p = f.teacher(a)
        f.route(p, entry=f.attempt(p))
    p = f.teacher(c)
    f.route(p, entry=f.attempt(p))
    result = compute_all(period_get_or_create("2022"), cumulative=True)
    m1 = muni_row(result, "IOM_SHARE", region2["m1"])
    assert (m1.numerator, m1.denominator, m1.value) == (3, 10851, Decimal("0.0"))
    m2 = muni_row(result, "IOM_SHARE", region2["m2"])
    assert m2.value is None and "Знаменатель не введён" in m2.note
    region = region_row(result, "IOM_SHARE")
    assert "Борисовский район" in region.note


def test_iom_share_khabarovsk_figure(region2):
    """Seed 000: 1552 teachers with an ИОМ of 10 851 → 14.3 %. Scaled: 143 of 1000 → 14.3 %."""
    f.refstat(region2["m1"], 2022, teachers_total=1000)
    a = region2["a"]
    for _ in range(143):
        p = f.teacher(a)
        f.route(p, entry=f.attempt(p))
    r = region_row(compute_all(period_get_or_create("2022-H1"), cumulative=True), "IOM_SHARE")
    assert r.value == Decimal("14.3")


def test_reference_statistic_of_an_earlier_year_is_used_and_named(region2):
    f.refstat(region2["m1"], 2020, teachers_total=200)
    f.refstat(region2["m1"], 2021, teachers_total=400)
    r = muni_row(compute_all(period_get_or_create("2022"), cumulative=True), "IOM_SHARE", region2["m1"])
    assert r.denominator == 400 and r.inputs["denominator_year"] == 2021


def test_org_coverage(region2):
    a, b = region2["a"], region2["b"]
    f.refstat(region2["m1"], 2022, schools_total=3, additional_total=1, vocational_total=None)
    for org in (a, a, b):
        p = f.teacher(org)
        f.route(p, entry=f.attempt(p))
    result = compute_all(period_get_or_create("2022"), cumulative=True)
    m1 = muni_row(result, "ORG_COVERAGE", region2["m1"])
    assert (m1.numerator, m1.denominator, m1.value) == (2, 4, Decimal("50.0"))


def test_support_pool_by_kind_and_load(region2):
    a = region2["a"]
    centre = OrganizationFactory(municipality=region2["m1"], short_name="ЦНППМ", kind=OrganizationKind.CENTRE)
    f.refstat(region2["m1"], 2022, teachers_total=500)
    f.refstat(region2["m2"], 2022, teachers_total=100)
    tutors = [f.supporter(centre, Role.TUTOR, SupportKind.CENTRE_STAFF)[0] for _ in range(2)]
    f.supporter(centre, Role.TUTOR, SupportKind.CIVIL_CONTRACT)
    f.supporter(centre, Role.CURATOR, SupportKind.CENTRE_STAFF)
    t = f.teacher(a)
    assign_support(t, tutors[0], "tutor")
    r = region_row(compute_all(period_get_or_create("2030"), cumulative=True), "SUPPORT_POOL")
    assert r.value == 4
    assert r.inputs["tutors_by_kind"] == {"centre_staff": 2, "civil_contract": 1}
    assert r.inputs["curators_by_kind"] == {"centre_staff": 1}
    assert r.inputs["teachers_per_tutor"] == "200.0"  # 600 / 3
    assert r.inputs["teachers_per_curator"] == "600.0"
    assert r.inputs["over_norm"] is True
    assert r.inputs["curators_needed"] == 3
    m1 = muni_row(compute_all(period_get_or_create("2030"), cumulative=True), "SUPPORT_POOL", region2["m1"])
    assert m1.inputs["tutors"] == 1


def test_support_pool_norm_is_the_portal_setting(region2, settings):
    """One norm for the indicator, the reports, balancing and caseload warnings."""
    settings.SUPPORT_NORM = 1000
    centre = OrganizationFactory(municipality=region2["m1"], short_name="ЦНППМ", kind=OrganizationKind.CENTRE)
    f.refstat(region2["m1"], 2022, teachers_total=600)
    f.supporter(centre, Role.TUTOR, SupportKind.CENTRE_STAFF)
    f.supporter(centre, Role.CURATOR, SupportKind.CENTRE_STAFF)
    r = region_row(compute_all(period_get_or_create("2030"), cumulative=True), "SUPPORT_POOL")
    assert r.inputs["norm"] == 1000
    assert r.inputs["over_norm"] is False  # 600 per tutor: over 200, within 1000
    assert r.inputs["tutors_needed"] == 1


def test_staff_fed_trained_kirov_figure(region2):
    centre = OrganizationFactory(municipality=region2["m1"], short_name="ЦНППМ", kind=OrganizationKind.CENTRE)
    staff = [f.teacher(centre) for _ in range(16)]
    for person in staff[:13]:
        StaffTraining.objects.create(
            person=person,
            programme="Тьюторское сопровождение",
            provider="ФГАОУ ДПО «Академия Минпросвещения России»",
            starts_on=date(2022, 3, 1),
            ends_on=date(2022, 3, 20),
            by_federal_coordinator=True,
        )
    StaffTraining.objects.create(
        person=staff[13],
        programme="Иное",
        provider="ИРО",
        starts_on=date(2022, 3, 1),
        ends_on=date(2022, 3, 20),
    )
    r = region_row(compute_all(period_get_or_create("2022-Q2"), cumulative=True), "STAFF_FED_TRAINED")
    assert (r.numerator, r.denominator, r.value) == (13, 16, Decimal("81.3"))
    alone = region_row(compute_all(period_get_or_create("2022-Q2"), cumulative=False), "STAFF_FED_TRAINED")
    assert alone.numerator == 0  # trained in Q1, not inside Q2


def test_staff_fed_trained_zero_denominator(region2):
    r = region_row(compute_all(period_get_or_create("2022"), cumulative=True), "STAFF_FED_TRAINED")
    assert r.value is None and r.denominator == 0 and "знаменатель равен нулю" in r.note


def test_regional_events_year_to_date(region2):
    region = region2["m1"].region
    for day in ("2021-12-20", "2022-02-01", "2022-05-15", "2022-07-01"):
        RegionalEvent.objects.create(
            region=region, title=f"Конференция {day}", held_on=date.fromisoformat(day), participants=10
        )
    q2 = period_get_or_create("2022-Q2")
    assert region_row(compute_all(q2, cumulative=True), "REGIONAL_EVENTS").value == 2  # from 1 January
    alone = region_row(compute_all(q2, cumulative=False), "REGIONAL_EVENTS")
    assert alone.value == 1 and alone.inputs["events"][0]["title"] == "Конференция 2022-05-15"


def test_mgmt_teams_and_mentoring(region2):
    a, b, c = region2["a"], region2["b"], region2["c"]
    f.refstat(region2["m1"], 2022, schools_total=10)
    f.refstat(region2["m2"], 2022, schools_total=40)
    f.orgfact(a, 2022, management_team_trained=True, implements_mentoring=True)
    f.orgfact(b, 2022, management_team_trained=False, implements_mentoring=True)
    f.orgfact(c, 2022, management_team_trained=True)
    f.orgfact(c, 2021, implements_mentoring=True)  # another year: not counted
    result = compute_all(period_get_or_create("2022"), cumulative=True)
    assert region_row(result, "MGMT_TEAMS").value == Decimal("4.0")  # 2 / 50
    assert region_row(result, "MENTORING").value == Decimal("4.0")  # 2 / 50
    assert muni_row(result, "MENTORING", region2["m1"]).value == Decimal("20.0")
    assert muni_row(result, "MENTORING", region2["m2"]).value == Decimal("0.0")
    assert region_row(result, "MGMT_TEAMS").inputs["organizations"] == ["СОШ №1", "СОШ №3"]


def test_teachers_trained(region2):
    a = region2["a"]
    f.refstat(region2["m1"], 2022, school_teachers_total=8)
    p1, p2, p3 = (f.teacher(a) for _ in range(3))
    StaffTraining.objects.create(
        person=p1, programme="ДПП ПК", provider="ИРО", starts_on=date(2022, 2, 1), ends_on=date(2022, 2, 20)
    )
    f.route(
        p2,
        entry=f.attempt(p2),
        activities=[
            {"kind": ActivityKind.QUALIFICATION, "outcome": ActivityOutcome.DONE, "ends_on": date(2022, 3, 1)}
        ],
    )
    f.route(
        p3,
        entry=f.attempt(p3),
        activities=[
            {
                "kind": ActivityKind.QUALIFICATION,
                "outcome": ActivityOutcome.PLANNED,
                "ends_on": date(2022, 3, 1),
            }
        ],
    )
    # p1 also has a course via the route: still one person.
    f.route(
        p1,
        entry=f.attempt(p1),
        activities=[
            {"kind": ActivityKind.RETRAINING, "outcome": ActivityOutcome.DONE, "ends_on": date(2022, 3, 1)}
        ],
    )
    r = muni_row(
        compute_all(period_get_or_create("2022-Q1"), cumulative=True), "TEACHERS_TRAINED", region2["m1"]
    )
    assert (r.numerator, r.denominator, r.value) == (2, 8, Decimal("25.0"))


def test_distributions_computed(region2):
    from monitoring.distributions import compute_by_municipality, labelled, merge
    from monitoring.indicators import window_for

    a = region2["a"]
    p = f.teacher(a, experience_years=3)
    att = f.attempt(p, results={"ict": DeficitLevel.HIGH, "subject": DeficitLevel.MEDIUM})
    f.route(
        p,
        entry=att,
        activities=[{"competences": ["ict", "subject"]}, {"competences": ["ict"]}],
        verdicts=[("minor", "2022-05-25")],
    )
    per = compute_by_municipality(a.municipality.region_id, window_for(period_get_or_create("2022-Q2"), True))
    out = labelled(merge(per.values()))
    assert ("до 5 лет", 1) in out["experience"]
    assert out["combinations"] == [("ict + subject", 1)]
    assert ("незначительная доработка", 1) in out["verdicts"]
    assert {"block": "ict", "high": 1, "medium": 0, "minimal": 0, "total": 1} in out["deficits"]
    assert ("на рассмотрении", 1) in out["stages"]
