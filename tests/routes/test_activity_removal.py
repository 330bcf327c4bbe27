"""Removing an activity from the ИОМ never deletes other people's records: the activity is marked
removed, leaves the plan, the card and the PDF, and stays in the route's history with its comments;
activity numbers never shift, so "мероприятие 2" in a verdict keeps meaning the same activity."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from routes.choices import RouteStatus as S
from routes.models import Comment, Correction, Route, RouteActivity, RouteReview
from routes.selectors import card_context, card_queryset
from routes.services.comments import comment_add
from routes.services.routes import route_activity_add_from_catalogue, route_activity_remove
from tests.helpers import login
from tests.routes.factories import ActivityFactory, ReviewFactory, teacher_blocks
from tests.routes.test_workflow import ready_route


def _two_activities(world):
    route = ready_route(world)
    route_activity_add_from_catalogue(
        actor=world["teacher"].user, route=route, activity=ActivityFactory(competences=teacher_blocks()[:1])
    )
    first, second = route.activities.order_by("order")
    return route, first, second


def test_removed_activity_keeps_its_comments_and_leaves_the_plan(world, client):
    route, first, second = _two_activities(world)
    comment_add(actor=world["curator"].user, route=route, text="Сроки курса не совпадают", activity=first)
    Route.objects.filter(pk=route.pk).update(status=S.RETURNED)
    ReviewFactory(route=route, curator=world["curator"], verdict="minor", comment="Мероприятие 2 оставить")

    route_activity_remove(actor=world["teacher"].user, activity=first)

    removed = RouteActivity.all_objects.get(pk=first.pk)
    assert removed.removed_at is not None and removed.removed_by == world["teacher"].user
    assert Comment.objects.filter(activity=first, text="Сроки курса не совпадают").exists()
    assert list(route.activities.all()) == [second]
    # The card and the PDF (one context) list only the plan; numbers are the activities' own.
    context = card_context(card_queryset().get(pk=route.pk))
    assert [(a["number"], a["title"]) for a in context["activities"]] == [(2, second.title)]

    login(client, world["curator"])
    page = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    history = page[page.index('id="removed-activities"') :]
    assert f"Мероприятие 1 «{first.title}» — <strong>удалено</strong>" in history
    assert "Сроки курса не совпадают" in history
    assert f'id="activity-{first.pk}"' not in page
    assert "(удалено из плана)" in page  # the comment thread says its activity is gone


def test_numbers_never_shift_or_repeat(world):
    route, first, second = _two_activities(world)
    route_activity_remove(actor=world["teacher"].user, activity=second)
    third = route_activity_add_from_catalogue(
        actor=world["teacher"].user, route=route, activity=ActivityFactory(competences=teacher_blocks()[:1])
    )
    numbers = [a["number"] for a in card_context(card_queryset().get(pk=route.pk))["activities"]]
    assert numbers == [1, 3]
    assert third.order == 3


def test_removed_activity_is_neither_editable_nor_commentable(world, client):
    route, first, _ = _two_activities(world)
    route_activity_remove(actor=world["teacher"].user, activity=first)
    login(client, world["teacher"])
    assert client.get(reverse("routes:activity_edit", args=[route.pk, first.pk])).status_code == 404
    client.post(reverse("routes:comment_add", args=[route.pk]), {"text": "ещё", "activity": first.pk})
    assert not Comment.objects.filter(text="ещё").exists()


def test_people_records_are_protected_from_cascades(world):
    route, first, _ = _two_activities(world)
    comment = comment_add(actor=world["curator"].user, route=route, text="Замечание", activity=first)
    comment_add(actor=world["teacher"].user, route=route, text="Ответ", parent=comment)
    ReviewFactory(route=route, curator=world["curator"])
    Correction.objects.create(route=route, reason="перенос", author=world["curator"].user)
    with pytest.raises(ProtectedError):
        RouteActivity.all_objects.get(pk=first.pk).delete()
    with pytest.raises(ProtectedError):
        Comment.objects.get(pk=comment.pk).delete()
    with pytest.raises(ProtectedError):
        Route.objects.get(pk=route.pk).delete()
    assert Comment.objects.count() == 2 and RouteReview.objects.count() == 1
