"""Implementation monitoring: done / not done with the reason, evidence by link or file, served by
the scoped view only."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cnppm.services import DomainError
from routes.choices import RouteStatus as S
from routes.models import RouteActivity
from routes.services.implementation import route_activity_mark
from routes.services.routes import route_transition
from tests.helpers import assert_matrix, login
from tests.routes.test_workflow import ready_route as _ready_route


def ready_route(world, status=S.DRAFT, *, started=True):
    """The workflow's ready route; its activity already started (a mark of «done» needs that)."""
    route = _ready_route(world, status)
    if started:
        RouteActivity.objects.filter(route=route).update(starts_on=date.today() - timedelta(days=3))
    return route


def test_done_before_the_start_date_is_refused(world, client):
    route = ready_route(world, S.IN_PROGRESS, started=False)
    activity = route.activities.get()
    assert activity.starts_on > date.today()
    with pytest.raises(
        DomainError, match=f"начинается {activity.starts_on:%d.%m.%Y}: отметить его выполненным"
    ):
        route_activity_mark(actor=world["teacher"].user, activity=activity, outcome="done")
    login(client, world["teacher"])
    url = reverse("routes:activity_mark", args=[route.pk, activity.pk])
    html = client.post(url, {"outcome": "done"}, follow=True).content.decode()
    assert "можно не раньше даты начала" in html
    activity.refresh_from_db()
    assert activity.outcome == "planned"
    # «Не выполнено» with a reason is accepted before the start (e.g. the course was cancelled).
    route_activity_mark(
        actor=world["teacher"].user, activity=activity, outcome="not_done", reason="Курс отменён"
    )
    activity.refresh_from_db()
    assert activity.outcome == "not_done"


def test_completion_with_planned_activities_asks_for_confirmation(world, client):
    route = ready_route(world, S.IN_PROGRESS)
    title = route.activities.get().title
    with pytest.raises(DomainError, match=f"Нет отметки о выполнении у 1 мероприятия: «{title}»"):
        route_transition(actor=world["teacher"].user, route=route, target=S.COMPLETING)
    route.refresh_from_db()
    assert route.status == S.IN_PROGRESS
    login(client, world["teacher"])
    url = reverse("routes:transition", args=[route.pk])
    html = client.post(url, {"target": S.COMPLETING}).content.decode()
    assert "Нет отметки о выполнении у 1 мероприятия" in html
    assert 'id="confirm-completing"' in html and "Всё равно перейти к завершению" in html
    route.refresh_from_db()
    assert route.status == S.IN_PROGRESS
    client.post(url, {"target": S.COMPLETING, "confirm_planned": "True"})
    route.refresh_from_db()
    assert route.status == S.COMPLETING
    event = route.events.order_by("-id").first()
    assert event.to_status == S.COMPLETING and "неотмеченных мероприятиях: 1" in event.comment


def test_completion_with_every_activity_marked_needs_no_confirmation(world):
    route = ready_route(world, S.IN_PROGRESS)
    route_activity_mark(actor=world["teacher"].user, activity=route.activities.get(), outcome="done")
    route_transition(actor=world["teacher"].user, route=route, target=S.COMPLETING)
    route.refresh_from_db()
    assert route.status == S.COMPLETING


def test_mark_done_and_not_done(world):
    route = ready_route(world, S.IN_PROGRESS)
    activity = route.activities.get()
    with pytest.raises(DomainError, match="причину невыполнения"):
        route_activity_mark(actor=world["teacher"].user, activity=activity, outcome="not_done")
    route_activity_mark(actor=world["mentor"].user, activity=activity, outcome="not_done", reason="Болезнь")
    activity.refresh_from_db()
    assert activity.outcome == "not_done" and activity.not_done_reason == "Болезнь"
    route_activity_mark(
        actor=world["teacher"].user,
        activity=activity,
        outcome="done",
        evidence_url="https://example.ru/cert/1",
    )
    activity.refresh_from_db()
    assert (
        activity.outcome == "done"
        and activity.not_done_reason == ""
        and activity.evidence_url.endswith("/cert/1")
    )


@pytest.mark.parametrize("role", ["school_head", "operator", "other_teacher"])
def test_outsiders_cannot_mark(world, role):
    route = ready_route(world, S.IN_PROGRESS)
    with pytest.raises(DomainError):
        route_activity_mark(actor=world[role].user, activity=route.activities.get(), outcome="done")


def test_no_marks_before_approval(world):
    route = ready_route(world)
    with pytest.raises(DomainError, match="после утверждения"):
        route_activity_mark(actor=world["teacher"].user, activity=route.activities.get(), outcome="done")


def test_evidence_file_is_served_only_in_scope(world, client):
    route = ready_route(world, S.IN_PROGRESS)
    activity = route.activities.get()
    login(client, world["teacher"])
    url = reverse("routes:activity_mark", args=[route.pk, activity.pk])
    bad = SimpleUploadedFile("virus.exe", b"MZ")
    html = client.post(url, {"outcome": "done", "evidence_file": bad}, follow=True).content.decode()
    assert "Файл подтверждения: допустимы" in html
    pdf = SimpleUploadedFile("udostoverenie.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    html = client.post(url, {"outcome": "done", "evidence_file": pdf}, follow=True).content.decode()
    assert "Отметка о выполнении сохранена." in html and "файл: udostoverenie" in html
    activity.refresh_from_db()
    evidence = reverse("routes:evidence", args=[activity.pk])
    r = client.get(evidence)
    assert b"".join(r.streaming_content) == b"%PDF-1.4 test"
    # never through the public media URL
    assert client.get("/media/" + activity.evidence_file.name).status_code == 404
    assert_matrix(
        client,
        world,
        evidence,
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
