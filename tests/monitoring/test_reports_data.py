"""The four reports computed from a small hand-computed region; also the `report_world` fixture the
other report tests import.

The region (period 2022-Q2, 01.04–30.06.2022):
- Первый район (M1): 200 teachers officially; Школа 1: teacher, t2 diagnosed, both with an ИОМ;
  Школа 2: t3 diagnosed with an ИОМ, t4 diagnosed with a draft only. → 3 / 200 = 1,5 %; F₂ = 3 / 4 = 75,0 %.
- Второй район (M2): 8 teachers officially; other_teacher with an ИОМ submitted in March → 1 / 8 = 12,5 %.
- Третий район (M3): no official figures → the share is not computed, the report says so.
- Total (computed from the rows): 4 / 208 = 1,9 %; two decimals on the quarterly form: 1,92 %.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cnppm.choices import Role, SupportKind
from cnppm.models import RoleAssignment, StaffTraining
from diagnostics.choices import DeficitLevel
from monitoring.choices import IndicatorCode
from monitoring.models import IndicatorDefinition, IndicatorPlan, Period, RegionalEvent
from monitoring.reports import report_class
from routes.choices import ActivityKind, ActivityLevel, RouteStatus, Verdict
from tests.cnppm.factories import MunicipalityFactory
from tests.monitoring import factories as mf

HIGH, MEDIUM = DeficitLevel.HIGH, DeficitLevel.MEDIUM


def ensure_definitions():
    for order, code in enumerate(IndicatorCode.values):
        IndicatorDefinition.objects.get_or_create(
            code=code, defaults={"name": IndicatorCode(code).label, "order": order}
        )


@pytest.fixture
def report_world(world):
    ensure_definitions()
    w = dict(world)
    m1, m2, o1, o2, _o3 = w["m1"], w["m2"], w["o1"], w["o2"], w["o3"]
    w["m3"] = MunicipalityFactory(name="Третий район", code="M3")
    mf.refstat(
        m1,
        2022,
        teachers_total=200,
        school_teachers_total=150,
        schools_total=3,
        additional_total=0,
        vocational_total=0,
    )
    mf.refstat(
        m2,
        2022,
        teachers_total=8,
        school_teachers_total=6,
        schools_total=1,
        additional_total=0,
        vocational_total=0,
    )
    t2 = mf.teacher(o1, last_name="Петрова")
    t3 = mf.teacher(o2, last_name="Сидорова")
    t4 = mf.teacher(o2, last_name="Кузнецова")
    results = {"subject": HIGH, "ict": MEDIUM}
    mf.block("subject", "Предметные")
    mf.block("ict", "ИКТ-компетентность")
    entries = {p: mf.attempt(p, on="2022-04-10", results=results) for p in (w["teacher"], t2, t3, t4)}
    entries[w["other_teacher"]] = mf.attempt(w["other_teacher"], on="2022-03-01", results=results)
    seminar = {"kind": ActivityKind.SEMINAR, "level": ActivityLevel.REGIONAL}
    course = {"kind": ActivityKind.QUALIFICATION, "level": ActivityLevel.FEDERAL}
    mf.route(
        w["teacher"],
        entry=entries[w["teacher"]],
        activities=[{**course, "competences": ["subject"]}, {**seminar, "competences": ["ict"]}],
        verdicts=[(Verdict.NO_CORRECTIONS, "2022-05-25")],
    )
    mf.route(
        t2,
        entry=entries[t2],
        activities=[{**seminar, "competences": ["subject"]}],
        verdicts=[(Verdict.NO_CORRECTIONS, "2022-05-26")],
    )
    mf.route(
        t3,
        entry=entries[t3],
        activities=[{**seminar, "competences": ["ict"]}],
        verdicts=[(Verdict.MINOR, "2022-05-27")],
    )
    mf.route(t4, entry=entries[t4], status=RouteStatus.DRAFT, submitted=None)
    mf.route(
        w["other_teacher"],
        entry=entries[w["other_teacher"]],
        status=RouteStatus.APPROVED,
        submitted="2022-03-15",
        activities=[{**seminar, "competences": ["subject"]}],
    )
    # The support pool: the world's curator and tutor since February (Centre staff), one civil-contract
    # tutor since May.
    RoleAssignment.objects.filter(role__in=(Role.CURATOR, Role.TUTOR)).update(
        created_at=mf.at("2022-02-01"), support_kind=SupportKind.CENTRE_STAFF
    )
    _, ra = mf.supporter(w["centre"], Role.TUTOR, SupportKind.CIVIL_CONTRACT)
    RoleAssignment.objects.filter(pk=ra.pk).update(created_at=mf.at("2022-05-01"))
    # Quarterly: plans, events, staff training.
    IndicatorPlan.objects.create(
        region=m1.region,
        indicator=IndicatorDefinition.objects.get(code="IOM_SHARE"),
        year=2022,
        value=Decimal("5"),
    )
    IndicatorPlan.objects.create(
        region=m1.region,
        indicator=IndicatorDefinition.objects.get(code="REGIONAL_EVENTS"),
        year=2022,
        value=Decimal("2"),
    )
    region = m1.region
    RegionalEvent.objects.create(
        region=region,
        title="Заседание ассоциации молодых педагогов",
        kind="очно",
        held_on=date(2022, 3, 13),
        participants=30,
    )
    RegionalEvent.objects.create(
        region=region,
        title="Вебинар «Развитие наставничества»",
        kind="онлайн",
        held_on=date(2022, 5, 29),
        participants=120,
    )
    StaffTraining.objects.create(
        person=w["curator"],
        programme="Тьюторское сопровождение индивидуально-ориентированного профессионального развития",
        provider="Академия Минпросвещения России",
        hours=16,
        starts_on=date(2022, 3, 24),
        ends_on=date(2022, 4, 7),
        by_federal_coordinator=True,
    )
    w["t2"], w["t3"], w["t4"] = t2, t3, t4
    w["q1"] = Period.objects.create(
        region=region, code="2022-Q1", kind="quarter", starts_on=date(2022, 1, 1), ends_on=date(2022, 3, 31)
    )
    w["q2"] = Period.objects.create(
        region=region, code="2022-Q2", kind="quarter", starts_on=date(2022, 4, 1), ends_on=date(2022, 6, 30)
    )
    return w


def build(kind, period, **kwargs):
    report = report_class(kind)(period=period, **kwargs)
    return report, report.build_context()


def test_analytic_municipality_table_total_and_words(report_world):
    report, ctx = build("analytic", report_world["q2"])
    table = ctx["table"]["municipalities"]
    assert [r[1:] for r in table.rows] == [
        ["Второй район", 8, 1, Decimal("12.5")],
        ["Первый район", 200, 3, Decimal("1.5")],
        ["Третий район", None, 0, "нет данных"],
    ]
    assert table.total == ["", "ИТОГО", 208, 4, Decimal("1.9")]
    assert "Третий район" in table.note
    text = " ".join(ctx["statements"])
    assert (
        "Наибольший охват педагогов построением ИОМ: Второй район (12,5\u00a0%); "
        "наименьший: Первый район (1,5\u00a0%)." in text
    )
    assert "4, что составляет 1,9\u00a0% от общего числа педагогических работников (208 чел.)" in text
    assert ctx["rule"].startswith("Педагог считается имеющим ИОМ")


def test_analytic_distributions_deficits_content_verdicts(report_world):
    _, ctx = build("analytic", report_world["q2"])
    t = ctx["table"]
    assert ["высшее", 4, Decimal("100.0")] in t["dist_education"].rows
    assert t["dist_education"].total == ["Итого", 4, Decimal("100.0")]
    deficits = {r[0]: r for r in t["deficits"].rows}
    # Every diagnosed teacher (5) has a high subject deficit and a medium ICT deficit.
    assert deficits["Предметные"][1:4] == [5, 5, Decimal("100.0")]
    assert deficits["ИКТ-компетентность"][4:6] == [5, Decimal("100.0")]
    combos = {r[0]: r[1] for r in t["combinations"].rows}
    assert combos == {"ИКТ-компетентность + Предметные": 1, "Предметные": 2, "ИКТ-компетентность": 1}
    verdicts = {r[0]: (r[1], r[2]) for r in t["verdicts"].rows}
    assert verdicts["корректировки не требуются"] == (2, Decimal("66.7"))
    assert verdicts["незначительная доработка"] == (1, Decimal("33.3"))
    assert "корректировки не требуются — 66,7\u00a0% ИОМ" in " ".join(ctx["statements"])
    assert "<svg" in ctx["charts"]["verdicts"]
    stages = {r[0]: r[1] for r in t["stages"].rows}
    assert stages["черновик"] == 1 and stages["на рассмотрении"] == 3 and stages["утверждён"] == 1
    assert t["stages"].total == ["Итого", 5, Decimal("100.0")]


def test_municipal_letter_f2_substituted_and_schools(report_world):
    report, ctx = build("municipal_letter", report_world["q2"], municipality=report_world["m1"])
    assert ctx["formula"] == "F₂ = 3 / 4 · 100 % = 75,0\u00a0%"
    schools = ctx["table"]["schools"]
    assert [r[1:] for r in schools.rows] == [
        ["Школа 1", "", 2, 2, Decimal("100.0")],
        ["Школа 2", "", 2, 1, Decimal("50.0")],
    ]
    assert schools.total == ["", "Итого по организациям", "", 4, 3, Decimal("75.0")]
    assert "Школа 1, Школа 2" in " ".join(ctx["statements"])


def test_municipal_letter_zero_denominator_says_so(report_world):
    _, ctx = build("municipal_letter", report_world["q2"], municipality=report_world["m3"])
    assert "не рассчитывается" in ctx["formula"]
    assert "знаменатель C₂ равен нулю" in " ".join(ctx["statements"])


def test_municipal_letter_requires_municipality(report_world):
    from cnppm.services import DomainError

    with pytest.raises(DomainError, match="выберите муниципалитет"):
        report_class("municipal_letter")(period=report_world["q2"])


def test_quarterly_plan_against_achieved_two_decimals(report_world):
    _, ctx = build("quarterly", report_world["q2"])
    rows = ctx["table"]["indicators"].rows
    assert rows[0][2:7] == [Decimal("5.00"), Decimal("1.92"), 4, 208, "не выполнен"]
    # Centre staff: curator, tutor, expert, regional methodist, operator, ministry, civil-contract tutor = 7.
    # The form's own decimals per row (seed 002: 13 of 16 staff print as 81,3 %): 1 / 7 → 14,3.
    assert rows[1][3:6] == [Decimal("14.3"), 1, 7]
    assert rows[2][2:4] == [2, 2]
    assert rows[2][6] == "выполнен"
    staff = ctx["table"]["staff"].rows
    assert len(staff) == 1 and "Тьюторское сопровождение" in staff[0][2] and "16 ч." in staff[0][2]
    events = ctx["table"]["events"]
    assert [r[1] for r in events.rows] == ["13.03.2022", "29.05.2022"]
    assert events.total[4] == 150


def test_comparison_growth_and_pool(report_world):
    _, ctx = build("comparison", report_world["q2"], compare_with=report_world["q1"])
    iom = ctx["table"]["iom"].rows
    assert iom[0][1:] == [1, 4, 3]
    # Seed 000: the share with one decimal, its growth with two, from the counts (4/208 − 1/208).
    assert iom[2][1:] == [Decimal("0.5"), Decimal("1.9"), Decimal("1.44")]
    pool = ctx["table"]["pool"].rows
    assert pool[0][1:] == [2, 3, 1]
    kinds = {r[0]: r[1] for r in ctx["table"]["pool_kinds"].rows}
    assert kinds["сотрудник ЦНППМ"] == 2 and kinds["по договору ГПХ"] == 1
    text = " ".join(ctx["statements"])
    assert "Прирост показателя по сравнению с предыдущим отчётным периодом составил 1,44 п. п." in text
    assert "увеличилось на 1 человек" in text


def test_comparison_requires_an_earlier_period(report_world):
    from cnppm.services import DomainError

    with pytest.raises(DomainError, match="раньше"):
        report_class("comparison")(period=report_world["q1"], compare_with=report_world["q2"])


def test_closed_period_reads_snapshots_and_does_not_change(report_world):
    from monitoring.services.computation import (
        computation_execute,
        computation_request,
        period_close,
        period_reopen,
    )

    q2 = report_world["q2"]
    run = computation_request(actor=None, period=q2, enqueue=False)
    computation_execute(run_id=run.pk)
    period_close(actor=None, period=q2)
    q2.refresh_from_db()
    _, before = build("analytic", q2)
    # Later data: a new ИОМ dated inside the period appears after the period was closed.
    late = mf.teacher(report_world["o1"])
    mf.route(late, entry=mf.attempt(late, on="2022-04-11"), submitted="2022-05-21")
    _, after = build("analytic", q2)
    assert (
        after["table"]["municipalities"].total
        == before["table"]["municipalities"].total
        == ["", "ИТОГО", 208, 4, Decimal("1.9")]
    )
    assert "сохранённого расчёта" in after["source_note"]
    # Reopened, the report still prints the latest computation (what the dashboard shows) until the
    # period is recomputed; then both show the new figure.
    period_reopen(actor=None, period=q2, reason="поздние данные")
    q2.refresh_from_db()
    _, reopened = build("analytic", q2)
    assert reopened["table"]["municipalities"].total[3] == 4
    run = computation_request(actor=None, period=q2, enqueue=False)
    computation_execute(run_id=run.pk)
    _, recomputed = build("analytic", q2)
    assert recomputed["table"]["municipalities"].total[3] == 5
    assert recomputed["computation"].pk == run.pk
