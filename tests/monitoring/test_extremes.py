"""Highest and lowest are said only when they compare something: two or more groups whose values
differ; ties are listed together; one group alone gets no comparison."""

from decimal import Decimal

import pytest
from django.urls import reverse

from monitoring.choices import IndicatorCode
from monitoring.extremes import extremes, sentence
from monitoring.numbers import fmt_percent, places
from tests.helpers import login
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute
from tests.monitoring.test_reports_data import report_world  # noqa: F401 (fixture)


def say(rows):
    return sentence(
        extremes(rows, lambda r: r[1], lambda r: r[0]),
        what="Наибольший охват",
        lowest_word="наименьший",
        group="муниципалитет",
        equal="Охват одинаков во всех муниципалитетах",
        fmt=fmt_percent,
    )


def test_one_group_is_not_a_comparison():
    assert extremes([("Светлогорск", Decimal("3.3"))], lambda r: r[1], lambda r: r[0]) is None
    assert say([("Светлогорск", Decimal("3.3"))]) == ""
    assert say([("Светлогорск", Decimal("3.3")), ("Без данных", None)]) == ""


def test_equal_values_say_so():
    assert (
        say([("А", Decimal("1.0")), ("Б", Decimal("1.0"))])
        == "Охват одинаков во всех муниципалитетах: 1,0\u00a0%."
    )


def test_differing_values_and_ties():
    assert say([("А", Decimal("2.0")), ("Б", Decimal("1.0"))]) == (
        "Наибольший охват: А (2,0\u00a0%); наименьший: Б (1,0\u00a0%)."
    )
    assert say(
        [("А", Decimal("2.0")), ("Б", Decimal("1.0")), ("В", Decimal("2.0")), ("Г", Decimal("1.0"))]
    ) == (
        "Наибольший охват у 2 муниципалитетов: А, В (2,0\u00a0%); наименьший у 2 муниципалитетов: Б, Г (1,0\u00a0%)."
    )


@pytest.mark.django_db
def test_dashboard_compares_only_what_differs(client, monitored):
    # A municipal methodist sees one municipality: no «наибольший … наименьший» about it alone.
    login(client, monitored["municipal_methodist"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    assert "Первый район" in html
    assert "Наибольший охват" not in html and "наименьший" not in html and "одинаков" not in html

    # With M2's headcount at 50 the shares differ: 1,0 % against 2,0 %.
    f.refstat(monitored["m2"], 2022, teachers_total=50, schools_total=5)
    compute("2022-Q2", actor=monitored["operator"].user)
    login(client, monitored["operator"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    pct = lambda v: fmt_percent(v, places("analytic", IndicatorCode.IOM_SHARE))  # noqa: E731
    assert f"Наибольший охват: Второй район ({pct(2)}); наименьший: Первый район ({pct(1)})." in html


@pytest.mark.django_db
def test_analytic_report_does_not_compare_one_municipality(monitored):
    from tests.monitoring.test_reports_data import build

    report, ctx = build("analytic", monitored["period"])
    text = " ".join(ctx["statements"])
    assert "Охват педагогов построением ИОМ одинаков во всех муниципалитетах" in text
    assert "Наибольший охват" not in text


@pytest.mark.django_db
def test_comparison_report_says_no_spread_when_there_is_none(report_world):  # noqa: F811
    from tests.monitoring.test_reports_data import build

    _, ctx = build("comparison", report_world["q2"], compare_with=report_world["q1"])
    text = " ".join(ctx["statements"])
    # Every participant scored 50 %: no «максимальное 50 %, минимальное 50 %».
    assert "ИКТ-компетентность — 5 человек, при среднем значении уровня компетенции 50,0\u00a0% " in text
    assert "(у всех участников одинаково — 50,0\u00a0%)" in text and "минимальное — 50,0" not in text
    assert "увеличилось на 1 человека: 2 → 3." in text
    assert "208,0 педагога на одного куратора" in text
