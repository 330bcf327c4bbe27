"""Reads of taking and results: what the participant may take, their attempt with its items
(never the keys), results and dynamics, the anonymous expert queue, the operator's attempt list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cnppm import access
from cnppm.models import Person

from ..choices import RECOMMENDATIONS, AttemptStatus, InstrumentKind, InstrumentStatus
from ..eligibility import offered_q
from ..models import Answer, Attempt, BlockResult, Instrument, Item, RetakeGrant

S = AttemptStatus


def person_of(user) -> Person | None:
    return Person.objects.filter(user_id=getattr(user, "pk", None)).first()


def instruments_available_q(person: Person, *, now=None) -> Q:
    now = now or timezone.now()
    return (
        Q(status=InstrumentStatus.PUBLISHED)
        & offered_q(person)
        & (Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        & (Q(closes_at__isnull=True) | Q(closes_at__gte=now))
    )


@dataclass
class InstrumentRow:
    """One line of «my diagnostics»: the instrument and what the participant can do with it."""

    instrument: Instrument
    attempt: Attempt | None
    state: str  # start | continue | checking | result | blocked | retake
    available: bool
    items_count: int = 0


def my_diagnostics(user) -> list[InstrumentRow]:
    """Instruments open to the user now (diagnostics.eligibility: audience by role, a final one only
    while the ИОМ is carried out), and every instrument they have an attempt at. A fixed number of
    queries whatever the number of instruments."""
    person = person_of(user)
    if person is None:
        return []
    attempts = list(
        Attempt.objects.filter(access.own_q(user))
        .select_related("instrument", "instrument__subject")
        .order_by("instrument_id", "-number")
    )
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        latest.setdefault(attempt.instrument_id, attempt)
    grants = set(
        RetakeGrant.objects.filter(person=person, used_by__isnull=True).values_list(
            "instrument_id", flat=True
        )
    )
    available = list(
        Instrument.objects.filter(instruments_available_q(person)).select_related("subject").order_by("title")
    )
    available_ids = {i.pk for i in available}
    rows = []
    seen = set()
    for instrument in available + [
        a.instrument for a in latest.values() if a.instrument_id not in available_ids
    ]:
        if instrument.pk in seen:
            continue
        seen.add(instrument.pk)
        attempt = latest.get(instrument.pk)
        is_open = instrument.pk in available_ids
        if attempt is None:
            state = "start"
        elif attempt.status == S.IN_PROGRESS:
            state = "continue"
        elif instrument.pk in grants and is_open:
            state = "retake"
        elif attempt.status == S.CHECKING:
            state = "checking"
        else:
            state = "result"
        rows.append(InstrumentRow(instrument=instrument, attempt=attempt, state=state, available=is_open))
    return rows


def instrument_for_start(user, pk: int) -> Instrument:
    """The start page's instrument: published and meant for the user's audience (404 otherwise)."""
    person = person_of(user)
    if person is None:
        raise Http404
    instrument = (
        Instrument.objects.filter(offered_q(person), pk=pk, status=InstrumentStatus.PUBLISHED)
        .select_related("subject")
        .first()
    )
    if instrument is None:
        raise Http404
    return instrument


def items_count(instrument: Instrument) -> int:
    """Questions per variant (parallel variants have the same number)."""
    variant = instrument.variants.order_by("number").first()
    return variant.items.count() if variant else 0


def own_attempt(user, pk: int) -> Attempt:
    """The user's own attempt (404 for anybody else's, like a missing id)."""
    attempt = (
        Attempt.objects.filter(access.own_q(user), pk=pk)
        .select_related("instrument", "variant", "person")
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def attempt_items(attempt: Attempt) -> list[Item]:
    """The items of the attempt's variant, in order, without their keys."""
    return list(
        Item.objects.filter(variant_id=attempt.variant_id)
        .select_related("block")
        .defer("key")
        .order_by("number")
    )


def attempt_answers(attempt: Attempt) -> dict[int, object]:
    return dict(Answer.objects.filter(attempt=attempt).values_list("item_id", "value"))


def seconds_left(attempt: Attempt, *, now=None) -> int:
    if attempt.deadline is None:
        return 0
    return max(0, int((attempt.deadline - (now or timezone.now())).total_seconds()))


# --- Results --------------------------------------------------------------------------------


def _results_qs() -> QuerySet:
    return Attempt.objects.select_related("instrument", "person", "organization").prefetch_related(
        Prefetch(
            "block_results", queryset=BlockResult.objects.select_related("block").order_by("block__order")
        )
    )


def result_get(user, pk: int) -> Attempt:
    """An attempt's result for anybody whose scope covers the person (the participant, their
    supporters, school head, municipal and regional staff). The ministry and experts get 404."""
    return access.get_or_404(user, _results_qs(), pk=pk)


def latest_final_result(person, kind: str = InstrumentKind.ENTRY) -> Attempt | None:
    """The person's latest final attempt (own or external) of the given kind (entry/final), with
    `block_results` prefetched (each with its block). None if there is none.

    For routes (card section 2) and monitoring; the caller is responsible for scoping the person."""
    person_id = getattr(person, "pk", person)
    return (
        _results_qs()
        .filter(person_id=person_id, status=S.FINAL, instrument__kind=kind)
        .order_by("-finalized_at", "-pk")
        .first()
    )


@dataclass
class BlockDynamics:
    block: object
    entry: Decimal | None
    final: Decimal | None
    entry_level: str
    final_level: str

    @property
    def delta(self) -> Decimal | None:
        if self.entry is None or self.final is None:
            return None
        return self.final - self.entry


def result_dynamics(person) -> list[BlockDynamics]:
    """Entry and final results of the same person compared block by block."""
    entry = latest_final_result(person, InstrumentKind.ENTRY)
    final = latest_final_result(person, InstrumentKind.FINAL)
    if entry is None or final is None:
        return []
    by_block: dict[int, BlockDynamics] = {}
    for r in entry.block_results.all():
        by_block[r.block_id] = BlockDynamics(r.block, r.percent, None, r.level, "")
    for r in final.block_results.all():
        row = by_block.setdefault(r.block_id, BlockDynamics(r.block, None, None, "", ""))
        row.final, row.final_level = r.percent, r.level
    return sorted(by_block.values(), key=lambda d: (d.block.order, d.block.name))


def expert_comments(attempt: Attempt) -> list[Answer]:
    """The expert's comments on the attempt's extended answers (shown with the final result)."""
    return list(
        Answer.objects.filter(attempt=attempt)
        .exclude(expert_comment="")
        .select_related("item")
        .order_by("item__number")
    )


def recommendation(level: str) -> str:
    return RECOMMENDATIONS.get(level, "") if level else ""


# --- Expert queue ---------------------------------------------------------------------------


def expert_queue(user) -> QuerySet:
    """Extended answers waiting for a check, oldest first. Only item and instrument data are
    selected: never the person or the organization."""
    return (
        access.expert_answers(user, Answer.objects.all())
        .select_related("item", "item__block", "item__variant__instrument")
        .only(
            "id",
            "value",
            "saved_at",
            "attempt_id",
            "item__id",
            "item__number",
            "item__stem",
            "item__rubric",
            "item__points",
            "item__topic",
            "item__type",
            "item__block__name",
            "item__variant__number",
            "item__variant__instrument__title",
        )
        .order_by("attempt__finished_at", "attempt_id", "item__number")
    )


def expert_scored(user) -> QuerySet:
    """Scores this expert gave that can still be corrected (the attempt's result is not final), as
    anonymous as the queue."""
    return (
        access.expert_scored_answers(user, Answer.objects.all())
        .select_related("item", "item__block", "item__variant__instrument")
        .only(
            "id",
            "value",
            "points",
            "expert_comment",
            "checked_at",
            "attempt_id",
            "item__id",
            "item__number",
            "item__stem",
            "item__rubric",
            "item__points",
            "item__topic",
            "item__type",
            "item__block__name",
            "item__variant__number",
            "item__variant__instrument__title",
        )
        .order_by("-checked_at", "pk")
    )


def expert_answer(user, pk: int) -> Answer:
    answer = expert_queue(user).filter(pk=pk).first()
    if answer is None:
        raise Http404
    return answer


# --- Operator: attempts and retakes ---------------------------------------------------------


def attempt_list(user, *, search: str = "", instrument_id=None) -> QuerySet:
    qs = access.restrict(user, Attempt.objects.filter(is_external=False)).select_related(
        "person", "instrument", "organization", "variant"
    )
    if search:
        qs = qs.filter(Q(person__last_name__icontains=search) | Q(person__first_name__icontains=search))
    if instrument_id:
        qs = qs.filter(instrument_id=instrument_id)
    return qs.prefetch_related(
        Prefetch(
            "person__retake_grants",
            queryset=RetakeGrant.objects.filter(used_by__isnull=True).select_related("granted_by"),
            to_attr="open_grants",
        )
    ).order_by("-started_at", "-pk")
