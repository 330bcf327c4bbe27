"""Appendix 1: after approval every change is a correction with its reason, who made it, the
regional methodist's signature and the teacher's acknowledgement."""

import pytest
from django.urls import reverse

from cnppm.models import Notification
from cnppm.services import DomainError
from routes.choices import RouteStatus as S
from routes.models import Correction, Route
from routes.services.corrections import correction_acknowledge, correction_sign
from routes.services.routes import route_activity_add_manual, route_activity_update, route_update
from tests.helpers import login
from tests.routes.factories import teacher_blocks
from tests.routes.test_workflow import ready_route


def test_curator_correction_signed_and_acknowledged(world):
    route = ready_route(world, S.IN_PROGRESS)
    activity = route.activities.get()
    blocks = teacher_blocks()
    route_activity_update(
        actor=world["curator"].user,
        activity=activity,
        title=activity.title,
        competences=[blocks[0], blocks[1]],
        level=activity.level,
        organizer=activity.organizer,
        starts_on=None,
        ends_on=None,
        result_form="методическая разработка",
        reason="Организатор перенёс курс на весну",
    )
    c = Correction.objects.get()
    assert c.reason == "Организатор перенёс курс на весну"
    assert "результат / форма представления" in c.description and c.acknowledged_at is None
    assert Notification.objects.filter(
        recipient=world["teacher"].user, text__contains="корректировка"
    ).exists()
    assert Notification.objects.filter(
        recipient=world["regional_methodist"].user, text__contains="подписи"
    ).exists()
    with pytest.raises(DomainError, match="региональный методист"):
        correction_sign(actor=world["curator"].user, correction=c)
    correction_sign(actor=world["regional_methodist"].user, correction=c)
    with pytest.raises(DomainError, match="уже подписана"):
        correction_sign(actor=world["regional_methodist"].user, correction=c)
    with pytest.raises(DomainError):
        correction_acknowledge(actor=world["curator"].user, correction=c)
    correction_acknowledge(actor=world["teacher"].user, correction=c)
    c.refresh_from_db()
    assert c.signed_by == world["regional_methodist"] and c.acknowledged_at


def test_teacher_correction_is_acknowledged_at_once(world):
    route = ready_route(world, S.APPROVED)
    route_activity_add_manual(
        actor=world["teacher"].user,
        route=route,
        title="Открытый урок в школе",
        competences=[teacher_blocks()[1]],
        level="institutional",
        organizer="Школа 1",
        starts_on=None,
        ends_on=None,
        result_form="конспект",
        reason="Добавлено по совету наставника",
    )
    c = Correction.objects.get()
    assert c.description == "Добавлено мероприятие «Открытый урок в школе»" and c.acknowledged_at


def test_no_correction_before_approval_and_no_edits_after_completion(world):
    route = ready_route(world)
    route_update(
        actor=world["teacher"].user,
        route=route,
        educational_tasks="Новая задача",
        final_event_title="",
        final_event_level="",
        final_event_starts_on=None,
        final_event_ends_on=None,
    )
    assert not Correction.objects.exists()
    route = Route.objects.get(pk=route.pk)
    for status in (S.SUBMITTED, S.COMPLETED, S.CANCELLED):
        type(route).objects.filter(pk=route.pk).update(status=status)
        route.refresh_from_db()
        with pytest.raises(DomainError, match="изменить нельзя"):
            route_update(
                actor=world["teacher"].user,
                route=route,
                educational_tasks="Ещё задача",
                final_event_title="",
                final_event_level="",
                final_event_starts_on=None,
                final_event_ends_on=None,
                reason="хочу",
            )
    with pytest.raises(DomainError):
        type(route).objects.filter(pk=route.pk).update(status=S.APPROVED)
        route.refresh_from_db()
        route_update(
            actor=world["mentor"].user,
            route=route,
            educational_tasks="Задача наставника",
            final_event_title="",
            final_event_level="",
            final_event_starts_on=None,
            final_event_ends_on=None,
            reason="по итогам посещения уроков",
        )


def test_corrections_log_on_the_card(world, client):
    route = ready_route(world, S.APPROVED)
    activity = route.activities.get()
    login(client, world["curator"])
    html = client.post(
        reverse("routes:activity_remove", args=[route.pk, activity.pk]), {"reason": ""}, follow=True
    ).content.decode()
    assert "ИОМ утверждён: изменение вносится как корректировка, укажите её причину." in html
    html = client.post(
        reverse("routes:activity_remove", args=[route.pk, activity.pk]),
        {"reason": "Курс отменён"},
        follow=True,
    ).content.decode()
    assert "исключено из маршрута" in html and "Курс отменён" in html and "ожидает подписи" in html
    c = Correction.objects.get()
    login(client, world["regional_methodist"])
    html = client.post(reverse("routes:correction_sign", args=[route.pk, c.pk]), follow=True).content.decode()
    assert "Корректировка подписана." in html
    login(client, world["teacher"])
    html = client.post(
        reverse("routes:correction_acknowledge", args=[route.pk, c.pk]), follow=True
    ).content.decode()
    assert "Отметка об ознакомлении поставлена." in html
    c.refresh_from_db()
    assert c.signed_by and c.acknowledged_at
