"""Taking a diagnostic: start (one variant, the least used), save an answer (one scoped lookup and
one UPSERT), finish (once, whatever races it), automatic scoring, the expert check of extended
answers, final results per block, closing expired attempts, and the operator's retake grants.

Attempt workflow (the one map): in progress → checking (extended answers wait for an expert) or
final; checking → final."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from cnppm import access
from cnppm.choices import Role
from cnppm.ids import MAX_ID
from cnppm.models import Person
from cnppm.services import DomainError, event_record

from .. import eligibility
from ..choices import AttemptStatus, FinishReason, InstrumentStatus, ItemType
from ..item_formats import validate_answer
from ..models import Answer, Attempt, BlockResult, Instrument, Item, RetakeGrant
from ..scoring import attempt_score, needs_expert, rubric_steps, score_auto, steps_label

S = AttemptStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_PROGRESS: frozenset({S.CHECKING, S.FINAL}),
    S.CHECKING: frozenset({S.FINAL}),
    S.FINAL: frozenset(),
}


def _check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise DomainError(
            f"Попытку нельзя перевести из состояния «{S(current).label}» в «{S(target).label}».",
            code="transition",
        )


# --- Availability ---------------------------------------------------------------------------


def instrument_unavailable_reason(instrument: Instrument, person: Person, *, now=None) -> str:
    """Why the person can't take the instrument now ('' when they can, apart from retake rules)."""
    now = now or timezone.now()
    if instrument.status != InstrumentStatus.PUBLISHED:
        return "Диагностическая работа не опубликована."
    if instrument.opens_at and now < instrument.opens_at:
        return f"Работа будет доступна с {timezone.localtime(instrument.opens_at):%d.%m.%Y %H:%M}."
    if instrument.closes_at and now > instrument.closes_at:
        return "Срок прохождения работы истёк."
    return eligibility.refusal(instrument, person)


def _person_of(user) -> Person:
    person = Person.objects.filter(user_id=getattr(user, "pk", None)).select_related("organization").first()
    if person is None:
        raise DomainError("Ваша учётная запись не связана с карточкой педагога. Обратитесь к оператору.")
    return person


# --- Start ----------------------------------------------------------------------------------


def attempt_start(*, actor, instrument_id: int) -> Attempt:
    """Start (or resume) the actor's attempt at an instrument. A finished attempt blocks another one
    unless the operator granted a retake; the variant is the least used one, ties by number.
    An own attempt found past its deadline is first closed (in its own transaction, so that a refusal
    to start does not undo it)."""
    expired = Attempt.objects.filter(
        access.own_q(actor), instrument_id=instrument_id, status=S.IN_PROGRESS, deadline__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(expired):
        attempt_close_if_expired(attempt_id=pk)
    return _attempt_start(actor=actor, instrument_id=instrument_id)


@transaction.atomic
def _attempt_start(*, actor, instrument_id: int) -> Attempt:
    person = _person_of(actor)
    # The instrument row lock serialises concurrent starts: variant counts stay even.
    instrument = Instrument.objects.select_for_update().filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404
    reason = instrument_unavailable_reason(instrument, person)
    if reason:
        raise DomainError(reason, code="unavailable")
    attempts = list(
        Attempt.objects.select_for_update().filter(person=person, instrument=instrument).order_by("-number")
    )
    for attempt in attempts:
        if attempt.status == S.IN_PROGRESS:
            return attempt  # resume: a double click on «Начать» starts once
    grant = None
    if attempts:
        grant = (
            RetakeGrant.objects.select_for_update()
            .filter(person=person, instrument=instrument, used_by__isnull=True)
            .order_by("granted_at")
            .first()
        )
        if grant is None:
            raise DomainError(
                "Вы уже проходили эту диагностику. Повторная попытка возможна только с разрешения оператора ЦНППМ.",
                code="retake",
            )
    variant = (
        instrument.variants.annotate(used=Count("attempts"), has_items=Count("items"))
        .filter(has_items__gt=0)
        .order_by("used", "number")
        .first()
    )
    if variant is None:
        raise DomainError("В работе нет вариантов с заданиями. Обратитесь к оператору.", code="unavailable")
    now = timezone.now()
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                person=person,
                instrument=instrument,
                variant=variant,
                number=(attempts[0].number + 1) if attempts else 1,
                organization=person.organization,
                started_at=now,
                deadline=now + timedelta(minutes=instrument.time_limit_minutes),
            )
    except IntegrityError:
        raise DomainError(
            "Попытка уже начата в другой вкладке. Обновите страницу.", code="conflict"
        ) from None
    if grant is not None:
        grant.used_by = attempt
        grant.save(update_fields=["used_by"])
    event_record(actor=actor, target=attempt, verb="attempt_started", new=f"вариант {variant.number}")
    return attempt


# --- Saving an answer (the hot path) --------------------------------------------------------


GATE_PASSWORD = "Смените выданный пароль, чтобы продолжить работу."
GATE_CONSENT = "Дайте согласие на обработку персональных данных, чтобы продолжить работу."


def _closed_reason(*, actor, attempt_id: int, item_id: int) -> DomainError | None:
    """Why the attempt takes no answer now (the refusal path only: the save asks everything in one
    statement): the account's gates (a password to change, no live consent: code "gate"), its time
    is up (then it is closed), it is over; 404 when it is not the actor's or the item is not in its
    variant; None when it would take the answer."""
    from cnppm.models import User
    from cnppm.services import consent_is_given

    user = User.objects.filter(pk=getattr(actor, "pk", None), is_active=True).first()
    if user is None:
        raise Http404
    if user.must_change_password:
        return DomainError(GATE_PASSWORD, code="gate")
    if not consent_is_given(user):
        return DomainError(GATE_CONSENT, code="gate")
    attempt = (
        Attempt.objects.filter(access.own_q(user), pk=attempt_id)
        .only("status", "deadline", "variant_id")
        .first()
    )
    if attempt is None:
        raise Http404
    if attempt.status == S.IN_PROGRESS and attempt.deadline and attempt.deadline <= timezone.now():
        attempt_close_if_expired(attempt_id=attempt.pk)
        return DomainError(
            "Время выполнения работы истекло: ответ не принят. Работа завершена с сохранёнными ответами.",
            code="late",
        )
    if attempt.status != S.IN_PROGRESS:
        return DomainError("Работа уже завершена: ответ не принят.", code="finished")
    if not Item.objects.filter(pk=item_id, variant_id=attempt.variant_id).exists():
        raise Http404  # the item is not in this attempt's variant
    return None


def _refusal(*, actor, attempt_id: int, item_id: int) -> DomainError:
    reason = _closed_reason(actor=actor, attempt_id=attempt_id, item_id=item_id)
    if reason is None:  # it changed between the save and this check (a consent given meanwhile)
        return DomainError("Ответ не сохранён: повторите, пожалуйста.", code="conflict")
    return reason


# The autosave is the hottest path of the portal (every click of every participant): ONE statement,
# written out once (no ORM compilation per request), that checks and writes together. It inserts
# the answer only if the attempt is the actor's own (the person's user is the session's user, active,
# with no password to change, no withdrawn consent and a live consent to every current document:
# the request gates of cnppm.middleware, asked here instead of on a loaded user row), in progress and
# before its deadline, and the item belongs to its variant; else it inserts nothing and RETURNING is
# empty. On PostgreSQL it locks the attempt row (FOR NO KEY UPDATE), so a finish can't slip between
# check and write: a save waiting for a finish re-checks the status and inserts nothing. Table and
# column names come from the models' meta.
def _answer_save_sql(vendor: str) -> str:
    from cnppm.models import Consent, ConsentDocument, User

    a, i, p, ans, u, d, c = (
        m._meta.db_table for m in (Attempt, Item, Person, Answer, User, ConsentDocument, Consent)
    )
    if vendor == "postgresql":
        value, options = "%s::jsonb", 'i."options" = %s::jsonb'
    else:
        value, options = "%s", 'json(i."options") = json(%s)'
    sql = (
        f'INSERT INTO "{ans}" ("attempt_id", "item_id", "value", "saved_at", "expert_comment") '
        f'SELECT a."id", i."id", {value}, %s, \'\' FROM "{a}" a '
        f'JOIN "{p}" p ON p."id" = a."person_id" '
        f'JOIN "{u}" u ON u."id" = p."user_id" '
        f'JOIN "{i}" i ON i."variant_id" = a."variant_id" '
        'WHERE a."id" = %s AND p."user_id" = %s AND a."status" = %s AND a."deadline" > %s AND i."id" = %s '
        # The item is still the one whose rules the answer was checked against (a cached copy).
        f'AND i."type" = %s AND {options} '
        'AND u."is_active" AND NOT u."must_change_password" AND u."consent_withdrawn_at" IS NULL '
        f'AND NOT EXISTS (SELECT 1 FROM "{d}" d WHERE d."is_current" AND NOT EXISTS (SELECT 1 FROM "{c}" c '
        'WHERE c."document_id" = d."id" AND c."user_id" = u."id" AND c."withdrawn_at" IS NULL)) '
    )
    if vendor == "postgresql":
        sql += "FOR NO KEY UPDATE OF a "
    return sql + (
        'ON CONFLICT ("attempt_id", "item_id") DO UPDATE SET "value" = EXCLUDED."value", '
        '"saved_at" = EXCLUDED."saved_at" RETURNING "attempt_id"'
    )


_ANSWER_SAVE_SQL: dict[str, str] = {}

# (type, options) of items whose variant has attempts: such items are frozen (diagnostics.workflow.
# items_frozen_reason), so each process reads an item once to check answers against it.
_FROZEN_ITEMS: dict[int, tuple[str, Any]] = {}
_FROZEN_ITEMS_MAX = 50_000


def _frozen_item(item_id: int, *, fresh: bool = False) -> tuple[str, Any] | None:
    """(type, options) of an item whose variant has attempts, from the process's copy unless
    `fresh`. The save statement checks the copy against the row, so a stale copy (an id reused
    after a deletion) refuses instead of checking the answer against the wrong rules."""
    found = None if fresh else _FROZEN_ITEMS.get(item_id)
    if found is None:
        _FROZEN_ITEMS.pop(item_id, None)
        found = (
            Item.objects.filter(pk=item_id, variant__attempts__isnull=False)
            .values_list("type", "options")
            .first()
        )
        if found is None:
            return None
        if len(_FROZEN_ITEMS) >= _FROZEN_ITEMS_MAX:
            _FROZEN_ITEMS.clear()
        _FROZEN_ITEMS[item_id] = found
    return found


# On PostgreSQL the statement is prepared once per database connection (PREPARE … EXECUTE): planning
# its five joins took longer than running it (0.6 ms against 0.4 ms), on every save.
_PREPARED_NAME = "cnppm_answer_save_1"


def _save_statement(*, actor, attempt_id: int, item_id: int, value: Any, rules, now) -> bool:
    connection = transaction.get_connection()
    vendor = connection.vendor
    sql = _ANSWER_SAVE_SQL.get(vendor)
    if sql is None:
        sql = _ANSWER_SAVE_SQL[vendor] = _answer_save_sql(vendor)
    stamp = connection.ops.adapt_datetimefield_value(now)
    item_type, options = rules
    params = [json.dumps(value, ensure_ascii=False), stamp, attempt_id, actor.pk, S.IN_PROGRESS, stamp]
    params += [item_id, item_type, json.dumps(options)]
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            _execute_prepared(connection, cursor, sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _execute_prepared(connection, cursor, sql: str, params: list) -> None:
    """EXECUTE the save statement prepared on this connection, preparing it first on a new one. The
    wrapper remembers which raw connection holds it (a reconnect opens a new one). A pooler that
    dropped the session's statements (a `DISCARD ALL`) is met by preparing again outside a
    transaction; inside one the error is raised as is."""
    from psycopg2 import errors

    execute = f"EXECUTE {_PREPARED_NAME} ({', '.join(['%s'] * len(params))})"
    raw = connection.connection
    if getattr(connection, "_cnppm_answer_save_on", None) is not raw:
        _prepare(connection, cursor, sql)
    try:
        cursor.execute(execute, params)
    except DatabaseError as exc:
        if connection.in_atomic_block or not isinstance(exc.__cause__, errors.InvalidSqlStatementName):
            raise
        _prepare(connection, cursor, sql)
        cursor.execute(execute, params)


def _prepare(connection, cursor, sql: str) -> None:
    parts = sql.split("%s")
    numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
    cursor.execute(f"DEALLOCATE ALL; PREPARE {_PREPARED_NAME} AS {numbered}")
    connection._cnppm_answer_save_on = connection.connection


def answer_save(*, actor, attempt_id: int, item_id: int, value: Any) -> Answer:
    """Save (insert or replace) the actor's answer to one item of their attempt in progress, in one
    statement that checks every rule and writes, or writes nothing (`_answer_save_sql`). `actor`
    needs only `pk` and `is_authenticated` (the autosave passes the session's user id without loading
    the user row: cnppm.middleware.SessionUserMiddleware). The answer's shape is checked first
    against the item's rules (items with attempts are frozen: read once per process). A refused
    answer changes nothing; a second query then says why, and an attempt found past its deadline is
    closed in its own transaction, with what was saved."""
    if not (0 < attempt_id <= MAX_ID and 0 < item_id <= MAX_ID):
        # Raw SQL below: an id beyond the key type would overflow the driver (500); none such exists.
        raise Http404
    if not getattr(actor, "is_authenticated", False):
        raise Http404
    now = timezone.now()
    rules = _frozen_item(item_id)
    for retry in (False, True):
        if rules is None:
            break
        message = validate_answer(*rules, value)
        if message:
            fresh = _frozen_item(item_id, fresh=True)
            if fresh != rules:
                rules = fresh
                continue
            # An attempt that takes no answers says so first; else the answer's own fault.
            raise _closed_reason(actor=actor, attempt_id=attempt_id, item_id=item_id) or DomainError(
                message, code="invalid_answer"
            )
        if _save_statement(
            actor=actor, attempt_id=attempt_id, item_id=item_id, value=value, rules=rules, now=now
        ):
            return Answer(attempt_id=attempt_id, item_id=item_id, value=value, saved_at=now)
        if retry:
            break
        fresh = _frozen_item(item_id, fresh=True)  # refused: was the copy of the item stale?
        if fresh == rules:
            break
        rules = fresh
    raise _refusal(actor=actor, attempt_id=attempt_id, item_id=item_id)


# --- Finish and scoring ---------------------------------------------------------------------


def _finish_locked(attempt: Attempt, *, actor, reason: str) -> Attempt:
    """Score a locked in-progress attempt and close it. Queries: items, answers, one bulk update of
    points, the attempt update, block results (when final), the event row."""
    now = timezone.now()
    items = list(Item.objects.filter(variant_id=attempt.variant_id).select_related("block"))
    answers = {a.item_id: a for a in Answer.objects.filter(attempt=attempt)}
    points: dict[int, Decimal | None] = {}
    changed = []
    waiting = False
    for item in items:
        answer = answers.get(item.pk)
        value = answer.value if answer else None
        if item.type == ItemType.SELF_ANALYSIS:
            continue
        if needs_expert(item, value):
            waiting = True
            points[item.pk] = None
            continue
        earned = score_auto(item, value)
        points[item.pk] = earned
        if answer is not None:
            answer.set_points(earned)
            answer.checked_at = now
            changed.append(answer)
    if changed:
        Answer.objects.bulk_update(changed, [*Answer.POINTS_FIELDS, "checked_at"])
    target = S.CHECKING if waiting else S.FINAL
    _check_transition(attempt.status, target)
    attempt.status = target
    attempt.finished_at = now
    attempt.finish_reason = reason
    fields = ["status", "finished_at", "finish_reason"]
    if target == S.FINAL:
        fields += _finalize(attempt, items, points, now=now)
    attempt.save(update_fields=fields)
    event_record(
        actor=actor, target=attempt, verb="attempt_finished", old=S.IN_PROGRESS, new=target, comment=reason
    )
    return attempt


def _finalize(attempt: Attempt, items, points: dict[int, Decimal | None], *, now) -> list[str]:
    """Fill the attempt's percent and level and write its block results; returns changed fields."""
    instrument = attempt.instrument
    score = attempt_score(items, points)
    BlockResult.objects.bulk_create(
        [
            BlockResult(
                attempt=attempt,
                block=block.block,
                percent=block.percent,
                level=instrument.level_for(block.percent),
                missed_topics=block.missed_topics,
            )
            for block in score.blocks
        ]
    )
    attempt.percent = score.percent
    attempt.level = instrument.level_for(score.percent) or ""
    attempt.finalized_at = now
    attempt.status = S.FINAL
    return ["percent", "level", "finalized_at", "status"]


@transaction.atomic
def attempt_finish(*, actor, attempt_id: int) -> Attempt:
    """The participant finishes their attempt. Two submits at once, or a submit racing the deadline,
    finish it once: the row is locked and only an attempt still in progress is scored."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("instrument")
        .filter(access.own_q(actor), pk=attempt_id)
        .first()
    )
    if attempt is None:
        raise Http404
    if attempt.status != S.IN_PROGRESS:
        return attempt  # already finished (double submit, or the deadline task was first)
    late = attempt.deadline is not None and attempt.deadline <= timezone.now()
    return _finish_locked(
        attempt, actor=actor, reason=FinishReason.TIMEOUT if late else FinishReason.SUBMITTED
    )


@transaction.atomic
def attempt_close_if_expired(*, attempt_id: int) -> bool:
    """Close one attempt whose deadline has passed, with what was saved. True if it was closed here."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("instrument")
        .filter(pk=attempt_id, status=S.IN_PROGRESS, deadline__lte=timezone.now())
        .first()
    )
    if attempt is None:
        return False
    _finish_locked(attempt, actor=None, reason=FinishReason.TIMEOUT)
    return True


def attempts_close_expired(*, limit: int = 500) -> int:
    """Close every abandoned attempt past its deadline (the periodic task). Each in its own
    transaction, so one failure does not keep the others open."""
    ids = list(
        Attempt.objects.filter(status=S.IN_PROGRESS, deadline__lte=timezone.now())
        .order_by("deadline")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if attempt_close_if_expired(attempt_id=pk))


# --- Expert check ---------------------------------------------------------------------------


OWN_ANSWER = "Свои ответы оценивать нельзя: развёрнутые ответы вашей работы проверяет другой эксперт."


@transaction.atomic
def answer_check(*, actor, answer_id: int, points: Any, comment: str = "") -> Answer:
    """An expert scores an extended answer by the rubric (0 … the item's points). When the last
    extended answer of the attempt is scored, the result becomes final."""
    answer = (
        access.expert_answers(actor, Answer.objects.select_for_update(of=("self",)))
        .select_related("item")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        if access.has_role(actor, Role.EXPERT, Role.OPERATOR):
            extended = Answer.objects.filter(pk=answer_id, item__type=ItemType.EXTENDED)
            # The queue leaves out the expert's own attempt; scoring it is refused by name.
            if extended.filter(attempt__person__user_id=actor.pk).exists():
                raise DomainError(OWN_ANSWER, code="forbidden")
            region = access.home_region_q(actor, "attempt__person__organization__municipality__region_id")
            if extended.filter(region, checked_at__isnull=False).exists():
                raise DomainError("Этот ответ уже проверен.", code="checked")
        raise Http404
    value = _rubric_points(answer.item, points)
    now = timezone.now()
    answer.set_points(value)
    answer.checked_by = actor
    answer.checked_at = now
    answer.expert_comment = (comment or "").strip()[:5000]
    answer.save(update_fields=[*Answer.POINTS_FIELDS, "checked_by", "checked_at", "expert_comment"])
    event_record(
        actor=actor, target=answer, verb="answer_checked", new=str(value), comment=answer.expert_comment
    )
    _finalize_if_checked(attempt_id=answer.attempt_id, actor=actor, now=now)
    return answer


def _rubric_points(item: Item, points: Any) -> Decimal:
    """The expert's score, typed with a comma or a dot, if it is one of the rubric's steps."""
    try:
        value = Decimal(str(points).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise DomainError("Укажите балл числом.", code="invalid") from None
    if not value.is_finite() or value < 0 or value > item.points:
        raise DomainError(f"Балл должен быть от 0 до {item.points.normalize():f}.", code="invalid")
    steps = rubric_steps(item)
    if value not in steps:
        raise DomainError(
            f"Балл ставится по шагам критериев оценивания: {steps_label(steps)}.", code="invalid"
        )
    return value


@transaction.atomic
def answer_score_correct(*, actor, answer_id: int, points: Any, comment: str = "") -> Answer:
    """The expert corrects a score already given, while the attempt's result is not final; the event
    row keeps the old and the new score and who changed it."""
    answer = (
        access.expert_scored_answers(actor, Answer.objects.select_for_update(of=("self",)))
        .select_related("item")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None:
        if access.has_role(actor, Role.EXPERT, Role.OPERATOR):
            region = access.home_region_q(actor, "attempt__person__organization__municipality__region_id")
            if Answer.objects.filter(region, pk=answer_id, attempt__status=S.FINAL).exists():
                raise DomainError("Результат работы уже окончательный: оценку изменить нельзя.", code="final")
        raise Http404
    value = _rubric_points(answer.item, points)
    old, old_comment = answer.points, answer.expert_comment
    comment = (comment or "").strip()[:5000]
    if value == old and comment == old_comment:
        return answer
    answer.set_points(value)
    answer.checked_by = actor
    answer.checked_at = timezone.now()
    answer.expert_comment = comment
    answer.save(update_fields=[*Answer.POINTS_FIELDS, "checked_by", "checked_at", "expert_comment"])
    event_record(
        actor=actor,
        target=answer,
        verb="answer_score_corrected",
        field="points",
        old=f"{old.normalize():f}" if old is not None else "",
        new=f"{value.normalize():f}",
        comment=comment,
    )
    return answer


def _finalize_if_checked(*, attempt_id: int, actor, now) -> bool:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("instrument")
        .filter(pk=attempt_id, status=S.CHECKING)
        .first()
    )
    if attempt is None:
        return False
    remaining = Answer.objects.filter(
        attempt=attempt, item__type=ItemType.EXTENDED, checked_at__isnull=True
    ).exclude(Q(value__isnull=True))
    if remaining.exists():
        return False
    items = list(Item.objects.filter(variant_id=attempt.variant_id).select_related("block"))
    points = {
        a.item_id: a.exact_points
        for a in Answer.objects.filter(attempt=attempt).only("item_id", *Answer.POINTS_FIELDS)
    }
    _check_transition(attempt.status, S.FINAL)
    fields = _finalize(attempt, items, points, now=now)
    attempt.save(update_fields=fields)
    event_record(actor=actor, target=attempt, verb="attempt_finalized", old=S.CHECKING, new=S.FINAL)
    return True


# --- Retakes --------------------------------------------------------------------------------


@transaction.atomic
def retake_grant(*, actor, person_id: int, instrument_id: int, reason: str) -> RetakeGrant:
    """The operator allows the person another attempt at the instrument; the reason is kept."""
    if not access.has_role(actor, Role.OPERATOR):
        raise Http404
    person = access.get_or_404(actor, Person.objects.all(), path="", pk=person_id)
    if person.user_id is not None and person.user_id == actor.pk:
        raise DomainError(
            "Разрешить повторную попытку самому себе нельзя: это делает другой оператор.", code="forbidden"
        )
    instrument = Instrument.objects.filter(pk=instrument_id).first()
    if instrument is None:
        raise Http404
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError("Укажите причину повторной попытки (не короче 5 знаков).", code="invalid")
    attempts = Attempt.objects.filter(person=person, instrument=instrument, is_external=False)
    if attempts.filter(status=S.IN_PROGRESS).exists():
        raise DomainError(
            "У участника есть незавершённая попытка: повторная попытка не нужна.", code="invalid"
        )
    if not attempts.exists():
        raise DomainError("Участник ещё не проходил эту работу: разрешение не требуется.", code="invalid")
    if RetakeGrant.objects.filter(person=person, instrument=instrument, used_by__isnull=True).exists():
        raise DomainError("Повторная попытка уже разрешена и ещё не использована.", code="duplicate")
    grant = RetakeGrant.objects.create(person=person, instrument=instrument, reason=reason, granted_by=actor)
    event_record(actor=actor, target=grant, verb="retake_granted", new=instrument.code, comment=reason)
    return grant


def shuffled(elements: list, *, seed: int) -> list:
    """The order an ordering item's elements are shown in: fixed per attempt, never the key's."""
    result = list(elements)
    random.Random(seed).shuffle(result)
    return result
