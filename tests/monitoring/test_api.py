import pytest

from monitoring.models import ComputationRun
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


def test_api_matrix(client, monitored):
    assert_matrix(client, monitored, "/api/v1/monitoring/indicators/", DASHBOARD)
    assert_matrix(client, monitored, "/api/v1/monitoring/snapshots/", DASHBOARD)
    assert_matrix(client, monitored, "/api/v1/monitoring/runs/", {"operator"})
    run = ComputationRun.objects.first()
    assert_matrix(client, monitored, f"/api/v1/monitoring/runs/{run.pk}/", {"operator"})


def test_indicators_with_plans(client, monitored):
    from monitoring.models import IndicatorDefinition, IndicatorPlan

    IndicatorPlan.objects.create(
        region=monitored["m1"].region,
        indicator=IndicatorDefinition.objects.get(code="IOM_SHARE"),
        year=2022,
        value=5,
    )
    login(client, monitored["ministry"])
    data = client.get("/api/v1/monitoring/indicators/").json()
    by_code = {d["code"]: d for d in data}
    assert len(data) == 9
    assert by_code["F2"]["formula_text"] == "F₂ = B₂ / C₂ · 100 %"
    assert by_code["IOM_SHARE"]["plans"][0]["value"] == "5.00"


def test_snapshots_filtered_and_scoped(client, monitored):
    login(client, monitored["operator"])
    data = client.get(
        "/api/v1/monitoring/snapshots/?period=2022-Q2&indicator=F2&scope_level=region&cumulative=true"
    ).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert (row["numerator"], row["denominator"], row["value"]) == ("4.00", "6.00", "66.7000")
    login(client, monitored["municipal_methodist"])
    data = client.get("/api/v1/monitoring/snapshots/?period=2022-Q2&indicator=F2&cumulative=true").json()
    levels = {(r["scope_level"], r["municipality_name"]) for r in data["results"]}
    assert levels == {("municipality", "Первый район"), ("organization", "Первый район")}
    login(client, monitored["school_head"])
    data = client.get("/api/v1/monitoring/snapshots/?period=2022-Q2&indicator=F2&cumulative=true").json()
    assert {(r["scope_level"], r["organization_name"]) for r in data["results"]} == {
        ("organization", "Школа 1")
    }


def test_request_run_and_refusals(client, monitored, django_capture_on_commit_callbacks):
    login(client, monitored["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/monitoring/runs/", {"period": "2022-Q3"}, content_type="application/json"
        )
    assert response.status_code == 202
    run = client.get(f"/api/v1/monitoring/runs/{response.json()['id']}/").json()
    assert run["status"] == "done" and run["progress"] == 100 and run["period"] == "2022-Q3"
    bad = client.post("/api/v1/monitoring/runs/", {"period": "2022-Q7"}, content_type="application/json")
    assert bad.status_code == 400 and "Неверный код периода" in bad.json()["detail"]


def test_schema_lists_endpoints(client, monitored):
    login(client, monitored["operator"])
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/monitoring/indicators/",
        "/api/v1/monitoring/snapshots/",
        "/api/v1/monitoring/runs/",
    ):
        assert path in schema


def test_snapshot_list_query_count(client, world):
    from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory

    def grow(n, tag):
        for i in range(n):
            m = MunicipalityFactory(name=f"{tag}{i}", code=f"{tag}{i}")
            p = f.teacher(OrganizationFactory(municipality=m))
            f.route(p, entry=f.attempt(p))

    grow(2, "A")
    compute("2022-Q2")
    login(client, world["operator"])
    url = "/api/v1/monitoring/snapshots/?period=2022-Q2"
    client.get(url)
    small = count_queries(lambda: client.get(url))
    grow(4, "B")
    compute("2022-Q2")
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
