"""Changing and deleting a session of a group's schedule (issue 12.2), on the page and through the API:
who may (the operator and the group's organiser, as for adding sessions), what is refused in Russian
(dates outside the group's, a marked session moved to the future, a closed group, a schedule some
listener's outcome was decided on), the confirmation that deleting a marked session asks for, that
saving without changes writes nothing, the event rows, and the completion counted over the sessions
left."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from courses.choices import EnrolmentStatus as S
from courses.choices import GroupStatus
from courses.models import Attendance, GroupSession
from courses.selectors import completion_check
from courses.services import programmes
from courses.services.completion import enrolment_finish, group_finish
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, sessions
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db

API = "/api/v1/courses"
# The operator of the region and the group's organiser (here the curator) keep the schedule; the
# course teacher (the tutor) marks attendance but does not change the schedule.
KEEPERS = {"operator", "curator"}


class JsonClient(Client):
    """The test client sending PUT, PATCH and DELETE bodies as JSON, as an API client does."""

    def put(self, path, data=None, **extra):
        return super().put(path, json.dumps(data or {}), content_type="application/json", **extra)

    def patch(self, path, data=None, **extra):
        return super().patch(path, json.dumps(data or {}), content_type="application/json", **extra)


@pytest.fixture
def course(world):
    today = date.today()
    programme = ProgrammeFactory(
        region=world["m1"].region, min_attendance_percent=75, requires_assessment=False
    )
    group = GroupFactory(
        programme=programme,
        capacity=5,
        teachers=[world["tutor"]],
        organiser=world["curator"],
        starts_on=today - timedelta(days=20),
        ends_on=today + timedelta(days=20),
        status=GroupStatus.RUNNING,
    )
    s = sessions(group, 4)  # days 1–4 of the group: all in the past
    e = enrol(group, world["teacher"])
    return {"group": group, "sessions": s, "enrolment": e}


def _mark(session, enrolment, present=True):
    return Attendance.objects.create(session=session, enrolment=enrolment, present=present)


def _form(session, **changes) -> dict:
    """The session's page form as the browser sends it back."""
    data = {
        "date": session.date.isoformat(),
        "starts_at": session.starts_at.strftime("%H:%M") if session.starts_at else "",
        "ends_at": session.ends_at.strftime("%H:%M") if session.ends_at else "",
        "topic": session.topic,
        "hours": session.hours,
        "place": session.place,
    }
    data.update(changes)
    return data


def _events(verb=None):
    qs = AuditEvent.objects.filter(verb__startswith="session_")
    return qs.filter(verb=verb) if verb else qs


# --- who may ---------------------------------------------------------------------------------------


def test_matrix_of_the_session_page(client, world, course):
    url = reverse("courses:session_edit", args=[course["sessions"][0].pk])
    assert_matrix(client, world, url, KEEPERS)
    # Saving unchanged: the keepers are sent back to the group, nothing is written.
    assert_matrix(client, world, url, KEEPERS, method="post", data=_form(course["sessions"][0]), ok=(302,))
    assert not _events().exists()


def test_matrix_of_the_deletion(client, world, course):
    """A marked session: the keepers are asked to confirm (sent back to the session's page, nothing
    deleted), everybody else gets a 404 as for an id that never existed."""
    session = course["sessions"][0]
    _mark(session, course["enrolment"])
    url = reverse("courses:session_delete", args=[session.pk])
    assert_matrix(client, world, url, KEEPERS, method="post", data={}, ok=(302,))
    assert GroupSession.objects.filter(pk=session.pk).exists() and not _events().exists()


def test_matrix_of_the_api(world, course):
    session = course["sessions"][0]
    _mark(session, course["enrolment"])
    url = f"{API}/sessions/{session.pk}/"
    client = JsonClient()
    unchanged = {"date": session.date.isoformat(), "hours": session.hours}
    assert_matrix(client, world, url, KEEPERS, method="put", data=unchanged)
    assert_matrix(client, world, url, KEEPERS, method="patch", data={"topic": ""})
    # Deleting a marked session without the confirmation: a 400 with the question for the keepers.
    assert_matrix(client, world, url, KEEPERS, method="delete", ok=(400,))
    assert GroupSession.objects.filter(pk=session.pk).exists() and not _events().exists()


def test_sessions_of_other_groups_are_404_for_the_organiser(client, world, course):
    """The curator organises one group; a session of another group of the region is not theirs."""
    other = GroupFactory(programme=course["group"].programme, capacity=2)
    foreign = sessions(other, 1)[0]
    login(client, world["curator"])
    assert client.get(reverse("courses:session_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("courses:session_delete", args=[foreign.pk])).status_code == 404
    api = JsonClient()
    login(api, world["curator"])
    assert api.put(f"{API}/sessions/{foreign.pk}/", _form(foreign, topic="Чужое")).status_code == 404
    assert api.delete(f"{API}/sessions/{foreign.pk}/").status_code == 404
    # Ids that are no ids at all: a 404 as well, never a server error.
    assert client.get("/courses/sessions/99999999999/edit/").status_code == 404
    assert api.delete(f"{API}/sessions/99999999999999/").status_code == 404
    assert GroupSession.objects.filter(pk=foreign.pk, topic="").exists()


# --- editing -------------------------------------------------------------------------------------


def test_saving_without_changes_writes_nothing(client, world, course):
    session = course["sessions"][1]
    session.starts_at, session.ends_at, session.topic = time(10, 0), time(11, 30), "Читательская грамотность"
    session.save()
    login(client, world["operator"])
    page = client.get(reverse("courses:session_edit", args=[session.pk])).content.decode()
    assert 'value="10:00"' in page and "Читательская грамотность" in page
    response = client.post(reverse("courses:session_edit", args=[session.pk]), _form(session), follow=True)
    html = response.content.decode()
    assert "Изменений нет." in html and "изменено" not in html
    assert not AuditEvent.objects.exists()


def test_change_is_recorded_and_shown_on_the_group_page(client, world, course):
    group, session = course["group"], course["sessions"][0]
    moved = group.starts_on + timedelta(days=10)  # after sessions 2–4
    login(client, world["curator"])
    response = client.post(
        reverse("courses:session_edit", args=[session.pk]),
        _form(
            session,
            date=moved.isoformat(),
            starts_at="09:30",
            topic="Естественнонаучная грамотность",
            place="ауд. 12",
        ),
        follow=True,
    )
    html = response.content.decode()
    assert "Занятие 1 изменено: дата, время начала, тема, место или ссылка." in html
    session.refresh_from_db()
    assert (session.date, session.starts_at, session.topic, session.place) == (
        moved,
        time(9, 30),
        "Естественнонаучная грамотность",
        "ауд. 12",
    )
    event = _events("session_updated").get()
    assert event.actor == world["curator"].user and event.object_id == str(group.pk) and event.field == "1"
    assert (
        event.old_value
        == f"дата: {group.starts_on + timedelta(days=1):%d.%m.%Y}; время начала: —; тема: —; место или ссылка: —"
    )
    assert (
        event.new_value
        == f"дата: {moved:%d.%m.%Y}; время начала: 09:30; тема: Естественнонаучная грамотность; место или ссылка: ауд. 12"
    )
    # The group page: the new date and topic, the schedule in the order of the days (1 comes last
    # now, keeping its number).
    assert f"{moved:%d.%m.%Y}" in html and "Естественнонаучная грамотность" in html and "ауд. 12" in html
    rows = html.split('<h2 class="h5">Расписание</h2>')[1].split("</tbody>")[0]
    order = [rows.index(f"<tr><td>{n}</td>") for n in (2, 3, 4, 1)]
    assert order == sorted(order)


def test_date_outside_the_group_is_refused_in_russian(client, world, course):
    group, session = course["group"], course["sessions"][0]
    login(client, world["operator"])
    late = group.ends_on + timedelta(days=1)
    response = client.post(
        reverse("courses:session_edit", args=[session.pk]), _form(session, date=late.isoformat()), follow=True
    )
    html = response.content.decode()
    assert (
        f"Дата занятия вне сроков обучения группы ({group.starts_on:%d.%m.%Y} – {group.ends_on:%d.%m.%Y})."
        in html
    )
    # The form keeps what was typed; the heading shows what is stored.
    assert f'value="{late.isoformat()}"' in html and f"Занятие 1 ({session.date:%d.%m.%Y})" in html
    session.refresh_from_db()
    assert session.date == group.starts_on + timedelta(days=1) and not _events().exists()


def test_bad_times_and_hours_are_refused(client, world, course):
    session = course["sessions"][0]
    login(client, world["operator"])
    url = reverse("courses:session_edit", args=[session.pk])
    html = client.post(url, _form(session, starts_at="12:00", ends_at="11:00"), follow=True).content.decode()
    assert "Занятие заканчивается раньше, чем начинается." in html
    html = client.post(url, _form(session, hours=25)).content.decode()
    assert "Убедитесь, что это значение меньше либо равно 24." in html
    assert not _events().exists()


def test_a_marked_session_is_not_moved_to_the_future(world, course):
    session, e = course["sessions"][0], course["enrolment"]
    _mark(session, e)
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(DomainError, match="уже отмечена посещаемость: перенести его на будущую дату"):
        programmes.session_update(actor=world["operator"].user, session=session, data={"date": tomorrow})
    # Another past day is a correction, allowed.
    yesterday = date.today() - timedelta(days=1)
    changed = programmes.session_update(
        actor=world["operator"].user, session=session, data={"date": yesterday}
    )
    assert changed == ["date"]


def test_the_course_teacher_is_refused_by_the_service(world, course):
    with pytest.raises(DomainError, match="Расписание ведёт оператор ЦНППМ или организатор курса"):
        programmes.session_update(
            actor=world["tutor"].user, session=course["sessions"][0], data={"topic": "x"}
        )
    with pytest.raises(DomainError, match="Расписание ведёт"):
        programmes.session_delete(actor=world["tutor"].user, session=course["sessions"][0])


# --- deleting ------------------------------------------------------------------------------------


def test_delete_unmarked_session(client, world, course):
    group, s = course["group"], course["sessions"]
    s[1].topic = "Удаляемая тема"
    s[1].save()
    login(client, world["operator"])
    page = client.get(reverse("courses:session_edit", args=[s[1].pk])).content.decode()
    assert "Посещаемость по занятию не отмечалась." in page and "confirm_attendance" not in page
    response = client.post(reverse("courses:session_delete", args=[s[1].pk]), follow=True)
    html = response.content.decode()
    assert f"Занятие 2 ({s[1].date:%d.%m.%Y}) удалено из расписания." in html
    assert "Удаляемая тема" not in html and "Удалено отметок" not in html
    assert list(group.sessions.values_list("number", flat=True)) == [1, 3, 4]
    event = _events("session_deleted").get()
    assert event.field == "2" and "тема: Удаляемая тема" in event.old_value and event.comment == ""
    # The next session added takes the next number, never a number used before.
    added = programmes.session_save(actor=world["operator"].user, group=group, data={"date": s[0].date})
    assert added.number == 5


def test_delete_of_a_marked_session_asks_for_confirmation(client, world, course):
    session, e = course["sessions"][0], course["enrolment"]
    _mark(session, e)
    login(client, world["curator"])
    url = reverse("courses:session_delete", args=[session.pk])
    response = client.post(url, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("courses:session_edit", args=[session.pk])
    assert (
        "уже отмечена посещаемость (1 отметка)" in html and "Подтвердите удаление вместе с отметками." in html
    )
    assert 'name="confirm_attendance"' in html and "Удалить вместе с отметками посещаемости" in html
    assert GroupSession.objects.filter(pk=session.pk).exists() and Attendance.objects.count() == 1
    assert not _events().exists()
    response = client.post(url, {"confirm_attendance": "on"}, follow=True)
    html = response.content.decode()
    assert "Занятие 1" in html and "удалено из расписания. Удалено отметок посещаемости: 1." in html
    assert not GroupSession.objects.filter(pk=session.pk).exists() and not Attendance.objects.exists()
    assert _events("session_deleted").get().comment == "удалено отметок посещаемости: 1"
    # The roster counts the sessions left.
    assert "0 из 3" in html


def test_completion_is_counted_over_the_sessions_left(world, course):
    group, s, e = course["group"], course["sessions"], course["enrolment"]
    operator = world["operator"].user
    for session, present in zip(s, (True, True, True, False), strict=True):
        _mark(session, e, present)
    assert completion_check(e).ok  # 3 of 4 = 75 %
    # The session attended goes: 2 of 3 is below the rule.
    programmes.session_delete(actor=operator, session=s[0], confirm_attendance=True)
    assert completion_check(e).unmet == ["посещено 2 из 3 занятий, нужно не меньше 75 %"]
    # The session missed goes too: 2 of 2.
    programmes.session_delete(actor=operator, session=s[3], confirm_attendance=True)
    check = completion_check(e)
    assert check.ok and (check.attended, check.sessions_total) == (2, 2)
    # Finishing the group counts the same sessions.
    group.ends_on = date.today()
    group.save()
    group_finish(actor=operator, group=group)
    e.refresh_from_db()
    assert e.status == S.COMPLETED


def test_a_closed_group_keeps_its_schedule(client, world, course):
    group, session = course["group"], course["sessions"][0]
    operator = world["operator"].user
    for status in (GroupStatus.FINISHED, GroupStatus.CANCELLED):
        group.status = status
        group.save()
        label = GroupStatus(status).label
        with pytest.raises(
            DomainError, match=f"Группа «{group.name}»: {label}. Расписание больше не меняется."
        ):
            programmes.session_update(actor=operator, session=session, data={"topic": "Новая"})
        with pytest.raises(DomainError, match="Расписание больше не меняется"):
            programmes.session_delete(actor=operator, session=session, confirm_attendance=True)
        with pytest.raises(DomainError, match="Расписание больше не меняется"):
            programmes.session_save(actor=operator, group=group, data={"date": session.date})
    login(client, world["operator"])
    page = client.get(reverse("courses:session_edit", args=[session.pk])).content.decode()
    assert "Расписание больше не меняется." in page and "session-delete" not in page
    html = client.post(reverse("courses:session_delete", args=[session.pk]), follow=True).content.decode()
    assert "Расписание больше не меняется." in html
    group_page = client.get(reverse("courses:group", args=[group.pk])).content.decode()
    assert reverse("courses:session_edit", args=[session.pk]) not in group_page
    assert "Добавить занятие" not in group_page
    assert GroupSession.objects.filter(group=group).count() == 4 and not _events().exists()


def test_a_listener_completed_early_keeps_the_schedule(world, course):
    """A listener finished on their own (the group still running past its last day): the share they
    completed by stays as it was counted."""
    group, s, e = course["group"], course["sessions"], course["enrolment"]
    operator = world["operator"].user
    for session in s:
        _mark(session, e)
    group.ends_on = date.today()
    group.save()
    enrolment_finish(actor=operator, enrolment=e)
    with pytest.raises(DomainError, match="Итог обучения уже подведён у 1 слушателя группы"):
        programmes.session_delete(actor=operator, session=s[3], confirm_attendance=True)
    # A change of the topic is no change of the share: allowed.
    assert programmes.session_update(actor=operator, session=s[3], data={"topic": "Итоговое занятие"}) == [
        "topic"
    ]


def test_group_page_offers_the_change_to_the_keepers_only(client, world, course):
    session = course["sessions"][0]
    edit = reverse("courses:session_edit", args=[session.pk])
    login(client, world["curator"])
    assert edit in client.get(reverse("courses:group", args=[course["group"].pk])).content.decode()
    login(client, world["tutor"])
    page = client.get(reverse("courses:group", args=[course["group"].pk])).content.decode()
    assert edit not in page and "Отметить" in page


# --- the API -------------------------------------------------------------------------------------


def test_api_update_calls_the_same_service(world, course):
    group, session = course["group"], course["sessions"][1]
    client = JsonClient()
    login(client, world["curator"])
    url = f"{API}/sessions/{session.pk}/"
    moved = (group.starts_on + timedelta(days=5)).isoformat()
    response = client.put(
        url, {"date": moved, "hours": 4, "topic": "Математическая грамотность", "starts_at": "10:00"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] == ["date", "starts_at", "topic", "hours"]
    assert body["session"]["topic"] == "Математическая грамотность" and body["session"]["number"] == 2
    assert _events("session_updated").count() == 1
    # PATCH leaves the other fields as they are; the same values again: nothing changed, nothing written.
    response = client.patch(url, {"topic": "Математическая грамотность"})
    assert response.status_code == 200 and response.json()["changed"] == []
    assert _events().count() == 1
    response = client.patch(url, {"place": "https://example.org/webinar"})
    assert response.json()["changed"] == ["place"] and response.json()["session"]["hours"] == 4


def test_api_refusals_in_russian(world, course):
    group, session, e = course["group"], course["sessions"][0], course["enrolment"]
    client = JsonClient()
    login(client, world["operator"])
    url = f"{API}/sessions/{session.pk}/"
    late = (group.ends_on + timedelta(days=3)).isoformat()
    response = client.patch(url, {"date": late})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Дата занятия вне сроков обучения группы")
    response = client.put(url, {"topic": "без даты"})
    assert response.status_code == 400 and response.json()["date"] == ["Обязательное поле."]
    response = client.patch(url, {"hours": 30})
    assert response.status_code == 400
    _mark(session, e)
    response = client.delete(url)
    assert response.status_code == 400 and response.json()["code"] == "confirm_attendance"
    assert "Подтвердите удаление вместе с отметками." in response.json()["detail"]
    assert GroupSession.objects.filter(pk=session.pk).exists() and not _events().exists()
    response = client.delete(f"{url}?confirm_attendance=true")
    assert response.status_code == 200 and response.json() == {"number": 1, "attendance_removed": 1}
    assert not GroupSession.objects.filter(pk=session.pk).exists()
    assert _events("session_deleted").get().comment == "удалено отметок посещаемости: 1"
    # Unmarked, no confirmation needed.
    response = client.delete(f"{API}/sessions/{course['sessions'][1].pk}/")
    assert response.json() == {"number": 2, "attendance_removed": 0}
    group.status = GroupStatus.FINISHED
    group.save()
    response = client.patch(f"{API}/sessions/{course['sessions'][2].pk}/", {"topic": "x"})
    assert response.status_code == 400 and "Расписание больше не меняется" in response.json()["detail"]
