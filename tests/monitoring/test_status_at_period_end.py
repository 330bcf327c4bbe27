"""A period counts a route by the status it had at the period end, not today (issue 10.2): a report
for 2023-Q1 rendered now shows what was true in 2023-Q1. Routes carry their status changes
(RouteEvent) at their real dates, as the history import and the workflow write them.

The region (Первый район, Школа 1), everyone diagnosed in 2023-Q1:
- A: submitted 10.02.2023, approved and in work 01.03.2023, cancelled in 2024 → in 2023-Q1 an ИОМ
  «реализуется»; today cancelled.
- B: submitted 20.03.2023, approved 10.04.2023 → at the end of 2023-Q1 «на рассмотрении».
- C: submitted 01.02.2023, cancelled 15.03.2023 → not an ИОМ in 2023-Q1.
- D: submitted 15.02.2023 (no history before), cancelled today by the operator through the workflow
  → «на рассмотрении» at the end of 2023-Q1.
- E: diagnosed and submitted in the current quarter.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from monitoring.models import IndicatorSnapshot
from monitoring.reports import report_class
from monitoring.services.computation import current_period_codes
from routes.choices import RouteStatus as S
from routes.models import RouteEvent
from routes.services.routes import route_transition
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db


def _history(route, *changes):
    """Status changes at dates, as routes/history.py stores them: (from, to, day)."""
    for old, new, day in changes:
        RouteEvent.objects.create(route=route, from_status=old, to_status=new, at=f.at(day))


@pytest.fixture
def routes_then(world):
    school = world["o1"]
    f.refstat(world["m1"], 2023, teachers_total=100, schools_total=10)
    people = {k: f.teacher(school, last_name=f"Педагог{k}") for k in "ABCDE"}
    diagnosed = {k: f.attempt(p, on="2023-01-20") for k, p in people.items() if k != "E"}

    a = f.route(people["A"], entry=diagnosed["A"], submitted="2023-02-10", status=S.CANCELLED)
    _history(
        a,
        ("", S.DRAFT, "2023-02-01"),
        (S.DRAFT, S.SUBMITTED, "2023-02-10"),
        (S.SUBMITTED, S.APPROVED, "2023-03-01"),
        (S.APPROVED, S.IN_PROGRESS, "2023-03-01"),
        (S.IN_PROGRESS, S.CANCELLED, "2024-05-14"),
    )
    b = f.route(people["B"], entry=diagnosed["B"], submitted="2023-03-20", status=S.IN_PROGRESS)
    _history(
        b,
        ("", S.DRAFT, "2023-03-18"),
        (S.DRAFT, S.SUBMITTED, "2023-03-20"),
        (S.SUBMITTED, S.APPROVED, "2023-04-10"),
        (S.APPROVED, S.IN_PROGRESS, "2023-04-10"),
    )
    c = f.route(people["C"], entry=diagnosed["C"], submitted="2023-02-01", status=S.CANCELLED)
    _history(
        c,
        ("", S.DRAFT, "2023-01-30"),
        (S.DRAFT, S.SUBMITTED, "2023-02-01"),
        (S.SUBMITTED, S.CANCELLED, "2023-03-15"),
    )
    # Made before its history was kept: the only change is today's cancellation in the portal.
    d = f.route(people["D"], entry=diagnosed["D"], submitted="2023-02-15")
    route_transition(actor=world["operator"].user, route=d, target=S.CANCELLED, comment="создан ошибочно")

    today = timezone.localdate()
    e_attempt = f.attempt(people["E"], on=today)
    e = f.route(people["E"], entry=e_attempt, submitted=today.isoformat(), year=today.year)
    _history(e, ("", S.DRAFT, today), (S.DRAFT, S.SUBMITTED, today))
    return world


def region_snapshot(period, code, cumulative=True):
    return IndicatorSnapshot.objects.get(
        period=period, indicator__code=code, scope_level="region", cumulative=cumulative
    )


def stages(period) -> tuple[dict[str, int], int]:
    """The analytic report's «ИОМ по стадиям»: the stages shown (non-zero) and the total."""
    table = report_class("analytic")(period=period).build_context()["table"]["stages"]
    return {row[0]: row[1] for row in table.rows if row[1]}, table.total[1]


def test_past_quarter_counts_the_routes_as_they_were_then(routes_then):
    q1 = compute("2023-Q1")
    for cumulative in (True, False):
        f2 = region_snapshot(q1, "F2", cumulative)
        # A (in work then), B (submitted then), D (submitted then) of the four diagnosed; C had
        # been cancelled inside the quarter.
        assert (f2.numerator, f2.denominator, f2.value) == (3, 4, Decimal("75.0"))
        share = region_snapshot(q1, "IOM_SHARE", cumulative)
        assert (share.numerator, share.denominator, share.value) == (3, 100, Decimal("3.0"))
    # «ИОМ по стадиям» of the report: as the routes stood on 31.03.2023.
    assert stages(q1) == ({"на рассмотрении": 2, "реализуется": 1}, 3)
    text = " ".join(report_class("analytic")(period=q1).render_html().split())
    assert "Всего педагогов с ИОМ: 3" in text


def test_a_route_approved_after_the_period_is_under_review_at_its_end(routes_then):
    q2 = compute("2023-Q2")
    # B was approved on 10.04.2023: at the end of 2023-Q2 it is in work; in the cumulative view of
    # Q2 A is in work too (cancelled only in 2024), D still under review, C gone.
    assert stages(q2) == ({"на рассмотрении": 1, "реализуется": 2}, 3)
    f2 = region_snapshot(q2, "F2")
    assert (f2.numerator, f2.denominator) == (3, 4)


def test_the_current_period_counts_todays_status(routes_then):
    current = compute(current_period_codes()[0])
    f2 = region_snapshot(current, "F2")
    # Today A, C and D are cancelled: B (in work) and E (submitted today) of the five diagnosed.
    assert (f2.numerator, f2.denominator, f2.value) == (2, 5, Decimal("40.0"))
    assert stages(current) == ({"на рассмотрении": 1, "реализуется": 1}, 2)
    alone = region_snapshot(current, "F2", cumulative=False)
    assert (alone.numerator, alone.denominator) == (1, 1)
