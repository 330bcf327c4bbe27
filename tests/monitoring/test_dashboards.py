"""Dashboards: who sees them, what numbers they show, scope (a municipal methodist sees only their
municipality; the ministry the region in aggregate, no names), and query guards."""

import pytest
from django.urls import reverse

from monitoring.choices import IndicatorCode
from monitoring.numbers import fmt_percent, places
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.monitoring import factories as f
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db

DASHBOARD = {
    "school_head",
    "municipal_methodist",
    "other_municipal_methodist",
    "regional_methodist",
    "operator",
    "ministry",
}


def test_dashboard_matrix(client, monitored):
    assert_matrix(client, monitored, reverse("monitoring:dashboard"), DASHBOARD)
    assert_matrix(client, monitored, reverse("monitoring:compare"), DASHBOARD)


def test_municipality_page_matrix(client, monitored):
    url = reverse("monitoring:municipality", args=[monitored["m1"].pk])
    assert_matrix(
        client, monitored, url, {"municipal_methodist", "regional_methodist", "operator", "ministry"}
    )


def test_region_overview_and_municipality_table(client, monitored):
    login(client, monitored["operator"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    assert "План и достигнутые значения (регион)" in html
    assert "66,7\u00a0%" in html  # F2 = 4 / 6
    assert "Первый район" in html and "Второй район" in html
    # 3 of 300 and 1 of 100: both 1,0 %, so there is no highest and lowest to name.
    one = fmt_percent(1, places("analytic", IndicatorCode.IOM_SHARE))  # the table is the analytic report's
    assert f"Охват одинаков во всех муниципалитетах: {one}." in html
    assert "Наибольший охват" not in html
    # Total row computed from the rows: 400 teachers, 6 diagnosed, 4 with an ИОМ.
    assert '<td class="text-end">400' in html
    assert "Что считается ИОМ" in html
    assert "<svg" in html and "<title" in html and "Таблица данных" in html


def test_sorting_by_share_descending(client, monitored):
    login(client, monitored["operator"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2&sort=f2&dir=desc").content.decode()
    table = html[html.index('id="municipalities"') :]
    assert table.index("Первый район") < table.index("Второй район")  # 75 % before 50 %
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2&sort=f2").content.decode()
    table = html[html.index('id="municipalities"') :]
    assert table.index("Второй район") < table.index("Первый район")


def test_municipal_methodist_sees_only_their_municipality(client, monitored):
    login(client, monitored["municipal_methodist"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    assert "Первый район" in html
    assert "Второй район" not in html
    assert "ваш муниципалитет" in html
    assert "75,0\u00a0%" in html  # F2 of M1: 3 / 4
    # Another municipality's page does not exist for them.
    assert client.get(reverse("monitoring:municipality", args=[monitored["m2"].pk])).status_code == 404
    page = client.get(
        reverse("monitoring:municipality", args=[monitored["m1"].pk]) + "?period=2022-Q2"
    ).content.decode()
    assert "Школа 1" in page and "3 / 4" in page


def test_ministry_sees_region_aggregates_without_names(client, monitored):
    login(client, monitored["ministry"])
    html = client.get(reverse("monitoring:dashboard") + "?period=2022-Q2").content.decode()
    assert "66,7\u00a0%" in html
    assert "Участник" not in html  # no person names anywhere
    assert "Иванов" not in html


def test_distributions_are_scoped(monitored):
    from monitoring import selectors

    period = monitored["period"]
    region = selectors.distributions(monitored["operator"].user, period)
    muni = selectors.distributions(monitored["municipal_methodist"].user, period)
    assert region["source"] == "snapshot"
    assert dict(region["combinations"]) == {"ict": 4}
    assert dict(muni["combinations"]) == {"ict": 3}
    assert selectors.distributions(monitored["teacher"].user, period)["source"] == "none"


def test_unknown_period_is_404(client, monitored):
    login(client, monitored["operator"])
    assert client.get(reverse("monitoring:dashboard") + "?period=1999-Q1").status_code == 404


def test_comparison_shows_growth(client, monitored):
    """Seed 000: 750 → 1552 cumulative. Here: 4 in Q2, one more ИОМ in Q3 → 5, growth +1."""
    p = f.teacher(monitored["o1"])
    f.route(p, entry=f.attempt(p, on="2022-08-01"), submitted="2022-08-10")
    compute("2022-Q3")
    login(client, monitored["operator"])
    html = client.get(reverse("monitoring:compare") + "?previous=2022-Q2&period=2022-Q3").content.decode()
    block = html[html.index('data-code="IOM_SHARE"') :]
    assert "1,0\u00a0%" in block and "1,3\u00a0%" in block  # 4/400 → 5/400 = 1.25 → 1.3 (half up)
    muni = html[html.index('id="compare-municipalities"') :]
    assert "Первый район" in muni


def _region(n, tag):
    for i in range(n):
        m = MunicipalityFactory(name=f"{tag} МО {i}", code=f"{tag}{i}")
        f.refstat(m, 2022, teachers_total=100)
        org = OrganizationFactory(municipality=m, short_name=f"{tag} школа {i}")
        p = f.teacher(org)
        f.route(p, entry=f.attempt(p, results={"ict": "high"}), activities=[{"competences": ["ict"]}])


def test_dashboard_query_count_does_not_grow(client, world):
    _region(2, "A")
    compute("2022-Q2")
    login(client, world["operator"])
    url = reverse("monitoring:dashboard") + "?period=2022-Q2"
    client.get(url)
    small = count_queries(lambda: client.get(url))
    _region(6, "B")
    compute("2022-Q2")
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
