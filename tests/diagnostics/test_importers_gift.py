"""GIFT: every type the format has, categories → blocks and variants, broken questions."""

import pytest

from diagnostics.choices import ItemType
from diagnostics.importers import ImportFailed
from diagnostics.models import Item
from diagnostics.services.authoring import instrument_readiness_errors, items_import_file
from tests.diagnostics.import_helpers import FIXTURES, draft_instrument, sample_blocks, semantic

pytestmark = pytest.mark.django_db


def test_every_gift_type():
    sample_blocks()
    instrument = draft_instrument()
    data = (FIXTURES / "gift_all_types.gift").read_bytes()
    result = items_import_file(actor=None, instrument=instrument, data=data, filename="bank.gift")
    del result["skipped"], result["notes"]
    assert result == {
        "created": 7,
        "variants": [1, 2],
    }
    items = {
        i.topic: semantic(i)
        for i in Item.objects.filter(variant__instrument=instrument).select_related("block", "variant")
    }
    single = items["Типы уроков"]
    assert single["type"] == ItemType.SINGLE and single["difficulty"] == 2 and single["variant"] == 1
    assert single["stem"] == "Какой тип урока выделяется в системно-деятельностном подходе?"
    assert single["correct"] == ["Урок открытия новых знаний"]
    multiple = items["Принципы обучения"]
    assert multiple["type"] == ItemType.MULTIPLE and multiple["correct"] == ["Наглядность", "Научность"]
    assert multiple["partial"] is True
    assert items["ФГОС"]["correct"] == ["Верно"]
    matching = items["Кризисы"]
    assert matching["block"] == "psychological" and matching["variant"] == 2
    assert matching["pairs"] == [("Кризис трёх лет", "3 года"), ("Подростковый кризис", "13 лет")]
    assert items["Деятельность"]["accepted"] == ["игра", "игровая"]
    essay = items["Урок"]
    assert (
        essay["type"] == ItemType.EXTENDED
        and essay["rubric"] == "3 — полный ответ с примером; 0 — нет ответа"
    )
    formula = items["Формула"]
    assert formula["stem"] == "Сколько будет 2 + 2 = ?" and formula["accepted"] == ["4"]


def test_broken_gift_names_every_bad_question_and_imports_nothing():
    sample_blocks()
    instrument = draft_instrument()
    data = (FIXTURES / "gift_broken.gift").read_bytes()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=data, filename="bank.gift")
    errors = exc.value.errors
    assert len(errors) == 2
    assert errors[0].startswith("вопрос 2 (строка 5) «Без скобок»: фигурные скобки не парные")
    assert errors[1].startswith(
        "вопрос 3 (строка 7) «Два верных»: Для задания с одним верным ответом в ключе должен быть ровно один вариант"
    )
    assert not Item.objects.filter(variant__instrument=instrument).exists()


def test_essay_without_criteria_imports_as_needing_them_and_wrong_encoding():
    sample_blocks()
    instrument = draft_instrument()
    data = "$CATEGORY: Методические компетенции\n\n::Эссе::Опишите урок {}\n".encode()
    result = items_import_file(actor=None, instrument=instrument, data=data, filename="bank.gift")
    assert result["notes"] == [
        "вопрос 1 (строка 3) «Эссе»: нет критериев оценивания (общий отзыв ####): задание импортируется, "
        "но работу нельзя опубликовать, пока критерии не добавлены"
    ]
    assert "Вариант 1, задание 1: нет критериев оценивания" in instrument_readiness_errors(instrument)
    with pytest.raises(ImportFailed) as exc:
        items_import_file(
            actor=None, instrument=instrument, data="Вопрос {=да}".encode("cp1251"), filename="bank.txt"
        )
    assert exc.value.errors == ["Файл GIFT должен быть в кодировке UTF-8."]


def test_unknown_extension_is_refused():
    instrument = draft_instrument()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=b"x", filename="bank.docx")
    assert "Неизвестный формат файла «bank.docx»" in exc.value.errors[0]
