"""Factories of diagnostics: blocks, instruments with parallel variants and items of every type,
attempts and block results. Items get valid `options`/`key` for their type (diagnostics.item_formats)."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from diagnostics.choices import (
    AttemptStatus,
    Audience,
    FinishReason,
    InstrumentKind,
    InstrumentStatus,
    ItemType,
)
from diagnostics.models import Attempt, BlockResult, CompetenceBlock, Instrument, Item, Variant
from tests.cnppm.factories import PersonFactory

# A valid (options, key) per item type; the correct answer of each is in ANSWERS.
SAMPLES: dict[str, tuple[dict, dict]] = {
    ItemType.SINGLE: (
        {
            "choices": [
                {"id": "a", "text": "Гликолиз"},
                {"id": "b", "text": "Окисление"},
                {"id": "c", "text": "Синапсы"},
            ]
        },
        {"correct": ["b"]},
    ),
    ItemType.MULTIPLE: (
        {
            "choices": [
                {"id": "a", "text": "Наглядность"},
                {"id": "b", "text": "Научность"},
                {"id": "c", "text": "Случайность"},
                {"id": "d", "text": "Систематичность"},
            ]
        },
        {"correct": ["a", "b", "d"]},
    ),
    ItemType.MATCHING: (
        {
            "left": [{"id": "l1", "text": "Диагностика"}, {"id": "l2", "text": "Рефлексия"}],
            "right": [{"id": "r1", "text": "Анализ итогов"}, {"id": "r2", "text": "Выявление дефицитов"}],
        },
        {"pairs": {"l1": "r2", "l2": "r1"}},
    ),
    ItemType.ORDERING: (
        {
            "elements": [
                {"id": "e1", "text": "Реализация"},
                {"id": "e2", "text": "Диагностика"},
                {"id": "e3", "text": "Проектирование"},
            ]
        },
        {"order": ["e2", "e3", "e1"]},
    ),
    ItemType.SHORT: ({}, {"accepted": ["Ёмкость", "объём"]}),
    ItemType.EXTENDED: ({}, {}),
    ItemType.SELF_ANALYSIS: ({"scale": ["не владею", "частично владею", "владею уверенно"]}, {}),
}

# The fully correct answer value for each sample item (self-analysis: any scale point).
ANSWERS: dict[str, dict] = {
    ItemType.SINGLE: {"choice": "b"},
    ItemType.MULTIPLE: {"choices": ["a", "b", "d"]},
    ItemType.MATCHING: {"pairs": {"l1": "r2", "l2": "r1"}},
    ItemType.ORDERING: {"order": ["e2", "e3", "e1"]},
    ItemType.SHORT: {"text": "  емкость "},
    ItemType.EXTENDED: {"text": "Развёрнутый ответ участника о планировании урока."},
    ItemType.SELF_ANALYSIS: {"choice": 2},
}

ALL_TYPES = tuple(SAMPLES)


class CompetenceBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceBlock
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"block-{n}")
    name = factory.Sequence(lambda n: f"Блок компетенций {n}")
    audience = Audience.TEACHERS
    is_scored = True
    order = factory.Sequence(lambda n: n)


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"instrument-{n}")
    title = factory.Sequence(lambda n: f"Диагностическая работа {n}")
    audience = Audience.TEACHERS
    kind = InstrumentKind.ENTRY
    status = InstrumentStatus.PUBLISHED
    time_limit_minutes = 120
    pass_mark = Decimal("60")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    instrument = factory.SubFactory(InstrumentFactory)
    number = factory.Sequence(lambda n: n + 1)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    variant = factory.SubFactory(VariantFactory)
    block = factory.SubFactory(CompetenceBlockFactory)
    number = factory.Sequence(lambda n: n + 1)
    type = ItemType.SINGLE
    topic = factory.Sequence(lambda n: f"Тема {n}")
    points = Decimal("1")
    stem = factory.LazyAttribute(lambda o: f"Задание типа «{ItemType(o.type).label}»")
    options = factory.LazyAttribute(lambda o: copy.deepcopy(SAMPLES[o.type][0]))
    key = factory.LazyAttribute(lambda o: copy.deepcopy(SAMPLES[o.type][1]))
    partial_credit = False
    rubric = factory.LazyAttribute(
        lambda o: (
            "2 балла — полный ответ с примером; 1 — без примера; 0 — нет ответа"
            if o.type == ItemType.EXTENDED
            else ""
        )
    )


def make_instrument(
    *,
    types=ALL_TYPES,
    variants: int = 4,
    blocks=None,
    self_analysis_block=None,
    **instrument_kwargs,
) -> Instrument:
    """An instrument with `variants` parallel variants, each holding one item per entry of `types`
    (numbered from 1). Scored items cycle over `blocks`; self-analysis items go to an unscored block."""
    instrument = InstrumentFactory(**instrument_kwargs)
    blocks = list(blocks or [CompetenceBlockFactory(), CompetenceBlockFactory()])
    if ItemType.SELF_ANALYSIS in types and self_analysis_block is None:
        self_analysis_block = CompetenceBlockFactory(name="Самоанализ", is_scored=False)
    instrument.blocks.set(blocks + ([self_analysis_block] if self_analysis_block else []))
    items = []
    for v in range(1, variants + 1):
        variant = VariantFactory(instrument=instrument, number=v)
        scored = 0
        for number, item_type in enumerate(types, start=1):
            if item_type == ItemType.SELF_ANALYSIS:
                block = self_analysis_block
            else:
                block = blocks[scored % len(blocks)]
                scored += 1
            items.append(
                Item(
                    variant=variant,
                    block=block,
                    number=number,
                    type=item_type,
                    topic=f"Тема {number} ({ItemType(item_type).label})",
                    points=Decimal("2") if item_type == ItemType.EXTENDED else Decimal("1"),
                    stem=f"Вариант {v}, задание {number}: {ItemType(item_type).label}",
                    options=copy.deepcopy(SAMPLES[item_type][0]),
                    key=copy.deepcopy(SAMPLES[item_type][1]),
                    rubric="2 балла — полный ответ; 1 — частичный; 0 — нет ответа"
                    if item_type == ItemType.EXTENDED
                    else "",
                )
            )
    Item.objects.bulk_create(items)
    return instrument


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    person = factory.SubFactory(PersonFactory)
    instrument = factory.SubFactory(InstrumentFactory)
    variant = factory.LazyAttribute(lambda o: o.instrument.variants.order_by("number").first())
    organization = factory.LazyAttribute(lambda o: o.person.organization)
    status = AttemptStatus.IN_PROGRESS
    started_at = factory.LazyFunction(timezone.now)
    deadline = factory.LazyAttribute(
        lambda o: o.started_at + timedelta(minutes=o.instrument.time_limit_minutes)
    )


class BlockResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockResult

    attempt = factory.SubFactory(AttemptFactory)
    block = factory.SubFactory(CompetenceBlockFactory)
    percent = Decimal("50")
    level = factory.LazyAttribute(lambda o: o.attempt.instrument.level_for(o.percent))
    missed_topics = factory.LazyFunction(list)


def make_final_attempt(person, instrument, block_percents: dict, *, missed=None, **kwargs) -> Attempt:
    """A finished, final attempt with the given {block: percent} results; overall = mean of blocks."""
    now = timezone.now()
    values = [Decimal(str(p)) for p in block_percents.values()]
    overall = (sum(values) / len(values)).quantize(Decimal("0.01")) if values else Decimal("0")
    attempt = AttemptFactory(
        person=person,
        instrument=instrument,
        status=AttemptStatus.FINAL,
        finished_at=now,
        finalized_at=now,
        finish_reason=FinishReason.SUBMITTED,
        percent=overall,
        level=instrument.level_for(overall),
        **kwargs,
    )
    for block, percent in block_percents.items():
        BlockResultFactory(
            attempt=attempt,
            block=block,
            percent=Decimal(str(percent)),
            missed_topics=(missed or {}).get(block, []),
        )
    return attempt
