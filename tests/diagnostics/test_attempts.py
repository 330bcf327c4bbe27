"""Attempts: availability, variant assignment, autosave, the deadline, double submit, scoring on
finish, retake rules, the finish query budget, latest_final_result."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from diagnostics.choices import (
    AttemptStatus,
    Audience,
    FinishReason,
    InstrumentKind,
    InstrumentStatus,
    ItemType,
)
from diagnostics.models import Answer, Attempt, BlockResult, Item, RetakeGrant
from diagnostics.selectors.attempts import latest_final_result, my_diagnostics, result_dynamics
from diagnostics.services import attempts as svc
from tests.cnppm.factories import make_person
from tests.diagnostics.factories import ANSWERS, CompetenceBlockFactory, make_final_attempt, make_instrument
from tests.helpers import count_queries


def real_queries(qc) -> list[str]:
    """The statements that reach the database, without the test transaction's savepoints."""
    return [q["sql"] for q in qc.ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


AUTO = (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.MATCHING, ItemType.ORDERING, ItemType.SHORT)


def _answer_all(user, attempt, *, wrong=()):
    for item in Item.objects.filter(variant=attempt.variant):
        value = ANSWERS[item.type]
        if item.number in wrong:
            value = {ItemType.SINGLE: {"choice": "a"}, ItemType.SHORT: {"text": "не то"}}.get(
                item.type, value
            )
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value=value)


@pytest.fixture
def instrument(db):
    return make_instrument(types=AUTO + (ItemType.SELF_ANALYSIS,))


def test_start_assigns_least_used_variant_evenly(instrument):
    people = [make_person() for _ in range(9)]
    numbers = [svc.attempt_start(actor=p.user, instrument_id=instrument.pk).variant.number for p in people]
    assert numbers == [1, 2, 3, 4, 1, 2, 3, 4, 1]


def test_start_twice_resumes_the_same_attempt(world, instrument):
    user = world["teacher"].user
    first = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    second = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1
    assert first.deadline - first.started_at == timedelta(minutes=120)
    assert first.organization == world["o1"]
    assert AuditEvent.objects.filter(verb="attempt_started").count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": InstrumentStatus.DRAFT}, "Диагностическая работа не опубликована."),
        ({"closes_at": timezone.now() - timedelta(days=1)}, "Срок прохождения работы истёк."),
        ({"audience": Audience.MANAGERS}, "Эта работа предназначена для другой категории участников."),
    ],
)
def test_start_refused_when_not_available(world, instrument, change, message):
    for field, value in change.items():
        setattr(instrument, field, value)
    instrument.save()
    with pytest.raises(DomainError) as exc:
        svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    assert exc.value.message == message
    assert not Attempt.objects.exists()


def test_not_yet_open_and_manager_audience(world, instrument):
    instrument.opens_at = timezone.now() + timedelta(days=3)
    instrument.save()
    with pytest.raises(DomainError, match="Работа будет доступна с"):
        svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    managers = make_instrument(types=(ItemType.SINGLE,), audience=Audience.MANAGERS)
    head = world["school_head"]
    head.is_manager = True
    head.save()
    assert svc.attempt_start(actor=head.user, instrument_id=managers.pk).status == AttemptStatus.IN_PROGRESS
    assert [r.instrument for r in my_diagnostics(head.user)] == [managers]


def test_save_answer_upserts_and_validates(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=1)
    svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"choice": "a"})
    svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"choice": "b"})
    assert list(Answer.objects.values_list("value", flat=True)) == [{"choice": "b"}]
    with pytest.raises(DomainError, match="Выберите один из предложенных вариантов"):
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"choice": "zz"})
    assert Answer.objects.get().value == {"choice": "b"}


def test_save_answer_hot_path_is_one_statement(world, instrument):
    """Issue 11.2: the save is one INSERT … SELECT that checks and writes (the item's rules are read
    once per process: items with attempts are frozen); the refusal path alone asks why."""
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=5)
    svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "первый"})
    qc = count_queries(
        lambda: svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "х"})
    )
    (sql,) = real_queries(qc)
    if connection.vendor == "postgresql":
        # Prepared once per connection: the save executes it, with no planning per request.
        assert sql.startswith(f"EXECUTE {svc._PREPARED_NAME} "), qc.sql
        with connection.cursor() as cur:
            cur.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [svc._PREPARED_NAME])
            sql = cur.fetchone()[0].split(" AS ", 1)[1]
    assert sql.startswith('INSERT INTO "diagnostics_answer"') and "RETURNING" in sql, qc.sql
    assert Answer.objects.get(item=item).value == {"text": "х"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_save_answer_prepares_again_on_a_new_connection_or_after_discard(transactional_db, world, instrument):
    """The prepared save survives what a connection goes through: a reconnect (a new session has
    no prepared statements) and a pooler's DISCARD ALL; inside a transaction the error is raised."""
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=5)

    def save(text):
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value={"text": text})
        return Answer.objects.get(item=item).value["text"]

    assert save("1") == "1"
    connection.close()  # the next query opens a new session, without the statement
    assert save("2") == "2"
    with connection.cursor() as cur:
        cur.execute("DISCARD ALL")  # the wrapper still believes the session holds it
    with pytest.raises(DatabaseError), transaction.atomic():
        save("3")
    assert save("4") == "4"  # outside a transaction it is prepared again


def test_foreign_attempt_or_item_of_another_variant_is_404(world, instrument):
    attempt = svc.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=1)
    with pytest.raises(Http404):
        svc.answer_save(actor=world["other_teacher"].user, attempt_id=attempt.pk, item_id=item.pk, value=None)
    other_variant_item = (
        Item.objects.filter(variant__instrument=instrument).exclude(variant=attempt.variant).first()
    )
    with pytest.raises(Http404):
        svc.answer_save(
            actor=world["teacher"].user, attempt_id=attempt.pk, item_id=other_variant_item.pk, value=None
        )
    with pytest.raises(Http404):
        svc.attempt_finish(actor=world["operator"].user, attempt_id=attempt.pk)
    assert not Answer.objects.exists()


def test_late_answer_refused_and_attempt_closed_with_saved_answers(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    first = Item.objects.get(variant=attempt.variant, number=1)
    svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=first.pk, value={"choice": "b"})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    second = Item.objects.get(variant=attempt.variant, number=2)
    with pytest.raises(DomainError) as exc:
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=second.pk, value={"choices": ["a"]})
    assert exc.value.message.startswith("Время выполнения работы истекло: ответ не принят.")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.finish_reason == FinishReason.TIMEOUT
    assert attempt.percent == Decimal("20.00")  # 1 of 5 scored items
    assert Answer.objects.filter(attempt=attempt).count() == 1
    with pytest.raises(DomainError, match="Работа уже завершена: ответ не принят."):
        svc.answer_save(actor=user, attempt_id=attempt.pk, item_id=second.pk, value={"choices": ["a"]})


def test_double_submit_finishes_once(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    _answer_all(user, attempt)
    first = svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    second = svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    assert first.status == second.status == AttemptStatus.FINAL
    assert AuditEvent.objects.filter(verb="attempt_finished").count() == 1
    assert BlockResult.objects.filter(attempt=attempt).count() == 2
    assert svc.attempt_close_if_expired(attempt_id=attempt.pk) is False


def test_submit_racing_the_deadline_task_finishes_once(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert svc.attempts_close_expired() == 1
    finished = svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    assert finished.finish_reason == FinishReason.TIMEOUT
    assert AuditEvent.objects.filter(verb="attempt_finished").count() == 1


def test_finish_scores_blocks_levels_and_missed_topics(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    _answer_all(user, attempt, wrong=(1, 5))  # single (block 1) and short (block 1) wrong
    attempt = svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.percent == Decimal("60.00")
    assert attempt.level == "medium"
    results = {r.block.name: r for r in BlockResult.objects.filter(attempt=attempt).select_related("block")}
    assert len(results) == 2  # the self-analysis block is not scored
    by_percent = sorted((r.percent, r.level, r.missed_topics) for r in results.values())
    assert by_percent[0][0] == Decimal("33.333333")
    assert by_percent[0][1] == "high"
    assert by_percent[0][2] == ["Тема 1 (один верный ответ)", "Тема 5 (краткий ответ)"]
    assert by_percent[1] == (Decimal("100.00"), "minimal", [])
    assert attempt.finish_reason == FinishReason.SUBMITTED


def test_extended_answers_wait_for_expert_then_final(world):
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED))
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    _answer_all(user, attempt)
    attempt = svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    assert attempt.status == AttemptStatus.CHECKING
    assert attempt.percent is None
    assert latest_final_result(world["teacher"]) is None
    answer = Answer.objects.get(attempt=attempt, item__type=ItemType.EXTENDED)
    svc.answer_check(actor=world["expert"].user, answer_id=answer.pk, points="1", comment="Нет примера")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.percent == Decimal("66.666667")  # 2 of 3 (the rubric's steps are 2 / 1 / 0)
    result = latest_final_result(world["teacher"])
    assert result == attempt
    assert sorted(r.percent for r in result.block_results.all()) == [Decimal("50.00"), Decimal("100.00")]


def test_empty_extended_answer_scores_zero_without_expert(world):
    instrument = make_instrument(types=(ItemType.SINGLE, ItemType.EXTENDED))
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL
    assert attempt.percent == Decimal("0.00")


def test_retake_blocked_then_granted_once(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    svc.attempt_finish(actor=user, attempt_id=attempt.pk)
    with pytest.raises(DomainError, match="Повторная попытка возможна только с разрешения оператора"):
        svc.attempt_start(actor=user, instrument_id=instrument.pk)
    with pytest.raises(Http404):
        svc.retake_grant(
            actor=world["school_head"].user,
            person_id=world["teacher"].pk,
            instrument_id=instrument.pk,
            reason="болезнь",
        )
    with pytest.raises(DomainError, match="Укажите причину"):
        svc.retake_grant(
            actor=world["operator"].user,
            person_id=world["teacher"].pk,
            instrument_id=instrument.pk,
            reason="",
        )
    grant = svc.retake_grant(
        actor=world["operator"].user,
        person_id=world["teacher"].pk,
        instrument_id=instrument.pk,
        reason="Технический сбой связи во время прохождения",
    )
    with pytest.raises(DomainError, match="уже разрешена"):
        svc.retake_grant(
            actor=world["operator"].user,
            person_id=world["teacher"].pk,
            instrument_id=instrument.pk,
            reason="ещё раз",
        )
    second = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    assert second.number == 2
    grant.refresh_from_db()
    assert grant.used_by == second
    assert grant.reason == "Технический сбой связи во время прохождения"
    assert grant.granted_by == world["operator"].user
    assert AuditEvent.objects.filter(verb="retake_granted", comment=grant.reason).exists()
    svc.attempt_finish(actor=user, attempt_id=second.pk)
    with pytest.raises(DomainError):
        svc.attempt_start(actor=user, instrument_id=instrument.pk)
    assert RetakeGrant.objects.count() == 1


def test_expired_attempt_closed_on_restart(world, instrument):
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="Повторная попытка"):
        svc.attempt_start(actor=user, instrument_id=instrument.pk)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINAL


@pytest.mark.parametrize("n_items", [22, 44])
def test_finish_and_score_query_budget(world, n_items, django_assert_max_num_queries):
    types = [AUTO[i % len(AUTO)] for i in range(n_items)]
    instrument = make_instrument(types=types, variants=1)
    user = world["teacher"].user
    attempt = svc.attempt_start(actor=user, instrument_id=instrument.pk)
    _answer_all(user, attempt)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    qc = count_queries(lambda: svc.attempt_finish(actor=user, attempt_id=attempt.pk))
    assert qc.count <= 10, qc.sql
    # the same count whatever the number of items (the other parametrisation asserts the same number)
    assert len(real_queries(qc)) == 8, qc.sql
    attempt.refresh_from_db()
    assert attempt.percent == Decimal("100.00")


def test_dynamics_entry_vs_final(world):
    b1 = CompetenceBlockFactory(name="Предметные", order=1)
    b2 = CompetenceBlockFactory(name="Методические", order=2)
    entry = make_instrument(types=(ItemType.SINGLE,), kind=InstrumentKind.ENTRY)
    final = make_instrument(types=(ItemType.SINGLE,), kind=InstrumentKind.FINAL)
    make_final_attempt(world["teacher"], entry, {b1: 40, b2: 70})
    make_final_attempt(world["teacher"], final, {b1: 75, b2: 65})
    rows = result_dynamics(world["teacher"])
    assert [(r.block.name, r.entry, r.final, r.delta) for r in rows] == [
        ("Предметные", Decimal("40"), Decimal("75"), Decimal("35")),
        ("Методические", Decimal("70"), Decimal("65"), Decimal("-5")),
    ]


def test_demo_seed_builds_instruments_and_results(db):
    from cnppm import demo as cnppm_demo
    from diagnostics import demo
    from diagnostics.item_formats import validate_item
    from diagnostics.models import Instrument

    ctx = cnppm_demo.build(teachers=40)
    demo.seed(ctx)
    math = Instrument.objects.get(code="demo-math-entry")
    assert math.variants.count() == 4
    assert [v.items.count() for v in math.variants.all()] == [22, 22, 22, 22]
    assert set(Item.objects.filter(variant__instrument=math).values_list("type", flat=True)) == set(
        ItemType.values
    )
    for item in Item.objects.filter(variant__instrument__code__startswith="demo-"):
        assert validate_item(item.type, item.options, item.key) == [], (item.pk, item.type)
    teachers = list(ctx.teachers)
    with_attempt = Attempt.objects.filter(person__in=teachers, instrument=math).count()
    assert 0.5 * len(teachers) <= with_attempt <= 0.9 * len(teachers)
    assert not Attempt.objects.filter(person__user__username="teacher1").exists()
    final = Attempt.objects.filter(status=AttemptStatus.FINAL, instrument=math)
    assert BlockResult.objects.filter(attempt__in=final).count() == final.count() * 5
    counts = list(math.variants.annotate(n=Count("attempts")).values_list("n", flat=True))
    assert max(counts) - min(counts) <= 1  # variants used evenly


# --- Real concurrency: two connections on PostgreSQL ------------------------------------------


def _in_threads(*calls):
    """Run the calls at the same moment, each in its own thread (and database connection)."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="real row locks need PostgreSQL (on SQLite the double submit is simulated above)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_finishes_score_once_on_postgres():
    person = make_person()
    instrument = make_instrument(types=AUTO)
    attempt = svc.attempt_start(actor=person.user, instrument_id=instrument.pk)
    _answer_all(person.user, attempt)
    results = _in_threads(
        lambda: svc.attempt_finish(actor=person.user, attempt_id=attempt.pk),
        lambda: svc.attempt_finish(actor=person.user, attempt_id=attempt.pk),
        lambda: svc.attempts_close_expired(),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert AuditEvent.objects.filter(verb="attempt_finished").count() == 1
    assert BlockResult.objects.filter(attempt=attempt).count() == 2
    assert Attempt.objects.get(pk=attempt.pk).percent == Decimal("100.00")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_answer_racing_the_finish_is_either_scored_or_refused_on_postgres():
    person = make_person()
    instrument = make_instrument(types=AUTO)
    attempt = svc.attempt_start(actor=person.user, instrument_id=instrument.pk)
    item = Item.objects.get(variant=attempt.variant, number=1)
    results = _in_threads(
        lambda: svc.answer_save(
            actor=person.user, attempt_id=attempt.pk, item_id=item.pk, value=ANSWERS[item.type]
        ),
        lambda: svc.attempt_finish(actor=person.user, attempt_id=attempt.pk),
    )
    attempt.refresh_from_db()
    answer = Answer.objects.filter(attempt=attempt, item=item).first()
    if isinstance(results[0], DomainError):
        assert answer is None and attempt.percent == Decimal("0.00")
    else:
        assert answer.points == Decimal("1.00") and attempt.percent == Decimal("20.00")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_use_variants_evenly_on_postgres():
    instrument = make_instrument(types=(ItemType.SINGLE,))
    people = [make_person() for _ in range(8)]
    results = _in_threads(
        *[lambda p=p: svc.attempt_start(actor=p.user, instrument_id=instrument.pk) for p in people]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.variant.number for r in results) == [1, 1, 2, 2, 3, 3, 4, 4]
