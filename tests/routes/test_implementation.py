"""Implementation monitoring: done / not done with the reason, evidence by link or file, served by
the scoped view only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cnppm.services import DomainError
from routes.choices import RouteStatus as S
from routes.services.implementation import route_activity_mark
from tests.helpers import assert_matrix, login
from tests.routes.test_workflow import ready_route


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
