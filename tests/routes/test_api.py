"""The routes API: scoped lists, the workflow through the API, errors in Russian, the schema."""

import pytest
from rest_framework.test import APIClient

from routes.choices import RouteStatus as S
from routes.models import Route
from tests.helpers import assert_same_queries, count_queries, login
from tests.routes.factories import ActivityFactory, make_route, teacher_blocks
from tests.routes.test_workflow import ready_route


@pytest.fixture
def api():
    return APIClient()


def test_route_list_is_scoped(world, api):
    mine = make_route(world["teacher"])
    make_route(world["other_teacher"])
    login(api, world["teacher"])
    data = api.get("/api/v1/routes/").json()
    assert [r["id"] for r in data["results"]] == [mine.pk]
    assert data["results"][0]["uncovered_count"] == 2
    assert data["results"][0]["status_label"] == "черновик"
    login(api, world["municipal_methodist"])
    assert [r["id"] for r in api.get("/api/v1/routes/").json()["results"]] == [mine.pk]
    login(api, world["operator"])
    assert api.get("/api/v1/routes/").json()["count"] == 2
    login(api, world["ministry"])
    assert api.get("/api/v1/routes/").json()["count"] == 0
    other = Route.objects.exclude(pk=mine.pk).get()
    login(api, world["curator"])
    assert api.get(f"/api/v1/routes/{other.pk}/").status_code == 404


def test_workflow_through_the_api(world, api):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40})
    activity = ActivityFactory(competences=[blocks[0]], title="ДПП ПК «Трудные темы физики»")
    login(api, world["teacher"])
    r = api.post(f"/api/v1/routes/{route.pk}/activities/", {"catalogue_activity": activity.pk}, format="json")
    assert r.status_code == 201 and r.json()["title"] == "ДПП ПК «Трудные темы физики»"
    r = api.post(f"/api/v1/routes/{route.pk}/transition/", {"target": "submitted"}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "Сформулируйте образовательные задачи маршрута."
    r = api.post(
        f"/api/v1/routes/{route.pk}/update-card/",
        {"educational_tasks": "Освоить трудные темы", "final_event_title": "", "final_event_level": ""},
        format="json",
    )
    assert r.status_code == 200 and r.json()["uncovered_count"] == 0
    r = api.post(f"/api/v1/routes/{route.pk}/transition/", {"target": "submitted"}, format="json")
    assert r.json()["status"] == "submitted"
    r = api.post(f"/api/v1/routes/{route.pk}/review/", {"verdict": "no_corrections"}, format="json")
    assert r.status_code == 400 and "куратор" in r.json()["detail"]

    login(api, world["curator"])
    r = api.post(
        f"/api/v1/routes/{route.pk}/review/", {"verdict": "major", "comment": "Нет стажировки"}, format="json"
    )
    assert r.status_code == 201 and r.json()["verdict_label"] == "существенная доработка"
    reviews = api.get("/api/v1/route-reviews/", {"route": route.pk}).json()["results"]
    assert [v["verdict"] for v in reviews] == ["major"]
    r = api.post(
        f"/api/v1/routes/{route.pk}/comments/", {"text": "Посмотрите каталог стажировок"}, format="json"
    )
    assert r.status_code == 201

    login(api, world["teacher"])
    texts = [c["text"] for c in api.get(f"/api/v1/routes/{route.pk}/comments/").json()]
    assert texts == [
        "Заключение куратора: существенная доработка. Нет стажировки",
        "Посмотрите каталог стажировок",
    ]
    assert api.get(f"/api/v1/routes/{route.pk}/").json()["status"] == "returned"


def test_corrections_through_the_api(world, api):
    route = ready_route(world, S.APPROVED)
    activity = route.activities.get()
    login(api, world["curator"])
    r = api.post(f"/api/v1/routes/{route.pk}/activities/{activity.pk}/remove/", {}, format="json")
    assert r.status_code == 400 and "укажите её причину" in r.json()["detail"]
    r = api.post(
        f"/api/v1/routes/{route.pk}/activities/{activity.pk}/remove/",
        {"reason": "Курс отменён"},
        format="json",
    )
    assert r.status_code == 204
    corrections = api.get("/api/v1/route-corrections/", {"route": route.pk}).json()["results"]
    assert corrections[0]["reason"] == "Курс отменён" and corrections[0]["acknowledged_at"] is None
    cid = corrections[0]["id"]
    assert api.post(f"/api/v1/routes/{route.pk}/corrections/{cid}/sign/").status_code == 400
    login(api, world["regional_methodist"])
    assert api.post(f"/api/v1/routes/{route.pk}/corrections/{cid}/sign/").json()["signed_by_name"]
    login(api, world["teacher"])
    assert api.post(f"/api/v1/routes/{route.pk}/corrections/{cid}/acknowledge/").json()["acknowledged_at"]


def test_catalogue_api(world, api):
    blocks = teacher_blocks()
    ActivityFactory(competences=[blocks[0]], title="Вебинар «Цифровая лаборатория»")
    login(api, world["teacher"])
    assert [a["title"] for a in api.get("/api/v1/catalogue/").json()["results"]] == [
        "Вебинар «Цифровая лаборатория»"
    ]
    payload = {
        "kind": "seminar",
        "title": "Семинар ММС «ФГ на уроках»",
        "competences": [blocks[1].pk],
        "level": "municipal",
        "format": "in_person",
        "organizer": "ММС",
        "municipality": world["m1"].pk,
    }
    assert api.post("/api/v1/catalogue/", payload, format="json").status_code == 400
    login(api, world["municipal_methodist"])
    r = api.post("/api/v1/catalogue/", payload, format="json")
    assert r.status_code == 201, r.json()
    r = api.post("/api/v1/catalogue/", {**payload, "municipality": world["m2"].pk}, format="json")
    assert r.status_code == 400 and "своего муниципалитета" in r.json()["detail"]


def test_route_list_query_count(world, api):
    login(api, world["operator"])
    make_route(world["teacher"])
    api.get("/api/v1/routes/")  # the session is saved on the first request
    small = count_queries(lambda: api.get("/api/v1/routes/"))
    from tests.cnppm.factories import make_person

    for i in range(5):
        make_route(make_person("teacher", organization=world["o2"], username=f"t{i}"))
    large = count_queries(lambda: api.get("/api/v1/routes/"))
    assert_same_queries(small, large)


def test_schema_has_the_routes_endpoints(world, api):
    login(api, world["operator"])
    schema = api.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/routes/",
        "/api/v1/routes/{id}/review/",
        "/api/v1/catalogue/",
        "/api/v1/route-corrections/",
    ):
        assert path in schema
