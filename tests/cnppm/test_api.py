"""The read API of the staff directory: scoping per role, the permission matrix, pagination,
filters, query-count guards, tokens and the OpenAPI schema."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from tests.cnppm.factories import OrganizationFactory, PersonFactory, SubjectFactory, make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

PEOPLE = "/api/v1/people/"

# Who sees the teacher's record (DOMAIN "People and roles"): self, their mentor, curator and tutor,
# the school head, the municipal methodist, the region roles.
SEE_TEACHER = {
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "regional_methodist",
    "operator",
}


@pytest.fixture
def api():
    return APIClient()


def names(response) -> set[str]:
    return {row["last_name"] for row in response.json()["results"]}


def test_people_detail_matrix(client, world):
    assert_matrix(client, world, f"{PEOPLE}{world['teacher'].pk}/", SEE_TEACHER)


def test_people_list_matrix(client, world):
    everyone = {r for r in world if r not in ("m1", "m2", "o1", "o2", "o3", "centre")}
    assert_matrix(client, world, PEOPLE, everyone)


def test_other_teacher_is_a_404_like_a_missing_id(client, world):
    login(client, world["teacher"])
    outside = client.get(f"{PEOPLE}{world['other_teacher'].pk}/")
    missing = client.get(f"{PEOPLE}999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


@pytest.mark.parametrize(
    "role,expected",
    [
        ("teacher", {"teacher"}),
        ("curator", {"curator", "teacher"}),
        ("school_head", {"teacher", "mentor", "school_head"}),
        (
            "municipal_methodist",
            {
                "teacher",
                "mentor",
                "school_head",
                "municipal_methodist",
                "curator",
                "tutor",
                "expert",
                "regional_methodist",
                "operator",
                "ministry",
                "federal",
            },
        ),
        ("other_municipal_methodist", {"other_teacher", "other_municipal_methodist"}),
        ("ministry", set()),
        ("expert", {"expert"}),
    ],
)
def test_people_list_is_scoped(client, world, role, expected):
    login(client, world[role])
    response = client.get(PEOPLE, {"page_size": 100})
    assert response.status_code == 200
    assert names(response) == {world[r].last_name for r in expected}


def test_operator_sees_the_region_paginated(client, world):
    login(client, world["operator"])
    body = client.get(PEOPLE).json()
    assert body["count"] == 13 and len(body["results"]) == 13 and body["next"] is None
    OrganizationFactory.reset_sequence(100)
    for _ in range(45):
        PersonFactory(organization=world["o2"], user=None, email="")
    body = client.get(PEOPLE).json()
    assert body["count"] == 58 and len(body["results"]) == 50 and body["next"].endswith("?page=2")
    assert len(client.get(body["next"]).json()["results"]) == 8
    small = client.get(PEOPLE, {"page_size": 5}).json()
    assert len(small["results"]) == 5 and "page_size=5" in small["next"]
    assert len(client.get(PEOPLE, {"page_size": 5000}).json()["results"]) == 58  # capped at 1 000


def test_ministry_gets_municipalities_and_organizations_but_no_people(client, world):
    login(client, world["ministry"])
    munis = client.get("/api/v1/municipalities/").json()
    assert {m["name"] for m in munis["results"]} == {"Первый район", "Второй район"}
    orgs = client.get("/api/v1/organizations/").json()
    assert {o["short_name"] for o in orgs["results"]} == {
        "Школа 1",
        "Школа 2",
        "Школа 3",
        "ЦНППМ",
        "Минпросвещения России",
    }
    assert client.get(PEOPLE).json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get(f"{PEOPLE}{world['ministry'].pk}/").status_code == 404


def test_teacher_sees_own_organization_only(client, world):
    login(client, world["teacher"])
    assert client.get("/api/v1/municipalities/").json()["count"] == 0
    assert [o["short_name"] for o in client.get("/api/v1/organizations/").json()["results"]] == ["Школа 1"]
    assert client.get(f"/api/v1/organizations/{world['o3'].pk}/").status_code == 404


def test_person_detail_fields_and_log(client, world):
    teacher = world["teacher"]
    physics = SubjectFactory(code="physics", name="физика")
    teacher.subjects.add(physics)
    login(client, world["school_head"])
    body = client.get(f"{PEOPLE}{teacher.pk}/").json()
    assert body["full_name"] == teacher.full_name
    assert body["organization_name"] == "Школа 1" and body["municipality_name"] == "Первый район"
    assert body["subjects"] == ["physics"] and body["roles"] == ["teacher"]
    assert body["experience_band"] == "6_20" and body["qualification_category"] == "first"
    log = PersonalDataAccess.objects.get(action="view")
    assert (log.actor, log.object_id, log.object_type) == (
        world["school_head"].user,
        str(teacher.pk),
        "person",
    )
    client.get(PEOPLE)
    # the list names whom it showed; the school head's own row is not a read of another's data
    listed = PersonalDataAccess.objects.get(action="list")
    assert listed.records == 2 and set(listed.person_ids) == {teacher.pk, world["mentor"].pk}


def test_people_filters(client, world):
    physics = SubjectFactory(code="physics", name="физика")
    world["teacher"].subjects.add(physics)
    login(client, world["operator"])
    assert names(client.get(PEOPLE, {"municipality": world["m2"].pk})) == {
        world["other_teacher"].last_name,
        world["other_municipal_methodist"].last_name,
    }
    assert names(client.get(PEOPLE, {"organization": world["o1"].pk, "role": Role.MENTOR})) == {
        world["mentor"].last_name
    }
    assert names(client.get(PEOPLE, {"subject": "physics"})) == {world["teacher"].last_name}
    assert names(client.get(PEOPLE, {"search": world["tutor"].last_name})) == {world["tutor"].last_name}
    assert client.get(PEOPLE, {"role": "wizard"}).status_code == 400
    orgs = client.get("/api/v1/organizations/", {"municipality": world["m1"].pk, "kind": "centre"}).json()
    assert [o["short_name"] for o in orgs["results"]] == ["ЦНППМ"]


def _people_list_queries(client, world, extra: int):
    subject = SubjectFactory(code="physics", name="физика")
    for i in range(extra):
        p = make_person(Role.TEACHER, organization=world["o2"], username=f"extra{extra}_{i}")
        p.subjects.add(subject)
    login(client, world["operator"])
    client.get(PEOPLE)  # warm the session and the content types
    return count_queries(lambda: client.get(PEOPLE))


def test_people_list_query_count_does_not_grow(client, world):
    small = _people_list_queries(client, world, 2)
    large = _people_list_queries(client, world, 30)
    assert_same_queries(small, large)


def test_organizations_list_query_count_does_not_grow(client, world):
    login(client, world["operator"])
    client.get("/api/v1/organizations/")
    small = count_queries(lambda: client.get("/api/v1/organizations/"))
    for _ in range(25):
        OrganizationFactory(municipality=world["m2"])
    large = count_queries(lambda: client.get("/api/v1/organizations/"))
    assert_same_queries(small, large)


def test_token_endpoint_and_token_auth(api, world):
    bad = api.post("/api/v1/auth/token/", {"username": "operator", "password": "wrong"}, format="json")
    assert bad.status_code in (401, 403) and bad.json()["detail"] == "Неверное имя пользователя или пароль."
    ok = api.post("/api/v1/auth/token/", {"username": "operator", "password": "test-pass-123"}, format="json")
    token = ok.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(PEOPLE).json()["count"] == 13
    again = APIClient().post(
        "/api/v1/auth/token/", {"username": "operator", "password": "test-pass-123"}, format="json"
    )
    # Several tokens per user (one per integration), each working on its own.
    assert again.json()["token"] != token and again.json()["expires_at"]
    assert api.get(PEOPLE).status_code == 200


def test_token_refused_while_issued_password_must_be_changed(api, world):
    user = world["teacher"].user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = api.post(
        "/api/v1/auth/token/", {"username": "teacher", "password": "test-pass-123"}, format="json"
    )
    assert response.status_code == 403 and "Смените выданный пароль" in response.json()["detail"]


def test_anonymous_is_refused(api, db):
    assert api.get(PEOPLE).status_code in (401, 403)
    assert api.get("/api/v1/organizations/").status_code in (401, 403)


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/people/{id}/" in text and "/api/v1/auth/token/" in text


def test_schema_and_docs_pages(client, world):
    login(client, world["operator"])
    assert client.get(reverse("api-schema")).status_code == 200
    assert "swagger" in client.get(reverse("api-docs")).content.decode().lower()
