"""Factories of the routes app. A route's organization is its teacher's; an entry attempt with block
results can be made with `make_entry_attempt(person, {block: percent})`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from cnppm.models import Subject
from diagnostics.choices import AttemptStatus, DeficitLevel, FinishReason, InstrumentKind, InstrumentStatus
from diagnostics.models import Attempt, BlockResult, CompetenceBlock, Instrument
from routes.choices import ActivityFormat, ActivityKind, ActivityLevel, RouteStatus
from routes.models import Activity, Comment, Correction, Route, RouteActivity, RouteReview
from tests.cnppm.factories import PersonFactory

TEACHER_BLOCKS = [
    ("subject", "Предметные"),
    ("methodical", "Методические"),
    ("psy_ped", "Психолого-педагогические"),
    ("communicative", "Коммуникативные"),
    ("ict", "ИКТ-компетентность"),
]


def teacher_blocks() -> list[CompetenceBlock]:
    """The five teacher competence blocks of seed 004, created once."""
    blocks = []
    for order, (code, name) in enumerate(TEACHER_BLOCKS, 1):
        block, _ = CompetenceBlock.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        blocks.append(block)
    return blocks


class CompetenceBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceBlock
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"block-{n}")
    name = factory.Sequence(lambda n: f"Блок {n}")


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"instr-{n}")
    title = factory.Sequence(lambda n: f"Диагностическая работа {n}")
    kind = InstrumentKind.ENTRY
    status = InstrumentStatus.PUBLISHED


def level_of(percent) -> str:
    percent = Decimal(str(percent))
    if percent < 60:
        return DeficitLevel.HIGH
    if percent <= 80:
        return DeficitLevel.MEDIUM
    return DeficitLevel.MINIMAL


def make_attempt(
    person, results: dict, *, kind: str = InstrumentKind.ENTRY, topics: dict | None = None
) -> Attempt:
    """A final attempt of `person` with one BlockResult per {block: percent}; `topics` gives missed
    topics per block (default: one topic per block)."""
    instrument = InstrumentFactory(kind=kind)
    instrument.blocks.set(results.keys())
    overall = sum(Decimal(str(p)) for p in results.values()) / max(len(results), 1)
    attempt = Attempt.objects.create(
        person=person,
        instrument=instrument,
        organization=person.organization,
        status=AttemptStatus.FINAL,
        finished_at=timezone.now(),
        finish_reason=FinishReason.SUBMITTED,
        finalized_at=timezone.now(),
        percent=overall.quantize(Decimal("0.01")),
        level=level_of(overall),
    )
    for block, percent in results.items():
        missed = (topics or {}).get(
            block, [f"Тема блока «{block.name}»"] if level_of(percent) != "minimal" else []
        )
        BlockResult.objects.create(
            attempt=attempt,
            block=block,
            percent=Decimal(str(percent)),
            level=level_of(percent),
            missed_topics=missed,
        )
    return attempt


def make_entry_attempt(person, results: dict, **kwargs) -> Attempt:
    return make_attempt(person, results, kind=InstrumentKind.ENTRY, **kwargs)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    kind = ActivityKind.QUALIFICATION
    title = factory.Sequence(lambda n: f"ДПП ПК «Программа {n}»")
    level = ActivityLevel.REGIONAL
    format = ActivityFormat.DISTANCE
    organizer = "ЦНППМ"
    starts_on = factory.LazyFunction(lambda: date.today() + timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: date.today() + timedelta(days=40))
    hours = 36

    @factory.post_generation
    def competences(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.competences.set(extracted)

    @factory.post_generation
    def subjects(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.subjects.set(extracted)


class RouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Route

    teacher = factory.SubFactory(PersonFactory)
    academic_year = 2025
    organization = factory.LazyAttribute(lambda r: r.teacher.organization)
    status = RouteStatus.DRAFT


class RouteActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouteActivity
        skip_postgeneration_save = True

    route = factory.SubFactory(RouteFactory)
    title = factory.Sequence(lambda n: f"Мероприятие {n}")
    level = ActivityLevel.REGIONAL
    organizer = "ЦНППМ"
    result_form = "сертификат"

    @factory.post_generation
    def competences(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.competences.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    route = factory.SubFactory(RouteFactory)
    author = factory.LazyAttribute(lambda c: c.route.teacher.user)
    text = "Комментарий"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouteReview

    route = factory.SubFactory(RouteFactory)
    verdict = "no_corrections"


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    route = factory.SubFactory(RouteFactory)
    reason = "Перенос сроков курсов"
    author = factory.LazyAttribute(lambda c: c.route.teacher.user)


def make_route(teacher, *, results: dict | None = None, status: str = RouteStatus.DRAFT, actor=None) -> Route:
    """A route created through the service (snapshots filled) from an entry attempt with `results`;
    then forced to `status` for tests that start mid-workflow."""
    from routes.services.routes import route_create

    if results is None:
        blocks = teacher_blocks()
        results = {blocks[0]: 45, blocks[1]: 70, blocks[2]: 90}
    make_entry_attempt(teacher, results)
    route = route_create(actor=actor or teacher.user, teacher=teacher, academic_year=2025)
    if status != RouteStatus.DRAFT:
        Route.objects.filter(pk=route.pk).update(status=status)
        route.refresh_from_db()
    return route


__all__ = [
    "ActivityFactory",
    "CommentFactory",
    "CompetenceBlockFactory",
    "CorrectionFactory",
    "InstrumentFactory",
    "ReviewFactory",
    "RouteActivityFactory",
    "RouteFactory",
    "Subject",
    "make_attempt",
    "make_entry_attempt",
    "make_route",
    "teacher_blocks",
]
