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

from django.db import IntegrityError, transaction
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


def _refusal(*, actor, attempt_id: int) -> DomainError:
    """Why an answer was refused: the attempt is over, its time is up (then it is closed), or it is
    not the actor's (404)."""
    attempt = Attempt.objects.filter(access.own_q(actor), pk=attempt_id).only("status", "deadline").first()
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
    raise Http404  # the item is not in this attempt's variant


# The autosave is the hottest path of the portal (every click of every participant). Its two
# statements are written out once instead of being compiled by the ORM on each request: the scoped
# lookup (the attempt must be the actor's own, in progress, before its deadline, and the item must
# belong to its variant), locking the attempt row so a finish can't slip between check and write,
# and one UPSERT. Table and column names come from the models' meta.
def _answer_save_sql(vendor: str) -> tuple[str, str]:
    a, i, p, ans = (m._meta.db_table for m in (Attempt, Item, Person, Answer))
    lookup = (
        f'SELECT i."type", i."options" FROM "{a}" a '
        f'JOIN "{p}" p ON p."id" = a."person_id" '
        f'JOIN "{i}" i ON i."variant_id" = a."variant_id" '
        'WHERE a."id" = %s AND p."user_id" = %s AND a."status" = %s AND a."deadline" > %s AND i."id" = %s'
    )
    value = "%s::jsonb" if vendor == "postgresql" else "%s"
    if vendor == "postgresql":
        lookup += " FOR NO KEY UPDATE OF a"
    upsert = (
        f'INSERT INTO "{ans}" ("attempt_id", "item_id", "value", "saved_at", "expert_comment") '
        f"VALUES (%s, %s, {value}, %s, '') "
        'ON CONFLICT ("attempt_id", "item_id") DO UPDATE SET "value" = EXCLUDED."value", '
        '"saved_at" = EXCLUDED."saved_at"'
    )
    return lookup, upsert


_ANSWER_SAVE_SQL: dict[str, tuple[str, str]] = {}


def answer_save(*, actor, attempt_id: int, item_id: int, value: Any) -> Answer:
    """Save (insert or replace) the actor's answer to one item of their attempt in progress.
    Two statements in one transaction: the scoped lookup of attempt and item together (locking the
    attempt row, so a finish can't slip between the check and the write) and one UPSERT.
    A refused answer changes nothing; an attempt found past its deadline is then closed in its own
    transaction, with what was saved."""
    if not (0 < attempt_id <= MAX_ID and 0 < item_id <= MAX_ID):
        # Raw SQL below: an id beyond the key type would overflow the driver (500); none such exists.
        raise Http404
    now = timezone.now()
    if getattr(actor, "is_authenticated", False):
        connection = transaction.get_connection()
        vendor = connection.vendor
        if vendor not in _ANSWER_SAVE_SQL:
            _ANSWER_SAVE_SQL[vendor] = _answer_save_sql(vendor)
        lookup, upsert = _ANSWER_SAVE_SQL[vendor]
        stamp = connection.ops.adapt_datetimefield_value(now)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(lookup, [attempt_id, actor.pk, S.IN_PROGRESS, stamp, item_id])
            row = cursor.fetchone()
            if row is not None:
                item_type, options = row
                if isinstance(options, str):
                    options = json.loads(options)
                message = validate_answer(item_type, options, value)
                if message:
                    raise DomainError(message, code="invalid_answer")
                cursor.execute(upsert, [attempt_id, item_id, json.dumps(value, ensure_ascii=False), stamp])
                return Answer(attempt_id=attempt_id, item_id=item_id, value=value, saved_at=now)
    raise _refusal(actor=actor, attempt_id=attempt_id)


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
