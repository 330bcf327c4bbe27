"""The assignment API: scoped lists, create and end for operators (mentors also by school heads),
Russian refusals as 400, caseload and pool endpoints, the OpenAPI schema."""

import pytest

from cnppm.choices import Role, SupportRole
from cnppm.models import RoleAssignment, SupportAssignment
from tests.cnppm.factories import SubjectFactory, make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

URL = "/api/v1/assignments/"


@pytest.fixture
def curator2(world):
    math = SubjectFactory(code="math", name="Математика")
    world["teacher"].subjects.add(math)
    c = make_person(Role.CURATOR, organization=world["centre"], last_name="Кураторова")
    RoleAssignment.objects.get(person=c, role=Role.CURATOR).subjects.add(math)
    return c


def test_list_is_scoped(client, world):
    login(client, world["teacher"])
    data = client.get(URL).json()
    assert {r["role"] for r in data["results"]} == {"curator", "tutor", "mentor"}
    assert all(r["person"]["id"] == world["teacher"].pk for r in data["results"])
    login(client, world["other_municipal_methodist"])
    assert client.get(URL).json()["count"] == 0
    login(client, world["ministry"])
    assert client.get(URL).json()["count"] == 0
    login(client, world["operator"])
    rows = client.get(URL, {"role": "mentor"}).json()["results"]
    assert [(r["supporter"]["full_name"], r["order_number"]) for r in rows] == [
        (world["mentor"].full_name, "15-о")
    ]


def test_detail_matrix(client, world):
    a = SupportAssignment.objects.get(person=world["teacher"], role=SupportRole.CURATOR)
    allowed = {
        "teacher",
        "mentor",
        "curator",
        "tutor",
        "school_head",
        "municipal_methodist",
        "regional_methodist",
        "operator",
    }
    assert_matrix(client, world, f"{URL}{a.pk}/", allowed)


def test_create_reassigns_and_refuses_in_russian(client, world, curator2):
    login(client, world["operator"])
    response = client.post(
        URL,
        {"person": world["teacher"].pk, "supporter": curator2.pk, "role": "curator"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["supporter"]["full_name"] == curator2.full_name and body["subject"] == "Математика"
    assert SupportAssignment.objects.filter(person=world["teacher"], role="curator").count() == 2
    again = client.post(
        URL,
        {"person": world["teacher"].pk, "supporter": curator2.pk, "role": "curator"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "уже закреплён" in again.json()["detail"]
    stranger = make_person(Role.MENTOR, organization=world["o2"])
    refused = client.post(
        URL,
        {
            "person": world["teacher"].pk,
            "supporter": stranger.pk,
            "role": "mentor",
            "order_number": "1",
            "order_date": "2025-09-01",
        },
        content_type="application/json",
    )
    assert (
        refused.status_code == 400
        and "Наставник должен работать в той же организации" in refused.json()["detail"]
    )


def test_create_and_end_are_for_operators_and_heads(client, world, curator2):
    body = {"person": world["teacher"].pk, "supporter": curator2.pk, "role": "curator"}
    for role in ("teacher", "curator", "municipal_methodist", "regional_methodist", "ministry"):
        login(client, world[role])
        assert client.post(URL, body, content_type="application/json").status_code == 404, role
    client.logout()
    assert client.post(URL, body, content_type="application/json").status_code in (401, 403)
    # A school head may not assign curators (400 from the service, in Russian).
    login(client, world["school_head"])
    r = client.post(URL, body, content_type="application/json")
    assert r.status_code == 400 and "оператор ЦНППМ" in r.json()["detail"]
    # Outside the head's school the participant does not exist.
    r = client.post(
        URL, {**body, "person": world["other_teacher"].pk, "role": "mentor"}, content_type="application/json"
    )
    assert r.status_code == 404


def test_end(client, world):
    a = SupportAssignment.objects.get(person=world["teacher"], role=SupportRole.TUTOR)
    login(client, world["operator"])
    r = client.post(f"{URL}{a.pk}/end/", {"comment": "договор ГПХ завершён"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = client.post(f"{URL}{a.pk}/end/", {}, content_type="application/json")
    assert r.status_code == 400 and "уже завершено" in r.json()["detail"]
    login(client, world["other_municipal_methodist"])
    assert client.post(f"{URL}{a.pk}/end/", {}, content_type="application/json").status_code == 404


def test_caseload_and_pool_endpoints(client, world):
    assert_matrix(client, world, "/api/v1/caseload/", {"mentor", "curator", "tutor"})
    assert_matrix(client, world, "/api/v1/support-pool/?role=curator", {"operator", "regional_methodist"})
    login(client, world["mentor"])
    rows = client.get("/api/v1/caseload/").json()
    assert [(r["person"]["full_name"], r["role"], r["route"], r["flags"]) for r in rows] == [
        (world["teacher"].full_name, "mentor", None, ["ИОМ не создан"])
    ]
    login(client, world["operator"])
    pool = client.get("/api/v1/support-pool/?role=tutor").json()
    assert [(p["full_name"], p["load"], p["norm"], p["over_norm"]) for p in pool] == [
        (world["tutor"].full_name, 1, 200, False)
    ]


def test_list_query_guard(client, world):
    login(client, world["operator"])
    client.get(URL)
    small = count_queries(lambda: client.get(URL))
    from tests.cnppm.factories import assign_support

    for i in range(12):
        t = make_person(Role.TEACHER, organization=world["o2"], last_name=f"Доп{i}")
        assign_support(t, world["tutor"], SupportRole.TUTOR)
    large = count_queries(lambda: client.get(URL))
    assert_same_queries(small, large)


def test_schema_lists_endpoints(client, world):
    login(client, world["operator"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/end/",
        "/api/v1/caseload/",
        "/api/v1/support-pool/",
    ):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/assignments/"]
