"""Directory pages: people, a person, organizations. Scope, the permission matrix, query
guards and the personal-data access log."""

import re

import pytest

from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from tests.cnppm.factories import OrganizationFactory, make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db

PEOPLE_LIST = {
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "other_municipal_methodist",
    "regional_methodist",
    "operator",
}
ORGANIZATIONS = {
    "school_head",
    "municipal_methodist",
    "other_municipal_methodist",
    "regional_methodist",
    "operator",
    "ministry",
}


def test_people_list_matrix(client, world):
    assert_matrix(client, world, "/people/", PEOPLE_LIST)


def test_person_detail_matrix_for_a_teacher_and_for_a_teacher_elsewhere(client, world):
    assert_matrix(
        client,
        world,
        f"/people/{world['teacher'].pk}/",
        {
            "teacher",
            "mentor",
            "curator",
            "tutor",
            "school_head",
            "municipal_methodist",
            "regional_methodist",
            "operator",
        },
    )
    assert_matrix(
        client,
        world,
        f"/people/{world['other_teacher'].pk}/",
        {"other_teacher", "other_municipal_methodist", "regional_methodist", "operator"},
    )


def test_organizations_matrix(client, world):
    assert_matrix(client, world, "/organizations/", ORGANIZATIONS)


def _unmasked(content: bytes) -> bytes:
    return re.sub(rb'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', b"TOKEN", content)


def test_another_persons_record_is_404_like_a_missing_id(client, world):
    login(client, world["teacher"])
    foreign = client.get(f"/people/{world['other_teacher'].pk}/")
    missing = client.get("/people/999999/")
    assert foreign.status_code == missing.status_code == 404
    # Same page, byte for byte, but for the CSRF token, which is masked anew on every render.
    assert _unmasked(foreign.content) == _unmasked(missing.content)
    assert not PersonalDataAccess.objects.filter(object_id=str(world["other_teacher"].pk)).exists()


def test_people_list_shows_only_the_scope(client, world):
    login(client, world["municipal_methodist"])
    html = client.get("/people/").content.decode()
    assert world["teacher"].full_name in html
    assert world["other_teacher"].full_name not in html
    assert "Школа 3" not in html

    login(client, world["school_head"])
    html = client.get("/people/").content.decode()
    # school O1: teacher, mentor, school head
    assert "Найдено: 3" in html

    login(client, world["curator"])
    html = client.get("/people/").content.decode()
    assert world["teacher"].full_name in html and "Найдено: 2" in html  # the teacher and the curator


def test_people_list_filters(client, world):
    login(client, world["operator"])
    html = client.get("/people/", {"q": world["other_teacher"].last_name}).content.decode()
    assert "Найдено: 1" in html and world["other_teacher"].full_name in html
    html = client.get("/people/", {"role": Role.MUNICIPAL_METHODIST}).content.decode()
    assert "Найдено: 2" in html
    html = client.get("/people/", {"municipality": world["m2"].pk}).content.decode()
    assert "Найдено: 2" in html  # other teacher and the other municipal methodist
    html = client.get("/people/", {"organization": world["o1"].pk}).content.decode()
    assert "Найдено: 3" in html
    html = client.get("/people/", {"municipality": "не-число", "role": "хакер"}).content.decode()
    assert "Найдено: 13" in html


def test_person_detail_shows_the_profile_and_support(client, world):
    login(client, world["school_head"])
    html = client.get(f"/people/{world['teacher'].pk}/").content.decode()
    assert world["teacher"].full_name in html
    assert "Квалификационная категория" in html and "первая" in html
    assert "Наставник: " in html and "приказ № 15-о" in html


def test_organizations_list_content(client, world):
    login(client, world["ministry"])
    html = client.get("/organizations/").content.decode()
    for name in ("Школа 1", "Школа 2", "Школа 3", "ЦНППМ", "Минпросвещения России"):
        assert name in html
    assert "Найдено: 5" in html
    # the ministry sees counts, no links to person lists
    assert "?organization=" not in html

    login(client, world["municipal_methodist"])
    html = client.get("/organizations/").content.decode()
    assert "Школа 3" not in html and "Найдено: 4" in html
    assert f'href="/people/?organization={world["o1"].pk}"' in html
    html = client.get("/organizations/", {"q": "Школа 2"}).content.decode()
    assert "Найдено: 1" in html


def test_personal_data_access_is_logged(client, world):
    login(client, world["operator"])
    client.get("/people/", {"q": "Иванов"})
    row = PersonalDataAccess.objects.get(action="list")
    assert row.actor == world["operator"].user and row.object_type == "person"
    # whom the page showed, the operator's own row aside (cnppm.readlog)
    assert (
        row.records == 12 == len(row.person_ids)
        and row.path == "/people/?q=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2"
    )
    client.get(f"/people/{world['teacher'].pk}/")
    row = PersonalDataAccess.objects.get(action="view")
    assert row.object_id == str(world["teacher"].pk) and row.records == 1


def _populate(world, n):
    orgs = [OrganizationFactory(municipality=world["m1"]) for _ in range(max(1, n // 10))]
    for i in range(n):
        person = make_person(Role.TEACHER, organization=orgs[i % len(orgs)])
        person.subjects.create(code=f"s{n}-{i}", name=f"Предмет {n}-{i}")


@pytest.mark.parametrize("url", ["/people/", "/organizations/"])
def test_list_query_count_does_not_grow(client, world, url):
    login(client, world["operator"])
    client.get(url)  # warm the session (time zone cached at the first request)
    _populate(world, 10)
    small = count_queries(lambda: client.get(url))
    _populate(world, 50)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
    html = client.get(url).content.decode()
    assert ("Найдено: 73" if url == "/people/" else "Найдено: 11") in html
