"""Threaded comments on a route and its activities: who sees and answers them, notifications."""

import pytest
from django.urls import reverse

from cnppm.models import Notification
from cnppm.services import DomainError
from routes.models import Comment
from routes.selectors import comment_threads
from routes.services.comments import comment_add
from tests.helpers import login
from tests.routes.factories import make_route
from tests.routes.test_workflow import ready_route


def test_thread_on_route_and_activity_with_notifications(world):
    route = ready_route(world)
    activity = route.activities.get()
    first = comment_add(actor=world["curator"].user, route=route, text="Почему эти сроки?", activity=activity)
    recipients = set(
        Notification.objects.filter(text__startswith="Новый комментарий").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"teacher", "tutor", "mentor"}
    reply = comment_add(actor=world["teacher"].user, route=route, text="Так в каталоге", parent=first)
    assert reply.activity == activity  # a reply stays in its thread
    comment_add(actor=world["mentor"].user, route=route, text="Поддерживаю")
    threads = comment_threads(route, user=world["tutor"].user)
    assert [t["comment"].text for t in threads] == ["Почему эти сроки?", "Поддерживаю"]
    assert [r["comment"].text for r in threads[0]["replies"]] == ["Так в каталоге"]


@pytest.mark.parametrize(
    "role", ["school_head", "municipal_methodist", "regional_methodist", "operator", "other_teacher"]
)
def test_outsiders_neither_write_nor_read(world, role):
    route = ready_route(world)
    comment_add(actor=world["teacher"].user, route=route, text="Вопрос куратору")
    with pytest.raises(DomainError):
        comment_add(actor=world[role].user, route=route, text="Я тоже")
    assert comment_threads(route, user=world[role].user) == []
    assert Comment.objects.count() == 1


def test_empty_and_foreign_reply_refused(world):
    route = ready_route(world)
    other = make_route(world["other_teacher"])
    foreign = Comment.objects.create(route=other, author=world["other_teacher"].user, text="чужой")
    with pytest.raises(DomainError, match="пуст"):
        comment_add(actor=world["teacher"].user, route=route, text="   ")
    with pytest.raises(DomainError, match="только на комментарий этого ИОМ"):
        comment_add(actor=world["teacher"].user, route=route, text="ответ", parent=foreign)


def test_comments_on_the_card_page(world, client):
    route = ready_route(world)
    activity = route.activities.get()
    login(client, world["tutor"])
    r = client.post(
        reverse("routes:comment_add", args=[route.pk]),
        {"text": "Есть запись вебинара", "activity": activity.pk},
        follow=True,
    )
    html = r.content.decode()
    assert (
        "Комментарий отправлен." in html
        and "Есть запись вебинара" in html
        and f"к мероприятию {activity.order} «{activity.title}»" in html
    )
    c = Comment.objects.get()
    login(client, world["teacher"])
    html = client.post(
        reverse("routes:comment_add", args=[route.pk]), {"text": "Спасибо!", "parent": c.pk}, follow=True
    ).content.decode()
    assert "Спасибо!" in html
    assert Notification.objects.filter(
        recipient=world["tutor"].user, text__contains="Новый комментарий"
    ).exists()
    login(client, world["school_head"])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert "Есть запись вебинара" not in html and "Отправить комментарий" not in html
    assert (
        client.post(reverse("routes:comment_add", args=[route.pk]), {"text": "x"}, follow=True).status_code
        == 200
    )
    assert Comment.objects.count() == 2


def test_comment_notification_names_the_author_in_the_genitive(world):
    from cnppm.models import Person

    curator = world["curator"]
    Person.objects.filter(pk=curator.pk).update(
        last_name="Антонова", first_name="Анна", middle_name="Петровна"
    )
    curator.user.person.refresh_from_db()
    route = ready_route(world)
    comment_add(actor=curator.user, route=route, text="Уточните сроки.", activity=route.activities.get())
    note = Notification.objects.get(recipient=world["teacher"].user, text__startswith="Новый комментарий")
    assert note.text.endswith("от Анны Антоновой")
