"""API of attempts and the expert queue: start, autosave, finish, result, retake, scoping, the
schema, keys never sent."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from diagnostics.choices import AttemptStatus, ItemType
from diagnostics.models import Answer, Attempt, Item, RetakeGrant
from diagnostics.services import attempts as svc
from tests.cnppm.factories import make_person
from tests.diagnostics.factories import ANSWERS, CompetenceBlockFactory, make_final_attempt, make_instrument
from tests.helpers import ALL_ROLES, assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def instrument(db):
    return make_instrument()


def test_take_a_test_through_the_api(api, world, instrument):
    login(api, world["teacher"])
    response = api.post("/api/v1/attempts/", {"instrument": instrument.pk}, format="json")
    assert response.status_code == 201, response.content
    attempt_id = response.json()["id"]
    assert response.json()["status"] == "in_progress"
    assert response.json()["percent"] is None
    detail = api.get(f"/api/v1/attempts/{attempt_id}/").json()
    assert len(detail["items"]) == 7
    body = json.dumps(detail, ensure_ascii=False)
    assert (
        '"key"' not in body and '"correct"' not in body and '"accepted"' not in body and "rubric" not in body
    )
    for item in detail["items"]:
        response = api.put(
            f"/api/v1/attempts/{attempt_id}/answers/{item['id']}/",
            {"value": ANSWERS[item["type"]]},
            format="json",
        )
        assert response.status_code == 200, response.content
    assert len(api.get(f"/api/v1/attempts/{attempt_id}/").json()["answers"]) == 7
    response = api.get(f"/api/v1/attempts/{attempt_id}/result/")
    assert response.status_code == 400
    assert (
        response.json()["detail"] == "Результат ещё не готов: работа выполняется или проверяется экспертом."
    )
    finished = api.post(f"/api/v1/attempts/{attempt_id}/finish/").json()
    assert finished["status"] == "checking"
    again = api.post(f"/api/v1/attempts/{attempt_id}/finish/")
    assert again.status_code == 200 and again.json()["status"] == "checking"

    login(api, world["expert"])
    queue = api.get("/api/v1/expert/answers/").json()
    assert queue["count"] == 1
    entry = queue["results"][0]
    assert entry["text"] == ANSWERS[ItemType.EXTENDED]["text"]
    assert world["teacher"].last_name not in json.dumps(queue, ensure_ascii=False)
    assert set(entry) == {
        "id",
        "instrument",
        "variant_number",
        "item_number",
        "block",
        "stem",
        "rubric",
        "max_points",
        "text",
        "saved_at",
    }
    bad = api.post(f"/api/v1/expert/answers/{entry['id']}/check/", {"points": "3"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"] == "Балл должен быть от 0 до 2."
    ok = api.post(
        f"/api/v1/expert/answers/{entry['id']}/check/", {"points": "2", "comment": "Отлично"}, format="json"
    )
    assert ok.json()["attempt_status"] == "final"

    login(api, world["teacher"])
    result = api.get(f"/api/v1/attempts/{attempt_id}/result/").json()
    assert result["percent"] == "100.0"  # rounded once, to the decimal the pages print
    assert result["level"] == "minimal"
    assert result["recommendation"] == "Развитие через неформальное и информальное образование"
    assert result["passed"] is True
    assert len(result["blocks"]) == 2
    assert all(b["missed_topics"] == [] for b in result["blocks"])


def test_api_refusals(api, world, instrument):
    login(api, world["teacher"])
    attempt_id = api.post("/api/v1/attempts/", {"instrument": instrument.pk}, format="json").json()["id"]
    item = Item.objects.filter(variant__attempts=attempt_id, type=ItemType.SINGLE).first()
    url = f"/api/v1/attempts/{attempt_id}/answers/{item.pk}/"
    response = api.put(url, {"value": {"choice": "x"}}, format="json")
    assert (
        response.status_code == 400
        and response.json()["detail"] == "Выберите один из предложенных вариантов."
    )
    Attempt.objects.filter(pk=attempt_id).update(deadline=timezone.now() - timedelta(seconds=1))
    response = api.put(url, {"value": {"choice": "b"}}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "late"
    assert not Answer.objects.exists()
    response = api.post("/api/v1/attempts/", {"instrument": instrument.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "retake"
    login(api, world["other_teacher"])
    assert api.put(url, {"value": {"choice": "b"}}, format="json").status_code == 404
    assert api.post(f"/api/v1/attempts/{attempt_id}/finish/").status_code == 404
    assert api.post("/api/v1/attempts/", {"instrument": 999999}, format="json").status_code == 404


def test_operator_grants_retake_through_the_api(api, world, instrument):
    attempt = make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 55})
    url = f"/api/v1/attempts/{attempt.pk}/retake/"
    assert_matrix(api, world, url, {"operator"}, method="post", data={"reason": "Сбой связи"}, ok=(201,))
    grant = RetakeGrant.objects.get()
    assert grant.reason == "Сбой связи"
    login(api, world["teacher"])
    response = api.post("/api/v1/attempts/", {"instrument": instrument.pk}, format="json")
    assert response.status_code == 201 and response.json()["number"] == 2


def test_permission_matrix_attempt_and_result(api, world, instrument):
    attempt = make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    in_scope = {
        "teacher",
        "mentor",
        "curator",
        "tutor",
        "school_head",
        "municipal_methodist",
        "regional_methodist",
        "operator",
    }
    assert_matrix(api, world, f"/api/v1/attempts/{attempt.pk}/", in_scope)
    assert_matrix(api, world, f"/api/v1/attempts/{attempt.pk}/result/", in_scope)
    assert_matrix(api, world, "/api/v1/expert/answers/", {"expert", "operator"})
    assert_matrix(api, world, "/api/v1/attempts/", set(ALL_ROLES) - {"anonymous"})


def test_attempt_list_scoped_and_ministry_sees_none(api, world, instrument):
    make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    make_final_attempt(world["other_teacher"], instrument, {CompetenceBlockFactory(): 70})
    counts = {}
    for role in ("teacher", "school_head", "other_municipal_methodist", "operator", "ministry", "expert"):
        login(api, world[role])
        counts[role] = api.get("/api/v1/attempts/").json()["count"]
    assert counts == {
        "teacher": 1,
        "school_head": 1,
        "other_municipal_methodist": 1,
        "operator": 2,
        "ministry": 0,
        "expert": 0,
    }


def test_attempt_list_query_count_guard(api, world, instrument):
    make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    login(api, world["operator"])
    api.get("/api/v1/attempts/")
    small = count_queries(lambda: api.get("/api/v1/attempts/"))
    for _ in range(5):
        make_final_attempt(make_person(organization=world["o2"]), instrument, {CompetenceBlockFactory(): 40})
    large = count_queries(lambda: api.get("/api/v1/attempts/"))
    assert_same_queries(small, large)


def test_expert_queue_api_query_count_guard(api, world):
    instrument = make_instrument(types=(ItemType.EXTENDED,))

    def finished(person):
        attempt = svc.attempt_start(actor=person.user, instrument_id=instrument.pk)
        item = Item.objects.get(variant=attempt.variant)
        svc.answer_save(actor=person.user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "ответ"})
        svc.attempt_finish(actor=person.user, attempt_id=attempt.pk)

    finished(world["teacher"])
    login(api, world["expert"])
    api.get("/api/v1/expert/answers/")
    small = count_queries(lambda: api.get("/api/v1/expert/answers/"))
    for _ in range(4):
        finished(make_person(organization=world["o2"]))
    large = count_queries(lambda: api.get("/api/v1/expert/answers/"))
    assert api.get("/api/v1/expert/answers/").json()["count"] == 5
    assert_same_queries(small, large)


def test_schema_lists_the_endpoints(api, world):
    login(api, world["operator"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/attempts/",
        "/api/v1/attempts/{id}/answers/{item_id}/",
        "/api/v1/attempts/{id}/finish/",
        "/api/v1/attempts/{id}/result/",
        "/api/v1/attempts/{id}/retake/",
        "/api/v1/expert/answers/",
        "/api/v1/expert/answers/{id}/check/",
    ):
        assert path in schema["paths"], path


def test_final_status_keeps_percent_hidden_while_checking(api, world):
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED))
    attempt = svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    for item in Item.objects.filter(variant=attempt.variant):
        svc.answer_save(
            actor=world["teacher"].user, attempt_id=attempt.pk, item_id=item.pk, value=ANSWERS[item.type]
        )
    svc.attempt_finish(actor=world["teacher"].user, attempt_id=attempt.pk)
    login(api, world["teacher"])
    data = api.get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert data["status"] == AttemptStatus.CHECKING
    assert data["percent"] is None and data["level"] is None
    assert Answer.objects.get(attempt=attempt, item__type=ItemType.SINGLE).points == Decimal("1")
