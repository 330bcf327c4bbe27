"""The expert queue: anonymous, scoped to experts and operators, scoring by the rubric, the result
becoming final when the last answer is scored."""

from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from diagnostics.choices import AttemptStatus, ItemType
from diagnostics.models import Answer, Attempt, Item
from diagnostics.services import attempts as svc
from tests.cnppm.factories import make_person
from tests.diagnostics.factories import make_instrument
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db


def _finished_with_extended(person, instrument, text="Я планирую урок через проблемную ситуацию."):
    user = person.user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    for item in Item.objects.filter(variant=attempt.variant):
        value = {"choice": "b"} if item.type == ItemType.SINGLE else {"text": text}
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value=value)
    return svc.attempt_finish(actor=user, attempt_id=attempt.pk)


@pytest.fixture
def instrument(db):
    return make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED), title="Диагностика методистов")


def test_queue_is_anonymous(client, world, instrument):
    teacher = world["teacher"]
    attempt = _finished_with_extended(teacher, instrument)
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    login(client, world["expert"])
    queue = client.get(reverse("diagnostics:expert_queue")).content.decode()
    check = client.get(reverse("diagnostics:expert_check", args=[answer.pk])).content.decode()
    for html in (queue, check):
        assert teacher.last_name not in html
        assert teacher.organization.short_name not in html
    assert f"№ {answer.pk}" in queue
    assert "Диагностика методистов" in queue
    assert "Я планирую урок через проблемную ситуацию." in check
    assert "2 балла — полный ответ" in check  # the rubric
    assert "Балл (от 0 до 2; по критериям: 2, 1, 0)" in check


def test_expert_scores_and_result_becomes_final(client, world, instrument):
    attempt = _finished_with_extended(world["teacher"], instrument)
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    login(client, world["expert"])
    url = reverse("diagnostics:expert_check", args=[answer.pk])
    response = client.post(url, {"points": "5", "comment": ""})
    assert response.status_code == 400
    assert "Балл должен быть от 0 до 2." in response.content.decode()
    response = client.post(url, {"points": "abc"})
    assert "Укажите балл числом." in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.CHECKING
    # Only the rubric's steps (2 / 1 / 0): "1,5" is refused, what was typed stays.
    response = client.post(url, {"points": "1,5", "comment": "Не хватает примера"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Балл ставится по шагам критериев оценивания: 0, 1 или 2." in html
    assert 'value="1,5"' in html and "Не хватает примера" in html
    response = client.post(url, {"points": "1", "comment": "Не хватает примера"}, follow=True)
    assert f"Ответ на задание №{answer.item.number} оценён." in response.content.decode()
    assert "Ответов, ожидающих проверки, нет." in response.content.decode()
    answer.refresh_from_db()
    assert answer.points == Decimal("1")
    assert answer.checked_by == world["expert"].user
    assert answer.expert_comment == "Не хватает примера"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.percent == Decimal("66.666667")
    # double submit: already checked
    assert client.get(url).status_code == 404
    with pytest.raises(DomainError, match="Этот ответ уже проверен."):
        svc.answer_check(actor=world["expert"].user, answer_id=answer.pk, points="2")
    # the participant now sees the result
    login(client, world["teacher"])
    html = client.get(reverse("diagnostics:attempt_result", args=[attempt.pk])).content.decode()
    assert "Общий результат" in html and ("66.7 %" in html or "66,7 %" in html)
    assert "Не хватает примера" in html


def test_in_progress_answers_are_not_in_the_queue(world, instrument):
    attempt = svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, type=ItemType.EXTENDED)
    svc.answer_save(
        actor=world["teacher"].user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "черновик"}
    )
    answer = Answer.objects.get()
    with pytest.raises(Http404):
        svc.answer_check(actor=world["expert"].user, answer_id=answer.pk, points="1")


def test_non_experts_cannot_check(world, instrument):
    attempt = _finished_with_extended(world["teacher"], instrument)
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    for role in ("teacher", "school_head", "regional_methodist", "ministry"):
        with pytest.raises(Http404):
            svc.answer_check(actor=world[role].user, answer_id=answer.pk, points="1")
    assert Answer.objects.get(pk=answer.pk).points is None


def test_permission_matrix_expert_pages(client, world, instrument):
    attempt = _finished_with_extended(world["teacher"], instrument)
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    assert_matrix(client, world, reverse("diagnostics:expert_queue"), {"expert", "operator"})
    assert_matrix(
        client, world, reverse("diagnostics:expert_check", args=[answer.pk]), {"expert", "operator"}
    )


def test_queue_query_count_guard(client, world, instrument):
    _finished_with_extended(world["teacher"], instrument)
    login(client, world["expert"])
    url = reverse("diagnostics:expert_queue")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for _ in range(5):
        _finished_with_extended(make_person(organization=world["o2"]), instrument)
    large = count_queries(lambda: client.get(url))
    assert "Проверить" in client.get(url).content.decode()
    assert_same_queries(small, large)


@pytest.fixture
def two_extended(db):
    return make_instrument(
        types=(ItemType.SINGLE, ItemType.EXTENDED, ItemType.EXTENDED), title="Две развёрнутые задачи"
    )


def test_rubric_steps_and_comma_decimals(world, two_extended):
    attempt = _finished_with_extended(world["teacher"], two_extended)
    first, second = Answer.objects.filter(attempt=attempt, item__type=ItemType.EXTENDED).order_by(
        "item__number"
    )
    expert = world["expert"].user
    for typed in ("1,5", "0.5", "1.25"):
        with pytest.raises(DomainError, match="по шагам критериев оценивания: 0, 1 или 2"):
            svc.answer_check(actor=expert, answer_id=first.pk, points=typed)
    svc.answer_check(actor=expert, answer_id=first.pk, points="2,0")
    svc.answer_check(actor=expert, answer_id=second.pk, points=" 1 ")
    assert [
        a.points for a in Answer.objects.filter(pk__in=[first.pk, second.pk]).order_by("item__number")
    ] == [
        Decimal("2"),
        Decimal("1"),
    ]


def test_score_corrected_until_the_result_is_final(client, world, two_extended):
    attempt = _finished_with_extended(world["teacher"], two_extended)
    first, second = Answer.objects.filter(attempt=attempt, item__type=ItemType.EXTENDED).order_by(
        "item__number"
    )
    login(client, world["expert"])
    client.post(reverse("diagnostics:expert_check", args=[first.pk]), {"points": "2", "comment": "полно"})
    queue = client.get(reverse("diagnostics:expert_queue")).content.decode()
    correct = reverse("diagnostics:expert_correct", args=[first.pk])
    assert 'id="expert-scored"' in queue and correct in queue
    page = client.get(correct).content.decode()
    assert 'value="2"' in page and "Исправить оценку" in page
    r = client.post(correct, {"points": "1,5", "comment": "ошибся"})
    assert r.status_code == 400 and "по шагам критериев" in r.content.decode()
    r = client.post(correct, {"points": "1", "comment": "Пример не из практики"}, follow=True)
    assert "исправлена" in r.content.decode()
    first.refresh_from_db()
    assert first.points == Decimal("1") and first.expert_comment == "Пример не из практики"
    event = AuditEvent.objects.get(verb="answer_score_corrected")
    assert (event.old_value, event.new_value, event.actor) == ("2", "1", world["expert"].user)
    # Another expert cannot reopen it; the attempt's own teacher neither.
    other = make_person("expert", organization=world["centre"], username="expert2")
    with pytest.raises(Http404):
        svc.answer_score_correct(actor=other.user, answer_id=first.pk, points="2")
    # The last answer scored: the result is final and no score can change any more.
    svc.answer_check(actor=world["expert"].user, answer_id=second.pk, points="2")
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.FINAL
    with pytest.raises(DomainError, match="уже окончательный"):
        svc.answer_score_correct(actor=world["expert"].user, answer_id=first.pk, points="2")
    assert client.get(correct).status_code == 404


def test_correction_page_matrix(client, world, two_extended):
    attempt = _finished_with_extended(world["teacher"], two_extended)
    first = Answer.objects.filter(attempt=attempt, item__type=ItemType.EXTENDED).order_by("item__number")[0]
    svc.answer_check(actor=world["operator"].user, answer_id=first.pk, points="1")
    # The operator scored it: the operator may correct it; the expert (not its scorer) may not.
    assert_matrix(client, world, reverse("diagnostics:expert_correct", args=[first.pk]), {"operator"})
