"""A supporter's caseload: their participants with each route's status and flags; the count of
queries does not grow with the caseload (200 routes as 5)."""

import pytest
from django.urls import reverse

from cnppm.choices import Role, SupportRole
from routes.choices import RouteStatus
from tests.cnppm.factories import assign_support, make_person
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login
from tests.routes.factories import CorrectionFactory, make_route, teacher_blocks


def add_participants(world, n, *, start=0):
    blocks = teacher_blocks()
    for i in range(start, start + n):
        t = make_person(Role.TEACHER, organization=world["o2"], last_name=f"Педагог{i:03d}")
        assign_support(t, world["curator"], SupportRole.CURATOR)
        make_route(t, results={blocks[0]: 45, blocks[1]: 85}, status=RouteStatus.SUBMITTED, actor=t.user)


def test_caseload_shows_status_and_flags(client, world):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40, blocks[1]: 70, blocks[2]: 95})
    from routes.models import Route

    Route.objects.filter(pk=route.pk).update(status=RouteStatus.RETURNED)
    CorrectionFactory(route=route)
    lonely = make_person(Role.TEACHER, organization=world["o2"], last_name="Безмаршрутов")
    assign_support(lonely, world["curator"], SupportRole.CURATOR)
    login(client, world["curator"])
    text = client.get(reverse("routes:caseload")).content.decode()
    assert "Мои педагоги" in text
    assert "Педагогов: <strong>2</strong>" in text
    assert "Куратор: 2 из 200" in text
    assert world["teacher"].full_name in text and "Безмаршрутов" in text
    assert "возвращён на доработку" in text
    assert "не покрыто дефицитов: 2" in text  # 40 % and 70 % blocks, no activities
    assert "корректировка не подтверждена педагогом" in text
    assert "ИОМ не создан" in text
    assert world["other_teacher"].full_name not in text


def test_caseload_over_norm_warning(client, world, settings):
    settings.SUPPORT_NORM = 1
    lonely = make_person(Role.TEACHER, organization=world["o2"])
    assign_support(lonely, world["curator"], SupportRole.CURATOR)
    login(client, world["curator"])
    text = client.get(reverse("routes:caseload")).content.decode()
    assert "Нагрузка (куратор) — 2 педагога, выше нормы 1." in text


def test_caseload_matrix(client, world):
    assert_matrix(client, world, reverse("routes:caseload"), {"mentor", "curator", "tutor"})
    assert_matrix(
        client,
        world,
        reverse("routes:supporter_caseload", args=[world["curator"].pk]),
        {"operator", "regional_methodist"},
    )


def test_pool_page_shows_load_against_norm(client, world, settings):
    settings.SUPPORT_NORM = 2
    add_participants(world, 2)
    login(client, world["operator"])
    text = client.get(reverse("routes:caseloads") + "?role=curator").content.decode()
    assert world["curator"].full_name in text
    assert "3 из 2" in text and "150 %" in text and "выше нормы" in text
    assert "Нагрузка выше нормы: 1 сопровождающий." in text


@pytest.mark.django_db
def test_caseload_query_guard_5_vs_200(client, world):
    add_participants(world, 4)  # + the world's teacher without a route = 5
    login(client, world["curator"])
    url = reverse("routes:caseload")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    add_participants(world, 195, start=4)
    response = client.get(url)
    assert "Педагогов: <strong>200</strong>" in response.content.decode()
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)


def test_caseload_filtered_by_route_status(client, world):
    add_participants(world, 2)  # two submitted routes; the world's teacher has none
    login(client, world["curator"])
    url = reverse("routes:caseload")
    all_rows = client.get(url).content.decode()
    assert 'id="status"' in all_rows and all_rows.count("Педагог00") == 2
    html = client.get(url, {"status": RouteStatus.SUBMITTED}).content.decode()
    assert "Педагог000" in html and "Педагог001" in html and world["teacher"].full_name not in html
    assert f'<option value="{RouteStatus.SUBMITTED}" selected>' in html
    # The summary still counts the whole caseload.
    assert "Педагогов: <strong>3</strong>" in html
    html = client.get(url, {"status": "none"}).content.decode()
    assert world["teacher"].full_name in html and "Педагог000" not in html
    html = client.get(url, {"status": RouteStatus.COMPLETED}).content.decode()
    assert "Педагогов с таким статусом ИОМ нет." in html
    # An unknown status shows everything; filtering costs no query.
    assert client.get(url, {"status": "хакер"}).content.decode().count("Педагог00") == 2
    assert_same_queries(
        count_queries(lambda: client.get(url)), count_queries(lambda: client.get(url, {"status": "none"}))
    )


def test_api_caseload_query_guard(client, world):
    add_participants(world, 3)
    login(client, world["curator"])
    url = "/api/v1/caseload/"
    assert len(client.get(url).json()) == 4
    small = count_queries(lambda: client.get(url))
    add_participants(world, 20, start=3)
    rows = client.get(url).json()
    assert len(rows) == 24 and {r["route"]["status"] for r in rows if r["route"]} == {"submitted"}
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
