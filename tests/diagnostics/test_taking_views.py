"""The participant's pages through the test client: start, question pages with autosave, late
answers, finish summary, results with recommendations; keys never in the HTML; the permission matrix."""

import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cnppm.models import PersonalDataAccess
from diagnostics.choices import AttemptStatus, InstrumentKind, ItemType
from diagnostics.models import Answer, Attempt, Item
from diagnostics.services import attempts as svc
from tests.diagnostics.factories import CompetenceBlockFactory, make_final_attempt, make_instrument
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument(db):
    return make_instrument(
        title="Входная диагностика учителей математики",
        time_limit_minutes=120,
        instructions="Проходите только один вариант.",
    )


def _start(client, world, instrument):
    login(client, world["teacher"])
    response = client.post(reverse("diagnostics:instrument_start", args=[instrument.pk]))
    attempt = Attempt.objects.get(person=world["teacher"])
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnostics:attempt_question", args=[attempt.pk, 1])
    return attempt


def test_cabinet_and_start_page_show_the_instrument(client, world, instrument):
    login(client, world["teacher"])
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "Диагностика профессиональных дефицитов" in cabinet
    assert "Входная диагностика учителей математики" in cabinet
    assert "Перейти к работе" in cabinet
    page = client.get(reverse("diagnostics:instrument_start", args=[instrument.pk])).content.decode()
    assert '<dd class="col-sm-9" id="questions-count">7</dd>' in page
    assert "02:00:00 (120 мин)" in page
    assert "60%" in page
    assert "Проходите только один вариант." in page
    assert ">Начать</button>" in page


def test_question_page_autosave_and_resume(client, world, instrument):
    attempt = _start(client, world, instrument)
    page = client.get(reverse("diagnostics:attempt_question", args=[attempt.pk, 1])).content.decode()
    assert "Вопрос 1 из 7" in page
    assert 'role="timer"' in page and 'data-seconds="71' in page  # about 7 200 seconds left
    assert "Завершить тест" in page
    single = Item.objects.get(variant=attempt.variant, number=1)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, single.pk])
    response = client.post(url, {"type": "single", "choice": "b"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Ответ сохранён в" in response.content.decode()
    # the answer survives leaving the page: coming back shows it checked
    page = client.get(reverse("diagnostics:attempt_question", args=[attempt.pk, 1])).content.decode()
    assert 'value="b" checked' in page
    assert "(есть ответ)" in page
    matching = Item.objects.get(variant=attempt.variant, number=3)
    client.post(
        reverse("diagnostics:answer_save", args=[attempt.pk, matching.pk]),
        {"type": "matching", "pair_l1": "r2", "pair_l2": "r1"},
    )
    ordering = Item.objects.get(variant=attempt.variant, number=4)
    page = client.get(reverse("diagnostics:attempt_question", args=[attempt.pk, 4])).content.decode()
    assert "Поднять выше" in page
    response = client.post(
        reverse("diagnostics:answer_save", args=[attempt.pk, ordering.pk]),
        {"type": "ordering", "order": ["e1", "e2", "e3"], "move": "e2:up"},
    )
    assert response.status_code == 200
    assert Answer.objects.get(item=ordering).value == {"order": ["e2", "e1", "e3"]}
    assert Answer.objects.get(item=matching).value == {"pairs": {"l1": "r2", "l2": "r1"}}


def test_keys_never_reach_the_browser(client, world, instrument):
    Item.objects.filter(variant__instrument=instrument, type=ItemType.SHORT).update(
        key={"accepted": ["секретныйключ"]}
    )
    attempt = _start(client, world, instrument)
    html = "".join(
        client.get(reverse("diagnostics:attempt_question", args=[attempt.pk, n])).content.decode()
        for n in range(1, 8)
    )
    assert "секретныйключ" not in html
    assert '"correct"' not in html and "Анализ итогов" in html


def test_invalid_and_late_answers_are_refused_with_a_message(client, world, instrument):
    attempt = _start(client, world, instrument)
    single = Item.objects.get(variant=attempt.variant, number=1)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, single.pk])
    response = client.post(url, {"type": "single", "choice": "нет-такого"})
    assert response.status_code == 400
    assert "Выберите один из предложенных вариантов." in response.content.decode()
    assert not Answer.objects.exists()
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = client.post(url, {"type": "single", "choice": "b"})
    assert response.status_code == 409
    assert "Время выполнения работы истекло: ответ не принят." in response.content.decode()
    assert response["HX-Redirect"] == reverse("diagnostics:attempt_result", args=[attempt.pk])
    assert not Answer.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL


def test_opening_an_expired_attempt_closes_it(client, world, instrument):
    attempt = _start(client, world, instrument)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("diagnostics:attempt_question", args=[attempt.pk, 2]), follow=True)
    assert (
        "Время выполнения работы истекло. Работа завершена с сохранёнными ответами."
        in response.content.decode()
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL


def test_finish_summary_lists_unanswered_then_result(client, world):
    b1 = CompetenceBlockFactory(name="Предметные компетенции", order=1)
    b2 = CompetenceBlockFactory(name="Методические компетенции", order=2)
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.SHORT, ItemType.MULTIPLE), blocks=[b1, b2])
    attempt = _start(client, world, instrument)
    items = {i.number: i for i in Item.objects.filter(variant=attempt.variant)}
    client.post(
        reverse("diagnostics:answer_save", args=[attempt.pk, items[1].pk]), {"type": "single", "choice": "b"}
    )
    client.post(
        reverse("diagnostics:answer_save", args=[attempt.pk, items[2].pk]), {"type": "short", "text": "ОБЪЁМ"}
    )
    summary = client.get(reverse("diagnostics:attempt_finish", args=[attempt.pk])).content.decode()
    assert "Отвечено: 2 из 3. Без ответа: 1." in summary
    assert "Вопрос 3</a>" in summary
    response = client.post(reverse("diagnostics:attempt_finish", args=[attempt.pk]), follow=True)
    html = response.content.decode()
    assert "Работа завершена." in html
    assert "66.7 %" in html or "66,7 %" in html
    assert "средний" in html
    assert "ИОМ или курсы повышения квалификации по предметным программам" in html  # Table 1
    assert "Тема 3 (несколько верных ответов)" in html  # the missed topic of block 1
    # a second submit changes nothing
    client.post(reverse("diagnostics:attempt_finish", args=[attempt.pk]))
    assert Attempt.objects.get(pk=attempt.pk).percent == Decimal("66.666667")


def test_result_hidden_until_expert_checked(client, world):
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED))
    attempt = _start(client, world, instrument)
    ext = Item.objects.get(variant=attempt.variant, type=ItemType.EXTENDED)
    client.post(
        reverse("diagnostics:answer_save", args=[attempt.pk, ext.pk]),
        {"type": "extended", "text": "Мой ответ"},
    )
    response = client.post(reverse("diagnostics:attempt_finish", args=[attempt.pk]), follow=True)
    html = response.content.decode()
    assert "Развёрнутые ответы проверяет эксперт; результат появится после проверки." in html
    assert "Общий результат" not in html
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "на проверке у эксперта" in cabinet


def test_second_attempt_blocked_in_the_browser(client, world, instrument):
    attempt = _start(client, world, instrument)
    svc.attempt_finish(actor=world["teacher"].user, attempt_id=attempt.pk)
    page = client.get(reverse("diagnostics:instrument_start", args=[instrument.pk])).content.decode()
    assert "Повторная попытка возможна только с разрешения оператора ЦНППМ." in page
    response = client.post(reverse("diagnostics:instrument_start", args=[instrument.pk]), follow=True)
    assert "Вы уже проходили эту диагностику." in response.content.decode()
    assert Attempt.objects.count() == 1


def test_dynamics_on_the_result_page(client, world):
    b1 = CompetenceBlockFactory(name="Предметные компетенции", order=1)
    entry = make_instrument(types=(ItemType.SINGLE,), kind=InstrumentKind.ENTRY)
    final = make_instrument(types=(ItemType.SINGLE,), kind=InstrumentKind.FINAL)
    make_final_attempt(world["teacher"], entry, {b1: 40})
    last = make_final_attempt(world["teacher"], final, {b1: 85})
    login(client, world["teacher"])
    html = client.get(reverse("diagnostics:attempt_result", args=[last.pk])).content.decode()
    assert "Динамика: входная и итоговая диагностика" in html
    assert "+45.0 п.п." in html or "+45,0 п.п." in html


def test_permission_matrix_taking_pages(client, world, instrument):
    attempt = svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    own_only = {"teacher"}
    assert_matrix(client, world, reverse("diagnostics:attempt_question", args=[attempt.pk, 1]), own_only)
    assert_matrix(client, world, reverse("diagnostics:attempt_finish", args=[attempt.pk]), own_only)
    item = Item.objects.get(variant=attempt.variant, number=1)
    assert_matrix(
        client,
        world,
        reverse("diagnostics:answer_save", args=[attempt.pk, item.pk]),
        own_only,
        method="post",
        data={"type": "single", "choice": "b"},
    )
    assert Answer.objects.get().value == {"choice": "b"}


def test_permission_matrix_result(client, world, instrument):
    attempt = make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    in_scope = {
        "teacher",
        "mentor",
        "curator",
        "tutor",
        "school_head",
        "municipal_methodist",
        "regional_methodist",
        "operator",
    }
    assert_matrix(client, world, reverse("diagnostics:attempt_result", args=[attempt.pk]), in_scope)
    assert (
        PersonalDataAccess.objects.filter(object_type="diagnostic_result", object_id=str(attempt.pk)).count()
        == 7
    )


def test_permission_matrix_operator_pages(client, world, instrument):
    make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    assert_matrix(client, world, reverse("diagnostics:attempt_list"), {"operator"})
    assert_matrix(
        client,
        world,
        reverse("diagnostics:my_diagnostics"),
        set(__import__("tests.helpers").helpers.ALL_ROLES) - {"anonymous"},
    )


def test_operator_grants_retake_in_the_browser(client, world, instrument):
    attempt = make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    login(client, world["operator"])
    page = client.get(reverse("diagnostics:attempt_list"), {"q": world["teacher"].last_name}).content.decode()
    assert str(world["teacher"]) in page and "Разрешить" in page
    response = client.post(
        reverse("diagnostics:retake_grant", args=[attempt.pk]), {"reason": ""}, follow=True
    )
    assert "Укажите причину повторной попытки" in response.content.decode()
    response = client.post(
        reverse("diagnostics:retake_grant", args=[attempt.pk]), {"reason": "Сбой электропитания"}, follow=True
    )
    assert "разрешена повторная попытка" in response.content.decode()
    assert "разрешена: Сбой электропитания" in response.content.decode()
    login(client, world["teacher"])
    assert "Пройти повторно" in client.get(reverse("diagnostics:my_diagnostics")).content.decode()


def test_attempt_list_query_count_guard(client, world, instrument):
    from tests.cnppm.factories import make_person

    make_final_attempt(world["teacher"], instrument, {CompetenceBlockFactory(): 70})
    login(client, world["operator"])
    url = reverse("diagnostics:attempt_list")
    client.get(url)  # the session is saved on the first request only
    small = count_queries(lambda: client.get(url))
    for _ in range(6):
        make_final_attempt(make_person(organization=world["o2"]), instrument, {CompetenceBlockFactory(): 50})
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)


def test_my_diagnostics_query_count_guard(client, world):
    make_instrument(types=(ItemType.SINGLE,), variants=1)
    login(client, world["teacher"])
    url = reverse("diagnostics:my_diagnostics")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for _ in range(4):
        other = make_instrument(types=(ItemType.SINGLE,), variants=1)
        svc.attempt_start(actor=world["teacher"].user, instrument_id=other.pk)
    large = count_queries(lambda: client.get(url))
    assert_same_queries(small, large)


def test_autosave_request_is_lean(client, world, instrument):
    """Issue 11.2: the session read and ONE statement that checks ownership, status, deadline, the
    item's variant and the account's gates and writes; no user row, no consent query, no menu, no
    notifications, no role scope."""
    attempt = _start(client, world, instrument)
    item = Item.objects.get(variant=attempt.variant, number=5)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, item.pk])
    client.post(url, {"type": "short", "text": "первый"})
    qc = count_queries(lambda: client.post(url, {"type": "short", "text": "второй"}))
    sql = [q["sql"] for q in qc.ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # On PostgreSQL the statement is prepared per connection (services.attempts._execute_prepared).
    prepared = f"EXECUTE {svc._PREPARED_NAME} "
    writes = [q for q in sql if "diagnostics_" in q or q.startswith(prepared)]
    assert len(writes) == 1 and writes[0].startswith(('INSERT INTO "diagnostics_answer"', prepared)), qc.sql
    others = [q for q in sql if q not in writes]
    assert all('"django_session"' in q for q in others) and len(others) <= 1, qc.sql  # the session
    assert Answer.objects.get(item=item).value == {"text": "второй"}


def test_autosave_keeps_the_gates_without_loading_the_user(client, world, instrument):
    """The request gates still hold on the light path: a withdrawn consent, a password to change,
    a deactivated account, a foreign attempt and a session from before a password change save
    nothing, with the gate's own messages."""
    from cnppm.models import User

    attempt = _start(client, world, instrument)
    item = Item.objects.get(variant=attempt.variant, number=5)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, item.pk])
    post = lambda text: client.post(url, {"type": "short", "text": text}, HTTP_HX_REQUEST="true")  # noqa: E731
    assert post("сохранено")["X-Answer-Saved"] == "1"

    User.objects.filter(pk=world["teacher"].user.pk).update(must_change_password=True)
    response = post("пароль")
    assert response.status_code == 403 and "Смените выданный пароль" in response.json()["detail"]
    User.objects.filter(pk=world["teacher"].user.pk).update(must_change_password=False)

    User.objects.filter(pk=world["teacher"].user.pk).update(consent_withdrawn_at=timezone.now())
    response = post("отзыв")
    assert response.status_code == 403 and "Дайте согласие" in response.json()["detail"]
    User.objects.filter(pk=world["teacher"].user.pk).update(consent_withdrawn_at=None)
    assert Answer.objects.get(item=item).value == {"text": "сохранено"}

    other = Client()
    login(other, world["other_teacher"])
    assert other.post(url, {"type": "short", "text": "чужой"}).status_code == 404
    anonymous = Client().post(url, {"type": "short", "text": "без входа"})
    assert anonymous.status_code in (401, 403)

    # A password change ends the other sessions: the old one saves nothing.
    user = User.objects.get(pk=world["teacher"].user.pk)
    user.set_password("Новый-пароль-2026")
    user.save()
    from cnppm import middleware

    middleware._verified_sessions.clear()
    assert post("после смены пароля").status_code == 401
    assert Answer.objects.get(item=item).value == {"text": "сохранено"}


def test_autosave_enforces_csrf(world, instrument):
    client = Client(enforce_csrf_checks=True)
    login(client, world["teacher"])
    attempt = svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=5)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, item.pk])
    assert client.post(url, {"type": "short", "text": "без токена"}).status_code == 403
    assert not Answer.objects.exists()


def test_subject_mismatch_is_advisory(client, world):
    from tests.cnppm.factories import SubjectFactory

    physics = SubjectFactory(code="physics", name="физика")
    instrument = make_instrument(types=(ItemType.SINGLE,), subject=physics)
    login(client, world["teacher"])
    page = client.get(reverse("diagnostics:instrument_start", args=[instrument.pk])).content.decode()
    assert "Работа составлена для предметной области «физика», которой нет в вашем профиле." in page
    assert ">Начать</button>" in page
    world["teacher"].subjects.add(physics)
    page = client.get(reverse("diagnostics:instrument_start", args=[instrument.pk])).content.decode()
    assert "которой нет в вашем профиле" not in page


def test_partial_credit_thirds_show_33_3_on_the_result_page(client, world):
    """Issue 9: three partial-credit items (correct a, b, d) each answered «a» only earn 1/3 each: the
    stored points sum to exactly 1 of 3 and the block shows 33,3 %, rounded once (0.33 each showed 33,0)."""
    block = CompetenceBlockFactory(name="Предметные компетенции", order=1)
    instrument = make_instrument(types=(ItemType.MULTIPLE,) * 3, blocks=[block], variants=1)
    Item.objects.filter(variant__instrument=instrument).update(partial_credit=True)
    attempt = _start(client, world, instrument)
    for it in Item.objects.filter(variant=attempt.variant):
        Answer.objects.create(attempt=attempt, item=it, value={"choices": ["a"]})
    html = client.post(reverse("diagnostics:attempt_finish", args=[attempt.pk]), follow=True).content.decode()
    assert re.search(r"Предметные компетенции</th><td>33,3 %</td>", html), html
    assert 'id="overall-percent">33,3 %' in html
    answers = list(Answer.objects.filter(attempt=attempt))
    assert [a.exact_points for a in answers] == [Fraction(1, 3)] * 3
    assert sum(a.exact_points for a in answers) == 1
