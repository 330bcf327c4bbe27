"""The courses API: scoped lists (with their query counts), every action through its service, the
permission matrix of an enrolment."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from courses.choices import EnrolmentStatus as S
from courses.models import Attendance, Enrolment, Programme
from tests.cnppm.factories import make_person
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, route_course, sessions
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db
API = "/api/v1/courses"


@pytest.fixture
def course(world):
    programme = ProgrammeFactory(
        region=world["m1"].region, requires_assessment=True, min_attendance_percent=50
    )
    group = GroupFactory(programme=programme, capacity=2, teachers=[world["tutor"]], status="recruiting")
    return {"programme": programme, "group": group, "sessions": sessions(group, 2)}


def test_operator_creates_programme_and_group(client, world):
    login(client, world["operator"])
    r = client.post(
        f"{API}/programmes/",
        {"title": "Формирующее оценивание", "kind": "qualification", "hours": 36, "form": "mixed"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    programme = Programme.objects.get(pk=r.json()["id"])
    assert programme.region == world["m1"].region and programme.status == "draft"
    r = client.post(
        f"{API}/programmes/{programme.pk}/status/", {"status": "open"}, content_type="application/json"
    )
    assert r.json()["status"] == "open"
    r = client.post(
        f"{API}/groups/",
        {
            "programme": programme.pk,
            "name": "Группа 1",
            "starts_on": "2026-02-01",
            "ends_on": "2026-01-01",
            "capacity": 10,
            "teacher_ids": [world["tutor"].pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["detail"] == "Дата окончания обучения раньше даты начала."
    login(client, world["teacher"])
    r = client.post(
        f"{API}/programmes/",
        {"title": "x", "kind": "seminar", "hours": 2, "form": "distance"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_enrolment_flow_through_the_api(client, world, course):
    group = course["group"]
    activity = route_course(world["teacher"], course["programme"])
    login(client, world["teacher"])
    r = client.post(
        f"{API}/enrolments/",
        {"route_activity": activity.pk, "group": group.pk},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    # The teacher cannot confirm themself.
    r = client.post(
        f"{API}/enrolments/{pk}/transition/", {"to": "confirmed"}, content_type="application/json"
    )
    assert r.status_code == 400 and "оператор ЦНППМ или организатор" in r.json()["detail"]
    login(client, world["operator"])
    r = client.post(
        f"{API}/enrolments/{pk}/transition/", {"to": "confirmed"}, content_type="application/json"
    )
    assert r.json()["status"] == S.CONFIRMED
    login(client, world["tutor"])
    r = client.post(
        f"{API}/sessions/{course['sessions'][0].pk}/attendance/",
        {"marks": [{"enrolment": pk, "present": True}]},
        content_type="application/json",
    )
    assert r.json() == {"written": 1}
    r = client.post(
        f"{API}/enrolments/{pk}/assessment/", {"result": "passed"}, content_type="application/json"
    )
    assert r.json()["assessment_result"] == "passed"
    r = client.post(f"{API}/groups/{group.pk}/finish/", content_type="application/json")
    assert [e["id"] for e in r.json()["completed"]] == [pk]
    activity.refresh_from_db()
    assert activity.outcome == "done"


def test_bulk_enrolment_through_the_api(client, world, course):
    login(client, world["operator"])
    people = [world["teacher"].pk, world["mentor"].pk, world["school_head"].pk]
    r = client.post(
        f"{API}/groups/{course['group'].pk}/enrol/", {"people": people}, content_type="application/json"
    )
    assert r.status_code == 400 and "свободно 2 места" in r.json()["detail"]
    r = client.post(
        f"{API}/groups/{course['group'].pk}/enrol/",
        {"people": people, "waitlist_overflow": True},
        content_type="application/json",
    )
    assert (len(r.json()["confirmed"]), len(r.json()["waitlisted"])) == (2, 1)
    # Another region's or unknown ids are refused by name, nothing written.
    r = client.post(
        f"{API}/groups/{course['group'].pk}/enrol/", {"people": [987654]}, content_type="application/json"
    )
    assert r.status_code == 400 and "987654" in r.json()["detail"]


def test_attendance_of_another_group_refused(client, world, course):
    other = enrol(GroupFactory(programme=course["programme"]), world["other_teacher"])
    login(client, world["tutor"])
    r = client.post(
        f"{API}/sessions/{course['sessions'][0].pk}/attendance/",
        {"marks": [{"enrolment": other.pk, "present": True}]},
        content_type="application/json",
    )
    assert r.status_code == 400 and not Attendance.objects.exists()


def test_enrolment_matrix(client, world, course):
    e = enrol(course["group"], world["teacher"])
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
    assert_matrix(client, world, f"{API}/enrolments/{e.pk}/", allowed)


def test_list_query_counts(client, world, course):
    enrol(course["group"], world["teacher"])
    login(client, world["operator"])
    urls = [f"{API}/enrolments/", f"{API}/groups/", f"{API}/programmes/", f"{API}/sessions/"]
    for u in urls:
        client.get(u)
    small = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for _ in range(4):
        g = GroupFactory(
            programme=ProgrammeFactory(region=course["programme"].region), teachers=[world["tutor"]]
        )
        sessions(g, 2)
        enrol(g, make_person(organization=world["o1"]))
    large = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for s, big in zip(small, large, strict=True):
        assert_same_queries(s, big)
    assert Enrolment.objects.count() == 5
    assert date.today() - timedelta(days=1) == course["group"].ends_on
