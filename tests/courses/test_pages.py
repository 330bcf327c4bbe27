"""Pages of the courses: who sees what (the permission matrix), what they show, the query count of the
lists, and the forms' refusals in Russian."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.choices import EnrolmentStatus as S
from courses.models import Attendance, Enrolment
from tests.cnppm.factories import make_person
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, route_course, sessions
from tests.courses.test_completion import _attend
from tests.helpers import ALL_ROLES, assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db

SIGNED_IN = set(ALL_ROLES) - {"anonymous"}
# Who sees the teacher's person-level rows (support, school, municipality, region) and the course teacher.
TEACHER_SCOPE = {
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
def course(world):
    programme = ProgrammeFactory(region=world["m1"].region)
    group = GroupFactory(programme=programme, capacity=3, teachers=[world["tutor"]])
    s = sessions(group, 2)
    e = enrol(group, world["teacher"])
    return {"programme": programme, "group": group, "sessions": s, "enrolment": e}


@pytest.mark.parametrize(
    ("name", "arg", "allowed"),
    [
        ("courses:programmes", None, SIGNED_IN),
        ("courses:group", "group", SIGNED_IN),
        ("courses:group_enrol", "group", {"operator"}),
        ("courses:attendance", "session", {"operator", "tutor"}),
    ],
)
def test_matrix_of_pages(client, world, course, name, arg, allowed):
    args = {None: [], "group": [course["group"].pk], "session": [course["sessions"][0].pk]}[arg]
    assert_matrix(client, world, reverse(name, args=args), allowed)


def test_operator_pages_refuse_the_course_teacher(client, world, course):
    """The rest of the managing pages: the operator 200, the course teacher and a teacher refused."""
    group, programme = course["group"], course["programme"]
    manage = [
        reverse("courses:programme_create"),
        reverse("courses:programme_edit", args=[programme.pk]),
        reverse("courses:group_create", args=[programme.pk]),
        reverse("courses:group_edit", args=[group.pk]),
        reverse("courses:session_create", args=[group.pk]),
    ]
    for person, expected in (("operator", {200}), ("tutor", {403, 404}), ("teacher", {403, 404})):
        login(client, world[person])
        for url in manage:
            assert client.get(url).status_code in expected, (person, url)
    login(client, world["tutor"])
    assert client.get(reverse("courses:assessment", args=[group.pk])).status_code == 200
    login(client, world["teacher"])
    assert client.get(reverse("courses:assessment", args=[group.pk])).status_code == 404
    assert client.get(reverse("courses:my")).status_code == 200


def test_draft_programme_only_for_the_operator(client, world):
    draft = ProgrammeFactory(region=world["m1"].region, status="draft")
    assert_matrix(client, world, reverse("courses:programme", args=[draft.pk]), {"operator"})


def test_record_matrix(client, world, course):
    from courses.services.completion import group_finish

    course["programme"].requires_assessment = False
    course["programme"].min_attendance_percent = 0
    course["programme"].save()
    group_finish(actor=world["operator"].user, group=course["group"])
    record = course["enrolment"].training_record
    assert_matrix(client, world, reverse("courses:record", args=[record.pk]), TEACHER_SCOPE)


def test_course_teacher_marks_attendance_on_the_phone_page(client, world, course):
    login(client, world["tutor"])
    url = reverse("courses:attendance", args=[course["sessions"][0].pk])
    page = client.get(url).content.decode()
    e = course["enrolment"]
    assert f'name="present-{e.pk}"' in page and "btn-lg" in page and world["teacher"].full_name in page
    response = client.post(url, {f"present-{e.pk}": "on"}, follow=True)
    assert "Посещаемость занятия 1 сохранена." in response.content.decode()
    assert Attendance.objects.get(enrolment=e).present is True


def test_group_page_shows_the_roster_only_to_its_people(client, world, course):
    login(client, world["other_teacher"])
    page = client.get(reverse("courses:group", args=[course["group"].pk])).content.decode()
    assert world["teacher"].full_name not in page and "свободно 2" in page
    login(client, world["tutor"])
    page = client.get(reverse("courses:group", args=[course["group"].pk])).content.decode()
    assert world["teacher"].full_name in page and "Отметить" in page


def test_teacher_enrols_from_the_route_page(client, world, course):
    group = GroupFactory(programme=course["programme"], name="Весенняя группа", status="recruiting")
    Enrolment.objects.all().delete()
    activity = route_course(world["teacher"], course["programme"])
    login(client, world["teacher"])
    page = client.get(reverse("courses:my")).content.decode()
    assert activity.title in page and "Весенняя группа" in page
    response = client.post(
        reverse("courses:enrolment_request"), {"activity": activity.pk, "group": group.pk}, follow=True
    )
    assert "Заявка в группу «Весенняя группа» подана" in response.content.decode()
    assert Enrolment.objects.get(person=world["teacher"]).status == S.REQUESTED
    # Another teacher's activity is not theirs to use: 404.
    other = route_course(world["other_teacher"], course["programme"])
    assert (
        client.post(
            reverse("courses:enrolment_request"), {"activity": other.pk, "group": group.pk}
        ).status_code
        == 404
    )


def test_full_group_message_on_the_page(client, world, course):
    group = course["group"]
    enrol(group, world["mentor"])
    enrol(group, world["curator"])
    waiting = enrol(group, world["other_teacher"], status=S.REQUESTED)
    login(client, world["operator"])
    response = client.post(
        reverse("courses:enrolment_transition", args=[waiting.pk]), {"to": S.CONFIRMED}, follow=True
    )
    assert "нет свободных мест (всего мест: 3)" in response.content.decode()


def test_bulk_form_names_unknown_lines(client, world, course):
    login(client, world["operator"])
    response = client.post(
        reverse("courses:group_enrol", args=[course["group"].pk]), {"people": "nobody@example.org"}
    )
    assert "Не найдены в справочнике вашего региона: nobody@example.org" in response.content.decode()


def _grow(group, n):
    for _ in range(n):
        e = enrol(group, make_person(organization=group.teachers.first().organization))
        _attend(e, group.sessions.all(), 1)


def test_query_counts_do_not_grow(client, world, course):
    group = course["group"]
    group.capacity = 50
    group.save()
    login(client, world["tutor"])
    urls = [reverse("courses:group", args=[group.pk]), reverse("courses:programmes")]
    urls.append(reverse("courses:attendance", args=[course["sessions"][0].pk]))
    for u in urls:
        client.get(u)  # the session's first request loads what later ones have cached
    small = [count_queries(lambda u=u: client.get(u)) for u in urls]
    _grow(group, 6)
    for _ in range(3):
        ProgrammeFactory(region=group.programme.region)
    large = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for s, big in zip(small, large, strict=True):
        assert_same_queries(s, big)


def test_my_page_query_count(client, world, course):
    route_course(world["teacher"], course["programme"])
    login(client, world["teacher"])
    url = reverse("courses:my")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for _ in range(3):
        g = GroupFactory(
            programme=ProgrammeFactory(region=course["programme"].region), teachers=[world["tutor"]]
        )
        enrol(g, world["teacher"])
        route_course(world["teacher"], g.programme)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)
