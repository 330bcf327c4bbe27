"""Scoring of every item type, partial credit, normalisation of short answers, block results."""

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from diagnostics.choices import ItemType
from diagnostics.item_formats import answer_from_form, normalize_short, validate_answer, validate_item
from diagnostics.scoring import attempt_score, needs_expert, score_auto, shown_percent
from tests.diagnostics.factories import ANSWERS, SAMPLES


def item(
    type_, *, points="1", partial=False, key=None, options=None, pk=1, block=None, topic="Тема", number=1
):
    return SimpleNamespace(
        pk=pk,
        type=type_,
        points=Decimal(points),
        partial_credit=partial,
        key=key if key is not None else SAMPLES[type_][1],
        options=options if options is not None else SAMPLES[type_][0],
        block=block or SimpleNamespace(order=0, name="Блок", is_scored=True),
        block_id=id(block) if block else 0,
        topic=topic,
        number=number,
    )


@pytest.mark.parametrize(
    "type_", [t for t in SAMPLES if t not in (ItemType.EXTENDED, ItemType.SELF_ANALYSIS)]
)
def test_correct_answer_earns_full_points(type_):
    assert score_auto(item(type_, points="3"), ANSWERS[type_]) == Decimal("3")


@pytest.mark.parametrize("value", [None, {}, {"choice": "a"}, {"choice": "zzz"}, "b", {"choices": ["b"]}])
def test_single_wrong_or_malformed_is_zero(value):
    assert score_auto(item(ItemType.SINGLE), value) == 0


def test_multiple_all_or_nothing():
    it = item(ItemType.MULTIPLE, points="2")
    assert score_auto(it, {"choices": ["a", "b", "d"]}) == Decimal("2")
    assert score_auto(it, {"choices": ["d", "b", "a"]}) == Decimal("2")
    assert score_auto(it, {"choices": ["a", "b"]}) == 0
    assert score_auto(it, {"choices": ["a", "b", "c", "d"]}) == 0


def test_multiple_partial_credit_right_minus_wrong_floored():
    it = item(ItemType.MULTIPLE, points="3", partial=True)  # correct a, b, d
    assert score_auto(it, {"choices": ["a", "b"]}) == Decimal("2.00")
    assert score_auto(it, {"choices": ["a", "b", "c"]}) == Decimal("1.00")
    assert score_auto(it, {"choices": ["a", "c"]}) == Decimal("0")
    assert score_auto(it, {"choices": ["c"]}) == Decimal("0")  # floored at zero, never negative
    # Stored exactly: one right of three is a third of a point, not 0.33.
    assert score_auto(item(ItemType.MULTIPLE, points="1", partial=True), {"choices": ["a"]}) == Fraction(1, 3)


def test_matching_all_or_nothing_and_per_pair():
    assert score_auto(item(ItemType.MATCHING), {"pairs": {"l1": "r2", "l2": "r2"}}) == 0
    it = item(ItemType.MATCHING, points="2", partial=True)
    assert score_auto(it, {"pairs": {"l1": "r2", "l2": "r2"}}) == Decimal("1.00")
    assert score_auto(it, {"pairs": {"l1": "r2"}}) == Decimal("1.00")
    assert score_auto(it, {"pairs": {}}) == 0


def test_ordering_all_or_nothing_and_by_position():
    assert score_auto(item(ItemType.ORDERING), {"order": ["e3", "e2", "e1"]}) == 0
    it = item(ItemType.ORDERING, points="3", partial=True)  # key e2, e3, e1
    assert score_auto(it, {"order": ["e2", "e1", "e3"]}) == Decimal("1.00")
    assert score_auto(it, {"order": ["e3", "e2", "e1"]}) == Decimal("1.00")
    assert score_auto(it, {"order": ["e1", "e2", "e3"]}) == Decimal("0")


@pytest.mark.parametrize("text", ["Ёмкость", "емкость", "  ЕМКОСТЬ  ", "Объём", "ОБЪЕМ"])
def test_short_answer_normalised(text):
    assert score_auto(item(ItemType.SHORT), {"text": text}) == 1


def test_short_answer_spacing_and_wrong():
    it = item(ItemType.SHORT, key={"accepted": ["3,5 см", "теорема Пифагора"]})
    assert score_auto(it, {"text": "3, 5  см"}) == 1
    assert score_auto(it, {"text": "Теорема   пифагора"}) == 1
    assert score_auto(it, {"text": "теорема Фалеса"}) == 0
    assert score_auto(it, {"text": "   "}) == 0
    assert normalize_short("  Ёлка   зелёная ") == "елка зеленая"


def test_extended_goes_to_expert_only_with_text():
    it = item(ItemType.EXTENDED)
    assert needs_expert(it, {"text": "ответ"})
    assert not needs_expert(it, {"text": "   "})
    assert not needs_expert(it, None)


def test_attempt_score_blocks_missed_topics_and_self_analysis_excluded():
    b1 = SimpleNamespace(order=1, name="Предметные", is_scored=True)
    b2 = SimpleNamespace(order=2, name="Методические", is_scored=True)
    self_block = SimpleNamespace(order=9, name="Самоанализ", is_scored=False)
    items = [
        item(ItemType.SINGLE, pk=1, block=b1, topic="Дроби"),
        item(ItemType.SINGLE, pk=2, block=b1, topic="Проценты"),
        item(ItemType.EXTENDED, pk=3, block=b2, points="2", topic="Планирование урока"),
        item(ItemType.SHORT, pk=4, block=b2, topic="ФГОС"),
        item(ItemType.SELF_ANALYSIS, pk=5, block=self_block, topic="Самооценка"),
    ]
    for it in items:
        it.block_id = id(it.block)
    score = attempt_score(
        items, {1: Decimal(1), 2: Decimal(0), 3: Decimal("1.5"), 4: Decimal(1), 5: Decimal(5)}
    )
    assert [b.block.name for b in score.blocks] == ["Предметные", "Методические"]
    assert score.blocks[0].percent == Decimal("50.00")
    assert score.blocks[0].missed_topics == ["Проценты"]
    assert score.blocks[1].percent == Decimal("83.333333")
    assert score.blocks[1].missed_topics == ["Планирование урока"]
    assert score.percent == Decimal("70.00")  # 3.5 of 5, self-analysis left out


def test_validate_item_accepts_samples_and_explains_errors():
    for type_, (options, key) in SAMPLES.items():
        assert validate_item(type_, options, key) == [], type_
    errors = validate_item(ItemType.SINGLE, {"choices": [{"id": "a", "text": "x"}]}, {"correct": ["a", "b"]})
    assert "«choices»: нужно не меньше 2 вариантов." in errors
    assert "В ключе указаны несуществующие варианты: b." in errors
    assert validate_item(ItemType.ORDERING, SAMPLES[ItemType.ORDERING][0], {"order": ["e1", "e1", "e2"]}) == [
        "Ключ «order» должен содержать все элементы ровно по одному разу."
    ]
    assert validate_item(ItemType.SHORT, {}, {"accepted": [" "]})
    assert validate_item("essay", {}, {}) == ["Неизвестный тип задания: «essay»."]
    assert validate_item(ItemType.MATCHING, SAMPLES[ItemType.MATCHING][0], {"pairs": {"l1": "r9"}})


def test_validate_answer_shapes():
    opts = SAMPLES[ItemType.SINGLE][0]
    assert validate_answer(ItemType.SINGLE, opts, {"choice": "a"}) is None
    assert (
        validate_answer(ItemType.SINGLE, opts, {"choice": "x"}) == "Выберите один из предложенных вариантов."
    )
    assert validate_answer(ItemType.ORDERING, SAMPLES[ItemType.ORDERING][0], {"order": ["e1"]})
    assert validate_answer(ItemType.SELF_ANALYSIS, SAMPLES[ItemType.SELF_ANALYSIS][0], {"choice": 7})
    assert validate_answer(ItemType.SHORT, {}, None) is None


def test_answer_from_form():
    from django.http import QueryDict

    assert answer_from_form(ItemType.MULTIPLE, {}, QueryDict("choices=a&choices=c")) == {
        "choices": ["a", "c"]
    }
    assert answer_from_form(ItemType.MATCHING, {}, QueryDict("pair_l1=r2&pair_l2=")) == {
        "pairs": {"l1": "r2"}
    }
    assert answer_from_form(ItemType.SELF_ANALYSIS, {}, QueryDict("choice=1")) == {"choice": 1}
    assert answer_from_form(ItemType.SINGLE, {}, QueryDict("")) is None


def test_three_partial_thirds_sum_exactly_to_one_and_round_once():
    """Three items answered one right of three: 1/3 + 1/3 + 1/3 = 1 point of 3 (0.33 each gave 0.99),
    so the block is 33,333… %, shown 33,3 (it was 33,0)."""
    items = [item(ItemType.MULTIPLE, points="1", partial=True, pk=n, number=n) for n in (1, 2, 3)]
    points = {it.pk: score_auto(it, {"choices": ["a"]}) for it in items}
    score = attempt_score(items, points)
    assert score.earned == 1 and score.maximum == 3
    assert score.percent == Decimal("33.333333")
    assert f"{shown_percent(score.percent)}" == "33.3"
