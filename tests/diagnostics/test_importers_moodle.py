"""Moodle XML: every supported type, categories → blocks and variants, broken files, round trip."""

import re
from decimal import Decimal

import pytest

from diagnostics.choices import ItemType
from diagnostics.exporters import items_to_moodle_xml
from diagnostics.importers import ImportFailed
from diagnostics.models import Item
from diagnostics.services.authoring import items_import_file
from tests.diagnostics.factories import make_instrument
from tests.diagnostics.import_helpers import FIXTURES, draft_instrument, sample_blocks, semantic

pytestmark = pytest.mark.django_db


def _import(instrument, name, **kwargs):
    data = (FIXTURES / name).read_bytes()
    return items_import_file(actor=None, instrument=instrument, data=data, filename=name, **kwargs)


def test_every_type_lands_in_its_block_and_variant():
    sample_blocks()
    instrument = draft_instrument()
    result = _import(instrument, "moodle_all_types.xml")
    assert (result["created"], result["variants"], result["skipped"]) == (7, [1, 2], [])
    items = {
        i.topic: semantic(i)
        for i in Item.objects.filter(variant__instrument=instrument).select_related("block", "variant")
    }
    single = items["Типы уроков по ФГОС"]
    assert single["type"] == ItemType.SINGLE
    assert (
        single["stem"] == "Какой из перечисленных типов урока выделяется в системно-деятельностном подходе?"
    )
    assert single["choices"] == ["Урок открытия новых знаний", "Урок-лекция", "Урок & экскурсия"]
    assert single["correct"] == ["Урок открытия новых знаний"]
    assert single["difficulty"] == 2 and single["block"] == "methodical" and single["variant"] == 1
    multiple = items["Принципы обучения"]
    assert multiple["type"] == ItemType.MULTIPLE and multiple["correct"] == ["Наглядность", "Научность"]
    assert multiple["points"] == 2.0 and multiple["partial"] is True
    tf = items["ФГОС ООО"]
    assert tf["choices"] == ["Верно", "Неверно"] and tf["correct"] == ["Верно"]
    matching = items["Возрастные кризисы"]
    assert matching["block"] == "psychological" and matching["variant"] == 2
    assert matching["pairs"] == [("Кризис трёх лет", "3 года"), ("Подростковый кризис", "13 лет")]
    assert matching["distractors"] == ["30 лет"]
    assert items["Ведущая деятельность"]["accepted"] == ["игра", "игровая"]
    essay = items["Проектирование урока"]
    assert essay["type"] == ItemType.EXTENDED and essay["rubric"].startswith("3 — полный ответ")
    assert items["Этапы урока"]["order"] == ["Мотивация", "Актуализация знаний", "Рефлексия"]
    assert set(instrument.blocks.values_list("code", flat=True)) == {"methodical", "psychological"}


def test_ordering_ids_do_not_spell_the_answer():
    sample_blocks()
    instrument = draft_instrument()
    _import(instrument, "moodle_all_types.xml")
    item = Item.objects.get(variant__instrument=instrument, type=ItemType.ORDERING)
    # Elements are listed sorted by text, so the stored order is not the right order.
    assert [e["text"] for e in item.options["elements"]] == ["Актуализация знаний", "Мотивация", "Рефлексия"]
    assert item.key["order"] == ["e2", "e1", "e3"]


def test_broken_question_is_named_and_nothing_is_imported():
    sample_blocks()
    instrument = draft_instrument()
    with pytest.raises(ImportFailed) as exc:
        _import(instrument, "moodle_broken_question.xml")
    assert len(exc.value.errors) == 1
    message = exc.value.errors[0]
    assert re.match(r"вопрос 2 \(строка \d+\) «Вопрос без верного ответа»", message)
    assert "верных ответов" in message
    assert not Item.objects.filter(variant__instrument=instrument).exists()


@pytest.mark.parametrize(
    "payload, expected",
    [
        (b"<quiz><question type='multichoice'>", "не является корректным XML"),
        (
            b"<?xml version='1.0'?><!DOCTYPE quiz [<!ENTITY x 'y'>]><quiz>&x;</quiz>",
            "запрещённые конструкции",
        ),
        (b"<test/>", "корневой элемент должен быть <quiz>"),
        (b"<quiz></quiz>", "нет ни одного вопроса"),
        (
            b"<quiz><question type='multianswer'><name><text>Cloze</text></name></question></quiz>",
            "вопрос 1 (строка 1) «Cloze»: вложенные ответы (Cloze) — в портале нет такого типа",
        ),
    ],
)
def test_broken_files(payload, expected):
    sample_blocks()
    instrument = draft_instrument()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=payload, filename="bank.xml")
    assert expected in " ".join(exc.value.errors)
    assert not Item.objects.filter(variant__instrument=instrument).exists()


def test_category_without_a_known_block_is_reported():
    sample_blocks()
    instrument = draft_instrument()
    data = (
        "<quiz><question type='category'><category><text>$course$/top/Астрономия</text></category></question>"
        "<question type='shortanswer'><name><text>Звезда</text></name><questiontext><text>Ближайшая звезда</text>"
        "</questiontext><answer fraction='100'><text>Солнце</text></answer></question></quiz>"
    ).encode()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=data, filename="bank.xml")
    # One message naming the category, not one error per question.
    assert exc.value.errors == [
        "Не выбран блок компетенций для категории «Астрономия»: укажите блок для каждой "
        '(--map "категория=БЛОК") или один блок для всего файла (--block).'
    ]


def test_questions_without_a_variant_category_go_to_the_chosen_variant():
    sample_blocks()
    instrument = draft_instrument()
    data = (
        "<quiz><question type='category'><category><text>$course$/Предметные компетенции</text></category></question>"
        "<question type='shortanswer'><name><text>Ток</text></name><questiontext><text>Единица силы тока</text>"
        "</questiontext><answer fraction='100'><text>ампер</text></answer></question></quiz>"
    ).encode()
    items_import_file(actor=None, instrument=instrument, data=data, filename="bank.xml", default_variant=3)
    item = Item.objects.get(variant__instrument=instrument)
    assert item.variant.number == 3 and item.block.code == "subject" and item.number == 1


def test_round_trip_through_moodle_xml():
    blocks = sample_blocks()
    source = make_instrument(
        blocks=[blocks["methodical"], blocks["psychological"]],
        variants=4,
        types=(
            ItemType.SINGLE,
            ItemType.MULTIPLE,
            ItemType.MATCHING,
            ItemType.ORDERING,
            ItemType.SHORT,
            ItemType.EXTENDED,
        ),
    )
    Item.objects.filter(variant__instrument=source, type=ItemType.MULTIPLE).update(
        partial_credit=True, points=Decimal("2.5")
    )
    Item.objects.filter(variant__instrument=source, number=1).update(
        difficulty=3, stem="Строка один\nСтрока <два> & три"
    )
    data, skipped = items_to_moodle_xml(source)
    assert skipped == 0
    target = draft_instrument()
    result = items_import_file(actor=None, instrument=target, data=data, filename="export.xml")
    assert result["created"] == 24

    def view(instrument):
        return [
            semantic(i)
            for i in Item.objects.filter(variant__instrument=instrument)
            .select_related("block", "variant")
            .order_by("variant__number", "number")
        ]

    assert view(target) == view(source)


def test_self_analysis_items_are_left_out_of_moodle_export_and_counted():
    source = make_instrument(types=(ItemType.SINGLE, ItemType.SELF_ANALYSIS), variants=1)
    data, skipped = items_to_moodle_xml(source)
    assert skipped == 1
    assert data.count(b'type="multichoice"') == 1
