"""A form that cannot be saved now is not offered (with a sentence saying why and when it will be),
and a refused save comes back with what was typed and the reason, not a redirect that drops it."""

import pytest
from django.urls import reverse

from routes.choices import RouteStatus as S
from routes.models import Comment, Route
from tests.helpers import login
from tests.routes.factories import make_attempt, teacher_blocks
from tests.routes.test_workflow import ready_route

TEXT = "Педагог освоил формирующее оценивание; рекомендовано продолжить работу с наставником."


@pytest.mark.parametrize("who", ["regional_methodist", "curator"])
def test_conclusions_form_hidden_until_the_final_diagnostics_is_ready(world, client, who):
    route = ready_route(world, S.COMPLETING)
    login(client, world[who])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'id="conclusions-form"' not in html
    assert "Итоговая диагностика педагогом ещё не пройдена" in html
    assert "форма выводов появится, когда результат итоговой диагностики будет готов" in html
    make_attempt(world["teacher"], {teacher_blocks()[0]: 81}, kind="final")
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'id="conclusions-form"' in html and 'id="conclusions-unavailable"' not in html


def test_conclusions_form_hidden_before_completion_says_when(world, client):
    route = ready_route(world, S.IN_PROGRESS)
    login(client, world["regional_methodist"])
    html = client.get(reverse("routes:card", args=[route.pk])).content.decode()
    assert 'id="conclusions-form"' not in html
    assert "форма появится, когда ИОМ перейдёт в статус «завершается»" in html


def test_refused_conclusions_keep_the_typed_text(world, client):
    route = ready_route(world, S.COMPLETING)  # no final diagnostics: the save is refused
    login(client, world["regional_methodist"])
    r = client.post(reverse("routes:conclusions", args=[route.pk]), {"conclusions": TEXT})
    assert r.status_code == 200
    html = r.content.decode()
    assert TEXT in html and 'role="alert"' in html
    assert "Итоговая диагностика педагогом ещё не пройдена" in html
    route.refresh_from_db()
    assert route.conclusions == ""


def test_refused_review_keeps_the_comment(world, client):
    route = ready_route(world, S.SUBMITTED)
    login(client, world["curator"])
    Route.objects.filter(pk=route.pk).update(status=S.CANCELLED)  # cancelled meanwhile
    comment = "Сроки стажировки пересекаются с курсами"
    r = client.post(reverse("routes:review", args=[route.pk]), {"verdict": "minor", "comment": comment})
    html = r.content.decode()
    assert r.status_code == 200 and comment in html
    assert "экспертиза уже проведена или ИОМ не подан" in html


def test_refused_reply_keeps_its_text_in_its_thread(world, client):
    route = ready_route(world)
    first = Comment.objects.create(route=route, author=world["curator"].user, text="Вопрос")
    login(client, world["teacher"])
    long = "я" * 5001
    r = client.post(reverse("routes:comment_add", args=[route.pk]), {"text": long, "parent": first.pk})
    html = r.content.decode()
    assert r.status_code == 200
    assert f'id="reply-{first.pk}" name="text" rows="2" required>{long}</textarea>' in html
    assert "Комментарий пуст или слишком длинный." in html


def test_refused_cancellation_keeps_its_reason(world, client):
    route = ready_route(world, S.SUBMITTED)
    login(client, world["operator"])
    Route.objects.filter(pk=route.pk).update(status=S.COMPLETED)  # completed meanwhile
    reason = "Педагог уволился из школы"
    r = client.post(reverse("routes:transition", args=[route.pk]), {"target": S.CANCELLED, "comment": reason})
    html = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in html
    assert "нельзя перейти" in html and reason in html
    route.refresh_from_db()
    assert route.status == S.COMPLETED
