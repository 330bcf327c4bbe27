"""The balancing proposal in the API (issue 10.4): `GET /api/v1/assignments/balance/` answers the very
proposal the balancing page shows (the same service, the same filters), so a client reviews it and
then applies the pairs it keeps with `POST` to the same address. Operators only, scoped to their
region, logged as the page's read is, and its queries do not grow with the participants."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cnppm.choices import Role, SupportRole
from cnppm.models import PersonalDataAccess, RoleAssignment, SupportAssignment
from routes.services.assignment import support_balance_propose
from tests.cnppm.factories import SubjectFactory, make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db

URL = "/api/v1/assignments/balance/"


@pytest.fixture
def pool(world, settings):
    """Two maths curators at a norm of 3, five maths teachers and one teacher without a subject."""
    settings.SUPPORT_NORM = 3
    math = SubjectFactory(code="math", name="Математика", order=1)
    curators = []
    for name in ("Аникина", "Борисова"):
        c = make_person(Role.CURATOR, organization=world["centre"], last_name=name)
        RoleAssignment.objects.get(person=c, role=Role.CURATOR).subjects.add(math)
        curators.append(c)
    teachers = []
    for i in range(5):
        t = make_person(Role.TEACHER, organization=world["o1"], last_name=f"Балансова{i}")
        t.subjects.add(math)
        teachers.append(t)
    nobody = make_person(Role.TEACHER, organization=world["o1"], last_name="Беспредметная")
    return {"math": math, "curators": curators, "teachers": teachers, "nobody": nobody}


def _api(person) -> APIClient:
    api = APIClient()
    login(api, person)
    return api


def test_proposal_is_the_pages_and_applies_as_reviewed(client, world, pool):
    api = _api(world["operator"])
    response = api.get(URL, {"role": "curator"})
    assert response.status_code == 200, response.content
    body = response.json()
    proposal = support_balance_propose(actor=world["operator"].user, role=SupportRole.CURATOR)
    assert body["role"] == "curator" and body["norm"] == 3 and body["participants"] == proposal.participants
    assert [(p["person"], p["supporter"], p["subject"]) for p in body["pairs"]] == [
        (p.person_id, p.supporter_id, p.subject_id) for p in proposal.pairs
    ]
    assert len(body["pairs"]) == 5 and {p["subject_name"] for p in body["pairs"]} == {"Математика"}
    unplaced = {u["person"]: u["reason"] for u in body["unplaced"]}
    assert unplaced[pool["nobody"].pk] == "У педагога не указаны предметные области."
    loads = {row["supporter"]: row for row in body["loads"]}
    assert {loads[c.pk]["after"] for c in pool["curators"]} == {2, 3}
    assert all(not row["over_norm"] for row in body["loads"])
    # The page shows the same pairs: each proposed teacher with the proposed curator.
    login(client, world["operator"])
    page = client.get(reverse("routes:balance"), {"propose": "1", "role": "curator"}).content.decode()
    for pair in body["pairs"]:
        assert f"{pair['person']}:{pair['supporter']}:{pair['subject']}" in page
    assert SupportAssignment.objects.filter(supporter__in=pool["curators"]).count() == 0  # GET writes nothing

    # Reviewed: the client leaves one teacher out and applies the rest as proposed.
    kept = [{k: p[k] for k in ("person", "supporter", "subject")} for p in body["pairs"][1:]]
    response = api.post(URL, {"role": "curator", "pairs": kept}, format="json")
    assert response.status_code == 200 and response.json() == {"assigned": 4}
    assert (
        SupportAssignment.objects.filter(supporter__in=pool["curators"], ended_at__isnull=True).count() == 4
    )
    again = api.get(URL, {"role": "curator"}).json()
    assert [p["person"] for p in again["pairs"]] == [body["pairs"][0]["person"]]


def test_filters_and_refusals_are_the_pages(world, pool):
    api = _api(world["operator"])
    body = api.get(URL, {"role": "curator", "organization": world["o2"].pk}).json()
    listed = {p["person"] for p in body["pairs"]} | {u["person"] for u in body["unplaced"]}
    assert not listed & {t.pk for t in pool["teachers"]}  # the school's teachers are filtered out
    response = api.get(URL, {"role": "mentor"})
    assert response.status_code == 400 and response.json()["detail"] == (
        "Балансировка выполняется для кураторов и тьюторов; наставника назначает школа приказом."
    )
    response = api.get(URL, {"role": "boss"})
    assert response.status_code == 400 and "role" in response.json()
    response = api.get(URL, {"municipality": "abc"})
    assert response.status_code == 400 and response.json()["municipality"] == ["Укажите целое число (id)."]
    # Without a role: curators, as on the page.
    assert api.get(URL).json()["role"] == "curator"


def test_proposal_matrix(client, world, pool):
    assert_matrix(client, world, URL, {"operator"})
    assert_matrix(client, world, URL + "?role=tutor", {"operator"})


def test_proposal_read_is_logged_like_the_pages(world, pool):
    api = _api(world["operator"])
    body = api.get(URL, {"role": "curator"}).json()
    row = PersonalDataAccess.objects.filter(actor=world["operator"].user).latest("pk")
    assert row.object_type == "support_balance" and row.records == body["participants"]
    assert {t.pk for t in pool["teachers"]} | {pool["nobody"].pk} <= set(row.person_ids)


def test_proposal_queries_do_not_grow_with_participants(world, pool):
    api = _api(world["operator"])
    api.get(URL, {"role": "curator"})  # the session's first request checks consent and saves the session
    small = count_queries(lambda: api.get(URL, {"role": "curator"}))
    for i in range(5):
        t = make_person(Role.TEACHER, organization=world["o2"], last_name=f"Добавленная{i}")
        t.subjects.add(pool["math"])
    large = count_queries(lambda: api.get(URL, {"role": "curator"}))
    assert_same_queries(small, large)


def test_region2_operator_sees_only_region2(two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    math = SubjectFactory(code="math2", name="Математика")
    for region in (r1, r2):
        c = make_person(Role.CURATOR, organization=region["centre"], last_name="Куратор")
        RoleAssignment.objects.get(person=c, role=Role.CURATOR).subjects.add(math)
        region["balance_curator"] = c
        t = make_person(Role.TEACHER, organization=region["o1"], last_name="Без куратора")
        t.subjects.add(math)
        region["balance_teacher"] = t
    body = _api(r2["operator"]).get(URL, {"role": "curator"}).json()
    people = {p["person"] for p in body["pairs"]} | {u["person"] for u in body["unplaced"]}
    supporters = {row["supporter"] for row in body["loads"]}
    assert r2["balance_teacher"].pk in people and r1["balance_teacher"].pk not in people
    assert r2["balance_curator"].pk in supporters and r1["balance_curator"].pk not in supporters
    assert not {p.pk for p in (r1["teacher"], r1["other_teacher"])} & people
    # Naming region 1's municipality filters to nobody rather than reaching across.
    body = _api(r2["operator"]).get(URL, {"role": "curator", "municipality": r1["m1"].pk}).json()
    assert body["pairs"] == [] and body["unplaced"] == []
