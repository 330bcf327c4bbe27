"""API: instruments (list, detail, never a key), statistics (aggregates), results export (scoped,
logged); permission matrix, the OpenAPI schema, query guard."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnppm.models import PersonalDataAccess
from diagnostics.choices import ItemType
from tests.cnppm.factories import PersonFactory
from tests.diagnostics.factories import CompetenceBlockFactory, make_final_attempt, make_instrument
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db
SIGNED_IN = {
    "teacher",
    "other_teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "other_municipal_methodist",
    "expert",
    "regional_methodist",
    "operator",
    "ministry",
    "federal",  # the catalogue of instruments names nobody (issue 10.3)
}


@pytest.fixture
def published(world):
    b1 = CompetenceBlockFactory(code="subject", name="Предметные", order=1)
    instrument = make_instrument(blocks=[b1], variants=4, code="math-entry", title="Математика, входная")
    make_final_attempt(world["teacher"], instrument, {b1: 40})
    make_final_attempt(PersonFactory(organization=world["o3"]), instrument, {b1: 90})
    return instrument


def test_list_and_detail_never_send_keys(client, world, published):
    draft = make_instrument(status="draft", variants=1, types=(ItemType.SINGLE,), code="draft-one")
    login(client, world["teacher"])
    data = client.get("/api/v1/instruments/").json()
    assert [i["code"] for i in data["results"]] == ["math-entry"]
    assert {
        "id": published.blocks.first().pk,
        "code": "subject",
        "name": "Предметные",
        "audience": "teachers",
        "is_scored": True,
    } in data["results"][0]["blocks"]
    detail = client.get(f"/api/v1/instruments/{published.pk}/").json()
    assert detail["variants"] == [] and detail["title"] == "Математика, входная"
    assert client.get(f"/api/v1/instruments/{draft.pk}/").status_code == 404
    login(client, world["operator"])
    codes = {i["code"] for i in client.get("/api/v1/instruments/").json()["results"]}
    assert codes == {"math-entry", "draft-one"}
    detail = client.get(f"/api/v1/instruments/{published.pk}/").json()
    assert len(detail["variants"]) == 4 and len(detail["variants"][0]["items"]) == 7
    body = client.get(f"/api/v1/instruments/{published.pk}/").content.decode()
    assert (
        '"key"' not in body and '"correct"' not in body and '"accepted"' not in body and '"pairs"' not in body
    )


def test_statistics_endpoint(client, world, published):
    login(client, world["municipal_methodist"])
    data = client.get(f"/api/v1/instruments/{published.pk}/statistics/").json()
    assert data["overall"]["participants"] == 1 and data["overall"]["mean"] == "40.0"
    assert data["blocks"][0]["label"] == "Предметные" and data["overall"]["levels"] == {
        "high": 1,
        "medium": 0,
        "minimal": 0,
    }
    login(client, world["ministry"])
    data = client.get(f"/api/v1/instruments/{published.pk}/statistics/").json()
    # Two participants are too few for an aggregate-only viewer: counts without scores.
    assert data["overall"]["participants"] == 2 and data["overall"]["median"] is None
    assert data["overall"]["suppressed"] is True


def test_results_export_json_and_xlsx(client, world, published):
    login(client, world["municipal_methodist"])
    rows = client.get(f"/api/v1/instruments/{published.pk}/results/").json()
    assert [(r["full_name"], r["percent"], r["level"], r["blocks"]) for r in rows] == [
        (world["teacher"].full_name, 40.0, "high", {"subject": 40.0})
    ]
    response = client.get(f"/api/v1/instruments/{published.pk}/results-xlsx/")
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sheet[1][0] == world["teacher"].full_name and sheet[1][9] == 40.0
    logs = list(PersonalDataAccess.objects.values_list("action", "object_type", "records"))
    assert logs == [("export", "diagnostics.results", 1), ("export", "diagnostics.results", 1)]


def test_permission_matrix(client, world, published):
    pk = published.pk
    assert_matrix(client, world, "/api/v1/instruments/", SIGNED_IN)
    assert_matrix(client, world, f"/api/v1/instruments/{pk}/", SIGNED_IN)
    stat_roles = {
        "operator",
        "regional_methodist",
        "municipal_methodist",
        "other_municipal_methodist",
        "school_head",
        "ministry",
    }
    assert_matrix(client, world, f"/api/v1/instruments/{pk}/statistics/", stat_roles)
    export_roles = stat_roles - {"ministry"}
    assert_matrix(client, world, f"/api/v1/instruments/{pk}/results/", export_roles)
    assert_matrix(client, world, f"/api/v1/instruments/{pk}/results-xlsx/", export_roles)


def test_schema_lists_the_endpoints(client, world):
    login(client, world["operator"])
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/instruments/",
        "/api/v1/instruments/{id}/statistics/",
        "/api/v1/instruments/{id}/results/",
        "/api/v1/instruments/{id}/results-xlsx/",
    ):
        assert path in schema


def test_list_query_count(client, world, published):
    login(client, world["operator"])
    client.get("/api/v1/instruments/")
    small = count_queries(lambda: client.get("/api/v1/instruments/"))
    for _ in range(4):
        make_instrument(
            variants=1, types=(ItemType.SINGLE,), blocks=[CompetenceBlockFactory(), CompetenceBlockFactory()]
        )
    assert_same_queries(small, count_queries(lambda: client.get("/api/v1/instruments/")))
    rows = lambda: client.get(f"/api/v1/instruments/{published.pk}/results/")  # noqa: E731
    small = count_queries(rows)
    for _ in range(5):
        make_final_attempt(PersonFactory(organization=world["o1"]), published, {published.blocks.first(): 70})
    assert_same_queries(small, count_queries(rows))
