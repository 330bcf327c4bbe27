"""Reference input and periods in the API (issue 10.4): the same forms and services as the pages,
the same scope; permission matrix; query-count guards on the lists."""

import pytest

from cnppm.models import OrganizationYearFact, ReferenceStatistic
from monitoring.models import IndicatorDefinition, IndicatorPlan, RegionalEvent
from tests.cnppm.factories import MunicipalityFactory
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.monitoring.conftest import compute

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_matrix(client, world):
    for url in (
        "/api/v1/monitoring/reference/statistics/",
        "/api/v1/monitoring/reference/events/",
        "/api/v1/monitoring/reference/plans/",
        "/api/v1/monitoring/periods/",
    ):
        assert_matrix(client, world, url, {"operator"})
    assert_matrix(
        client,
        world,
        "/api/v1/monitoring/reference/organizations/",
        {"operator", "municipal_methodist", "other_municipal_methodist"},
    )


def test_statistics_saved_through_the_page_form(client, world):
    login(client, world["operator"])
    url = "/api/v1/monitoring/reference/statistics/"
    response = client.post(url, {"municipality": world["m1"].pk, "year": 2022, "teachers_total": 10851}, JSON)
    assert response.status_code == 201, response.content
    assert (
        response.json()["municipality_name"] == "Первый район" and response.json()["teachers_total"] == 10851
    )
    stat = ReferenceStatistic.objects.get(municipality=world["m1"], year=2022)
    assert stat.entered_by == world["operator"].user
    response = client.post(url, {"municipality": world["m1"].pk, "year": 1999}, JSON)
    assert response.status_code == 400 and "year" in response.json()
    response = client.post(url, {"municipality": world["m1"].pk, "year": 2023, "teachers_total": -1}, JSON)
    assert response.status_code == 400 and ReferenceStatistic.objects.count() == 1
    # the list: one query set whatever the number of rows
    small = count_queries(lambda: client.get(url))
    for i in range(5):
        ReferenceStatistic.objects.create(municipality=MunicipalityFactory(code=f"X{i}"), year=2022)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)


def test_org_facts_events_plans(client, world):
    login(client, world["municipal_methodist"])
    url = "/api/v1/monitoring/reference/organizations/"
    response = client.post(
        url, {"organization": world["o1"].pk, "year": 2022, "implements_mentoring": True}, JSON
    )
    assert response.status_code == 201 and OrganizationYearFact.objects.get().implements_mentoring is True
    # a school of another municipality is not among the choices: the form's own refusal
    response = client.post(url, {"organization": world["o3"].pk, "year": 2022}, JSON)
    assert response.status_code == 400 and "organization" in response.json()
    login(client, world["operator"])
    url = "/api/v1/monitoring/reference/events/"
    data = {"title": "Региональная конференция", "held_on": "2022-05-20", "participants": 120}
    response = client.post(url, data, JSON)
    assert response.status_code == 201 and RegionalEvent.objects.get().participants == 120
    pk = response.json()["id"]
    assert [e["title"] for e in client.get(url).json()["results"]] == ["Региональная конференция"]
    assert client.delete(f"{url}{pk}/").status_code == 204 and not RegionalEvent.objects.exists()
    # beyond the database's integer: a 400 that says so, not a server error (schemathesis found it)
    response = client.post(url, {**data, "participants": 10**12}, JSON)
    assert response.status_code == 400 and "participants" in response.json()
    indicator = IndicatorDefinition.objects.order_by("order").first()
    url = "/api/v1/monitoring/reference/plans/"
    response = client.post(url, {"indicator": indicator.pk, "year": 2022, "value": "9,5"}, JSON)
    assert response.status_code == 201 and IndicatorPlan.objects.get().value == pytest.approx(9.5)
    response = client.post(url, {"indicator": indicator.pk, "year": 2022, "value": "много"}, JSON)
    assert response.status_code == 400
    assert response.json()["detail"] == "Плановое значение должно быть числом, например 5 или 9,5."


def test_period_close_and_reopen(client, world):
    period = compute("2022-Q2", actor=world["operator"].user)
    login(client, world["operator"])
    response = client.post(f"/api/v1/monitoring/periods/{period.pk}/close/")
    assert response.status_code == 200 and response.json()["is_closed"] is True
    response = client.post(f"/api/v1/monitoring/periods/{period.pk}/reopen/", {"reason": ""}, JSON)
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        f"/api/v1/monitoring/periods/{period.pk}/reopen/", {"reason": "Уточнены данные"}, JSON
    )
    assert response.status_code == 200 and response.json()["is_closed"] is False
    assert_matrix(
        client, world, f"/api/v1/monitoring/periods/{period.pk}/close/", {"operator"}, method="post"
    )
