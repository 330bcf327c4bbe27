"""Every transition of the route map, and the ones that must be refused."""

import pytest
from django.urls import reverse

from cnppm.models import Notification
from cnppm.services import DomainError
from routes import workflow
from routes.choices import RouteStatus as S
from routes.choices import Verdict
from routes.models import Route, RouteEvent, RouteReview
from routes.services.routes import (
    route_activity_add_from_catalogue,
    route_conclusions_acknowledge,
    route_conclusions_save,
    route_conclusions_sign,
    route_review,
    route_submit,
    route_transition,
    route_update,
)
from tests.cnppm.factories import assign_support, make_person
from tests.helpers import login
from tests.routes.factories import ActivityFactory, make_attempt, make_route, teacher_blocks


def ready_route(world, status=S.DRAFT):
    """A draft with tasks and one activity, ready to submit; optionally forced to `status`."""
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40, blocks[1]: 75})
    route_update(
        actor=world["teacher"].user,
        route=route,
        educational_tasks="Освоить трудные темы курса физики\nОсвоить формирующее оценивание",
        final_event_title="Открытый урок на муниципальном семинаре",
        final_event_level="municipal",
        final_event_starts_on=None,
        final_event_ends_on=None,
    )
    route_activity_add_from_catalogue(
        actor=world["teacher"].user, route=route, activity=ActivityFactory(competences=[blocks[0], blocks[1]])
    )
    if status != S.DRAFT:
        Route.objects.filter(pk=route.pk).update(status=status)
    route.refresh_from_db()
    return route


def test_map_is_explicit_and_complete():
    assert workflow.PIPELINE[S.DRAFT] == {S.SUBMITTED, S.CANCELLED}
    assert workflow.PIPELINE[S.SUBMITTED] == {S.APPROVED, S.RETURNED, S.CANCELLED}
    assert workflow.PIPELINE[S.RETURNED] == {S.SUBMITTED, S.CANCELLED}
    assert workflow.PIPELINE[S.APPROVED] == {S.IN_PROGRESS, S.CANCELLED}
    assert workflow.PIPELINE[S.IN_PROGRESS] == {S.COMPLETING, S.CANCELLED}
    assert workflow.PIPELINE[S.COMPLETING] == {S.COMPLETED, S.CANCELLED}
    assert S.COMPLETED not in workflow.PIPELINE and S.CANCELLED not in workflow.PIPELINE


def test_full_life_of_a_route(world):
    teacher, curator = world["teacher"].user, world["curator"].user
    route = ready_route(world)
    route_submit(actor=teacher, route=route)
    route.refresh_from_db()
    assert route.status == S.SUBMITTED and route.submitted_at
    assert Notification.objects.filter(recipient=curator, text__contains="отправлен на экспертизу").exists()

    route_review(actor=curator, route=route, verdict=Verdict.MINOR, comment="Добавьте стажировку")
    route.refresh_from_db()
    assert route.status == S.RETURNED and route.verdict == Verdict.MINOR
    assert Notification.objects.filter(
        recipient=teacher, text="Заключение куратора по ИОМ: незначительная доработка"
    ).exists()
    assert route.comments.get().text == "Заключение куратора: незначительная доработка. Добавьте стажировку"

    route_transition(actor=teacher, route=route, target=S.SUBMITTED)
    route_review(actor=curator, route=route, verdict=Verdict.NO_CORRECTIONS)
    route.refresh_from_db()
    assert route.status == S.APPROVED and route.approved_at
    assert RouteReview.objects.filter(route=route).count() == 2

    route_transition(actor=teacher, route=route, target=S.IN_PROGRESS)
    with pytest.raises(DomainError, match="подтвердите переход к завершению"):
        route_transition(actor=curator, route=route, target=S.COMPLETING)
    route_transition(actor=curator, route=route, target=S.COMPLETING, confirm_planned=True)
    make_attempt(world["teacher"], {teacher_blocks()[0]: 72, teacher_blocks()[1]: 88}, kind="final")
    route_conclusions_save(actor=curator, route=route, conclusions="Дефициты предметного блока преодолены.")
    with pytest.raises(DomainError, match="подпись регионального методиста, подпись руководителя ОО"):
        route_transition(actor=curator, route=route, target=S.COMPLETED)
    route_conclusions_sign(actor=world["regional_methodist"].user, route=route, as_role="regional_methodist")
    route_conclusions_sign(actor=world["school_head"].user, route=route, as_role="school_head")
    route_conclusions_acknowledge(actor=teacher, route=route)
    route_transition(actor=curator, route=route, target=S.COMPLETED)
    route.refresh_from_db()
    assert route.status == S.COMPLETED and route.completed_at and route.final_attempt_id
    trail = list(RouteEvent.objects.filter(route=route).values_list("from_status", "to_status"))
    assert trail == [
        ("", S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
        (S.APPROVED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.COMPLETING),
        (S.COMPLETING, S.COMPLETED),
    ]


def test_major_revision_returns_the_route(world):
    route = ready_route(world, S.SUBMITTED)
    route_review(
        actor=world["curator"].user, route=route, verdict=Verdict.MAJOR, comment="Мероприятия не по дефицитам"
    )
    route.refresh_from_db()
    assert route.status == S.RETURNED and route.verdict == Verdict.MAJOR


def test_teacher_cannot_approve_own_route(world):
    route = ready_route(world, S.SUBMITTED)
    with pytest.raises(DomainError, match="куратор"):
        route_review(actor=world["teacher"].user, route=route, verdict=Verdict.NO_CORRECTIONS)
    with pytest.raises(DomainError, match="заключением куратора"):
        route_transition(actor=world["teacher"].user, route=route, target=S.APPROVED)
    route.refresh_from_db()
    assert route.status == S.SUBMITTED and not route.reviews.exists()


def test_curator_of_another_teacher_cannot_review(world):
    other_curator = make_person("curator", organization=world["centre"], username="curator2")
    assign_support(world["other_teacher"], other_curator, "curator")
    route = ready_route(world, S.SUBMITTED)
    with pytest.raises(DomainError):
        route_review(actor=other_curator.user, route=route, verdict=Verdict.NO_CORRECTIONS)
    # and the page does not even exist for them
    from django.test import Client

    client = Client()
    login(client, other_curator)
    assert (
        client.post(reverse("routes:review", args=[route.pk]), {"verdict": "no_corrections"}).status_code
        == 404
    )
    route.refresh_from_db()
    assert route.status == S.SUBMITTED


@pytest.mark.parametrize("role", ["tutor", "mentor", "school_head", "regional_methodist", "operator"])
def test_only_the_curator_reviews(world, role):
    route = ready_route(world, S.SUBMITTED)
    with pytest.raises(DomainError):
        route_review(actor=world[role].user, route=route, verdict=Verdict.NO_CORRECTIONS)


def test_editing_an_approved_route_needs_a_correction(world):
    route = ready_route(world, S.APPROVED)
    with pytest.raises(DomainError, match="корректировка"):
        route_update(
            actor=world["teacher"].user,
            route=route,
            educational_tasks="Другая задача",
            final_event_title="",
            final_event_level="",
            final_event_starts_on=None,
            final_event_ends_on=None,
        )
    route.refresh_from_db()
    assert "Другая задача" not in route.educational_tasks and not route.corrections.exists()


def test_return_needs_a_comment_and_verdict_is_known(world):
    route = ready_route(world, S.SUBMITTED)
    with pytest.raises(DomainError, match="комментарий"):
        route_review(actor=world["curator"].user, route=route, verdict=Verdict.MINOR, comment=" ")
    with pytest.raises(DomainError, match="Выберите заключение"):
        route_review(actor=world["curator"].user, route=route, verdict="great")


def test_cannot_submit_without_activities_or_tasks(world):
    blocks = teacher_blocks()
    route = make_route(world["teacher"], results={blocks[0]: 40})
    with pytest.raises(DomainError, match="хотя бы одно мероприятие"):
        route_submit(actor=world["teacher"].user, route=route)
    route.educational_tasks = ""
    route.save()
    route_activity_add_from_catalogue(
        actor=world["teacher"].user, route=route, activity=ActivityFactory(competences=[blocks[0]])
    )
    with pytest.raises(DomainError, match="образовательные задачи"):
        route_submit(actor=world["teacher"].user, route=route)
    route.refresh_from_db()
    assert route.status == S.DRAFT


def test_double_submit_is_refused(world):
    route = ready_route(world)
    route_submit(actor=world["teacher"].user, route=route)
    with pytest.raises(DomainError, match="Из статуса «на рассмотрении»"):
        route_submit(actor=world["teacher"].user, route=route)
    assert RouteEvent.objects.filter(route=route, to_status=S.SUBMITTED).count() == 1


@pytest.mark.parametrize(
    "role,source,target",
    [
        ("curator", S.DRAFT, S.SUBMITTED),
        ("mentor", S.DRAFT, S.SUBMITTED),
        ("tutor", S.APPROVED, S.IN_PROGRESS),
        ("school_head", S.IN_PROGRESS, S.COMPLETING),
        ("teacher", S.COMPLETING, S.COMPLETED),
        ("teacher", S.APPROVED, S.CANCELLED),
        ("curator", S.DRAFT, S.CANCELLED),
        ("teacher", S.COMPLETED, S.IN_PROGRESS),
        ("operator", S.CANCELLED, S.DRAFT),
    ],
)
def test_refused_transitions(world, role, source, target):
    route = ready_route(world, source)
    with pytest.raises(DomainError):
        route_transition(actor=world[role].user, route=route, target=target, comment="причина")
    route.refresh_from_db()
    assert route.status == source


def test_operator_cancels_with_a_reason(world):
    route = ready_route(world, S.IN_PROGRESS)
    with pytest.raises(DomainError, match="Укажите причину"):
        route_transition(actor=world["operator"].user, route=route, target=S.CANCELLED)
    route_transition(
        actor=world["operator"].user, route=route, target=S.CANCELLED, comment="педагог уволился"
    )
    route.refresh_from_db()
    assert route.status == S.CANCELLED
    assert route.events.last().comment == "педагог уволился"


def test_buttons_come_from_the_map(world, client):
    route = ready_route(world)
    login(client, world["teacher"])
    page = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert "Отправить на экспертизу куратору" in page
    assert "Сохранить заключение" not in page
    login(client, world["curator"])
    page = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert "Отправить на экспертизу куратору" not in page
    Route.objects.filter(pk=route.pk).update(status=S.SUBMITTED)
    page = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert "Сохранить заключение" in page and "незначительная доработка" in page
    login(client, world["teacher"])
    page = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert "Сохранить заключение" not in page and "Отправить на экспертизу" not in page


def test_submit_and_review_through_pages(world, client):
    route = ready_route(world)
    login(client, world["teacher"])
    r = client.post(reverse("routes:transition", args=[route.pk]), {"target": "submitted"}, follow=True)
    assert "Статус ИОМ: на рассмотрении." in r.content.decode()
    login(client, world["curator"])
    r = client.post(
        reverse("routes:review", args=[route.pk]), {"verdict": "minor", "comment": ""}, follow=True
    )
    assert "При возврате на доработку напишите комментарий" in r.content.decode()
    r = client.post(
        reverse("routes:review", args=[route.pk]),
        {"verdict": "minor", "comment": "Уточните сроки"},
        follow=True,
    )
    html = r.content.decode()
    assert "возвращён на доработку" in html and "Уточните сроки" in html


def test_conclusions_rules(world):
    route = ready_route(world, S.IN_PROGRESS)
    curator = world["curator"].user
    with pytest.raises(DomainError, match="на этапе завершения"):
        route_conclusions_save(actor=curator, route=route, conclusions="Выводы")
    Route.objects.filter(pk=route.pk).update(status=S.COMPLETING)
    route.refresh_from_db()
    with pytest.raises(DomainError, match="Собственный ИОМ нельзя"):
        route_conclusions_save(actor=world["teacher"].user, route=route, conclusions="Сам себе")
    with pytest.raises(DomainError, match="Итоговая диагностика"):
        route_conclusions_save(actor=curator, route=route, conclusions="Выводы")
    make_attempt(world["teacher"], {teacher_blocks()[0]: 81}, kind="final")
    route_conclusions_save(actor=curator, route=route, conclusions="Выводы")
    with pytest.raises(DomainError, match="подписывают"):
        route_conclusions_sign(actor=curator, route=route, as_role="regional_methodist")
    with pytest.raises(DomainError, match="подписывают"):
        route_conclusions_sign(actor=world["school_head"].user, route=route, as_role="regional_methodist")
    route_conclusions_sign(actor=world["school_head"].user, route=route, as_role="school_head")
    # a new text drops the signatures
    route_conclusions_save(actor=curator, route=route, conclusions="Выводы, уточнённые")
    route.refresh_from_db()
    assert route.conclusions_signed_by_head is None
    from routes.selectors import card_context, card_queryset

    ctx = card_context(card_queryset().get(pk=route.pk))
    assert ctx["final_diagnostics"]["rows"][0]["high"] is not None
    assert ctx["conclusions_lines"] == ["Выводы, уточнённые"]
