"""The card's remaining actions in the API (issue 10.4): conclusions (Appendix 2), their signatures
and acknowledgement, the final event, an activity's edit; and the assignment pages' bulk assignment,
balancing, supporter profiles and card archives. Each across every role of the world."""

import pytest
from rest_framework.test import APIClient

from cnppm.choices import SupportRole
from cnppm.models import RoleAssignment, SupportAssignment
from routes.choices import RouteStatus as S
from routes.models import CardArchiveRun, Route
from tests.cnppm.factories import PersonFactory
from tests.helpers import ALL_ROLES, assert_matrix, login
from tests.routes.factories import make_attempt, make_route, teacher_blocks
from tests.routes.test_workflow import ready_route

pytestmark = pytest.mark.django_db


def statuses(world, method: str, url: str, data=None) -> dict[str, int]:
    """What each role of the world gets for one request (each on a fresh client)."""
    out = {}
    for role in ALL_ROLES:
        if role not in world and role != "anonymous":
            continue
        client = APIClient()
        if role != "anonymous":
            client.force_login(world[role].user)  # no password hashing: thirteen roles stay fast
        out[role] = getattr(client, method)(url, data or {}, format="json").status_code
    return out


def refused_outside(result: dict[str, int], allowed: dict[str, int]) -> list[str]:
    """Roles that got something else than expected: `allowed` their code, the route's circle that
    may not act 400 (a Russian refusal), everybody else 404 (outside the scope) or 401/403."""
    wrong = []
    for role, code in result.items():
        if role in allowed:
            if code != allowed[role]:
                wrong.append(f"{role}: {code}, expected {allowed[role]}")
        elif role == "anonymous":
            if code not in (401, 403):
                wrong.append(f"{role}: {code}")
        elif code not in (400, 403, 404):
            wrong.append(f"{role}: {code}")
    return wrong


@pytest.fixture
def completing(world):
    route = ready_route(world, status=S.COMPLETING)
    make_attempt(world["teacher"], {teacher_blocks()[0]: 80}, kind="final")
    return route


def test_conclusions_signatures_and_acknowledgement(world, completing):
    url = f"/api/v1/routes/{completing.pk}/conclusions/"
    curator = APIClient()
    login(curator, world["curator"])
    response = curator.post(url, {"conclusions": ""}, format="json")
    assert response.status_code == 400 and response.json() == {"conclusions": ["Обязательное поле."]}
    response = curator.post(url, {"conclusions": "Дефицит предметных компетенций преодолён."}, format="json")
    assert response.status_code == 200
    assert response.json()["conclusions"] == "Дефицит предметных компетенций преодолён."
    teacher = APIClient()
    login(teacher, world["teacher"])
    response = teacher.post(url, {"conclusions": "Всё сделал сам."}, format="json")
    assert response.status_code == 400 and response.json()["detail"].startswith(
        "Собственный ИОМ нельзя проверять, утверждать, подписывать или завершать"
    )
    head = APIClient()
    login(head, world["school_head"])
    sign = f"/api/v1/routes/{completing.pk}/conclusions/sign/"
    assert head.post(sign, {"as_role": "regional_methodist"}, format="json").status_code == 400
    response = head.post(sign, {"as_role": "school_head"}, format="json")
    assert (
        response.status_code == 200
        and response.json()["conclusions_signed_by_head"] == world["school_head"].pk
    )
    allowed = {"regional_methodist": 200}
    result = statuses(world, "post", sign, {"as_role": "regional_methodist"})
    assert not refused_outside(result, allowed), refused_outside(result, allowed)
    assert Route.objects.get(pk=completing.pk).conclusions_signed_at is not None
    ack = f"/api/v1/routes/{completing.pk}/conclusions/acknowledge/"
    result = statuses(world, "post", ack)
    assert not refused_outside(result, {"teacher": 200}), refused_outside(result, {"teacher": 200})
    assert result["curator"] == 400 and result["other_teacher"] == 404
    assert Route.objects.get(pk=completing.pk).conclusions_acknowledged_at is not None


def test_final_event_mark(world):
    route = ready_route(world, status=S.IN_PROGRESS)
    url = f"/api/v1/routes/{route.pk}/final-event/"
    allowed = {"teacher": 200, "mentor": 200, "curator": 200, "tutor": 200}
    result = statuses(world, "post", url, {"done": True})
    assert not refused_outside(result, allowed), refused_outside(result, allowed)
    assert Route.objects.get(pk=route.pk).final_event_done is True


def test_activity_edit(world):
    draft = ready_route(world)
    activity = draft.activities.get()
    client = APIClient()
    login(client, world["teacher"])
    edit = f"/api/v1/routes/{draft.pk}/activities/{activity.pk}/edit/"
    data = {
        "title": "Стажировка в школе-лидере",
        "competences": [c.pk for c in activity.competences.all()],
        "level": "regional",
        "organizer": "ЦНППМ",
        "result_form": "Отчёт о стажировке",
    }
    response = client.post(edit, data, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Стажировка в школе-лидере"
    response = client.post(edit, {**data, "competences": []}, format="json")
    assert response.status_code == 400 and "competences" in response.json()
    login(client, world["other_teacher"])
    assert client.post(edit, data, format="json").status_code == 404


def test_bulk_assignment_and_balance(world):
    client = APIClient()
    login(client, world["operator"])
    teachers = [PersonFactory(organization=world["o2"]) for _ in range(2)]
    for t in teachers:
        RoleAssignment.objects.create(person=t, role="teacher")
    body = {"persons": [t.pk for t in teachers], "supporter": world["tutor"].pk, "role": "tutor"}
    response = client.post("/api/v1/assignments/bulk/", body, format="json")
    assert response.status_code == 200 and response.json() == {"assigned": 2, "already": 0, "replaced": 0}
    assert SupportAssignment.objects.filter(supporter=world["tutor"], ended_at__isnull=True).count() == 3
    response = client.post("/api/v1/assignments/bulk/", {**body, "supporter": 999999}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == (
        "Сотрудник не найден: выберите сопровождающего из списка."
    )
    assert_matrix(
        client,
        world,
        "/api/v1/assignments/bulk/",
        {"operator", "school_head"},
        method="post",
        data={},
        ok=(400,),
    )
    login(client, world["operator"])
    response = client.post("/api/v1/assignments/balance/", {"role": "curator", "pairs": []}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "В предложении нет ни одной пары; ничего не назначено."
    assert_matrix(
        client, world, "/api/v1/assignments/balance/", {"operator"}, method="post", data={}, ok=(400,)
    )


def test_supporter_profiles(world):
    profile = RoleAssignment.objects.get(person=world["curator"], role=SupportRole.CURATOR)
    url = f"/api/v1/supporter-profiles/{profile.pk}/"
    assert_matrix(APIClient(), world, url, {"operator"})
    client = APIClient()
    login(client, world["operator"])
    from cnppm.models import Subject

    subject = Subject.objects.create(code="phys", name="Физика")
    response = client.put(url, {"support_kind": "civil_contract", "subjects": [subject.pk]}, format="json")
    assert response.status_code == 200 and response.json()["support_kind"] == "civil_contract"
    assert response.json()["subjects"] == [subject.pk]
    response = client.put(url, {"support_kind": "civil_contract", "subjects": []}, format="json")
    assert response.status_code == 400 and "subjects" in response.json()


def test_card_archives(world):
    make_route(world["teacher"])
    client = APIClient()
    login(client, world["school_head"])
    response = client.post("/api/v1/card-archives/", {"organization": world["o3"].pk}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "Выбранная область не найдена."
    response = client.post("/api/v1/card-archives/", {"organization": world["o1"].pk}, format="json")
    assert response.status_code == 201, response.content
    run = CardArchiveRun.objects.get()
    assert response.json()["id"] == run.pk and run.requested_by == world["school_head"].user
    assert [r["id"] for r in client.get("/api/v1/card-archives/").json()["results"]] == [run.pk]
    allowed = {
        "operator",
        "regional_methodist",
        "municipal_methodist",
        "other_municipal_methodist",
        "school_head",
    }
    assert_matrix(client, world, "/api/v1/card-archives/", allowed)
    login(client, world["operator"])
    assert client.get(f"/api/v1/card-archives/{run.pk}/").status_code == 404  # someone else's archive


def test_supporter_profiles_and_archives_lists_do_not_grow_in_queries(world):
    from cnppm.models import Subject
    from tests.cnppm.factories import make_person
    from tests.helpers import assert_same_queries, count_queries

    client = APIClient()
    login(client, world["operator"])
    subject = Subject.objects.create(code="chem", name="Химия")
    client.get("/api/v1/supporter-profiles/")  # the session's first request warms its caches
    small = count_queries(lambda: client.get("/api/v1/supporter-profiles/"))
    CardArchiveRun.objects.create(requested_by=world["operator"].user, organization=world["o1"])
    small_archives = count_queries(lambda: client.get("/api/v1/card-archives/"))
    for _ in range(3):
        curator = make_person("curator", organization=world["centre"])
        RoleAssignment.objects.get(person=curator, role="curator").subjects.add(subject)
        CardArchiveRun.objects.create(requested_by=world["operator"].user, organization=world["o1"])
    large = count_queries(lambda: client.get("/api/v1/supporter-profiles/"))
    assert_same_queries(small, large)
    assert_same_queries(small_archives, count_queries(lambda: client.get("/api/v1/card-archives/")))
    assert client.get("/api/v1/supporter-profiles/").json()["count"] >= 5
