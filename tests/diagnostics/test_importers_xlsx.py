"""The portal's XLSX template: every type, the downloadable template imports as is, broken files."""

import pytest

from diagnostics.choices import ItemType
from diagnostics.exporters import items_to_xlsx
from diagnostics.importers import ImportFailed
from diagnostics.importers.xlsx import COLUMNS
from diagnostics.models import Item
from diagnostics.services.authoring import items_import_file
from tests.diagnostics.factories import make_instrument
from tests.diagnostics.import_helpers import draft_instrument, sample_blocks, semantic, xlsx_bytes

pytestmark = pytest.mark.django_db
HEADER = [title for _, title, _ in COLUMNS]


def test_template_examples_import_as_they_are():
    sample_blocks()
    instrument = draft_instrument()
    result = items_import_file(
        actor=None, instrument=instrument, data=items_to_xlsx(), filename="template.xlsx"
    )
    assert (result["created"], result["variants"], result["skipped"]) == (6, [1], [])
    items = {
        i.number: semantic(i)
        for i in Item.objects.filter(variant__instrument=instrument).select_related("block", "variant")
    }
    assert items[1]["correct"] == ["Урок открытия новых знаний"]
    assert items[2]["correct"] == ["Наглядность", "Научность"] and items[2]["partial"] is True
    assert items[3]["pairs"] == [("Кризис трёх лет", "3 года"), ("Подростковый кризис", "13 лет")]
    assert items[3]["distractors"] == ["30 лет"] and items[3]["block"] == "psychological"
    assert items[4]["order"] == ["Мотивация", "Актуализация знаний", "Рефлексия"]
    assert items[5]["accepted"] == ["ампер", "А"]
    assert items[6]["type"] == ItemType.EXTENDED and items[6]["points"] == 3.0 and items[6]["difficulty"] == 3


def test_xlsx_export_round_trips_including_self_analysis():
    blocks = sample_blocks()
    source = make_instrument(blocks=[blocks["methodical"]], variants=4)
    target = draft_instrument()
    items_import_file(actor=None, instrument=target, data=items_to_xlsx(source), filename="items.xlsx")

    def view(instrument):
        rows = Item.objects.filter(variant__instrument=instrument).select_related("block", "variant")
        return [semantic(i) for i in rows.order_by("variant__number", "number")]

    assert view(target) == view(source)
    assert Item.objects.filter(variant__instrument=target, type=ItemType.SELF_ANALYSIS).count() == 4


def test_row_and_column_errors_are_all_reported():
    sample_blocks()
    instrument = draft_instrument()
    data = xlsx_bytes(
        [
            HEADER,
            [1, 1, "methodical", "один верный", 1, "Тема", 1, "Вопрос", "Да\nНет", "3", "", ""],
            [1, 2, "nonexistent", "краткий ответ", 1, "Тема", 1, "Вопрос", "", "ответ", "", ""],
            ["два", 3, "methodical", "эссе", 5, "Тема", "много", "Вопрос", "", "", "", ""],
        ]
    )
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=data, filename="items.xlsx")
    text = "\n".join(exc.value.errors)
    assert "строка 2: столбец «Верный ответ»: «3» — нет варианта ответа с таким номером (их 2)" in text
    assert "строка 3: блок «nonexistent» не соответствует ни одному блоку" in text
    assert "строка 4: столбец «Вариант»: «два» — не номер варианта" in text
    assert "строка 4: столбец «Тип»: неизвестный тип «эссе»" in text
    assert "строка 4: столбец «Баллы»: «много» — не число" in text
    assert "строка 4: столбец «Сложность»: должна быть 1, 2 или 3" in text
    assert not Item.objects.filter(variant__instrument=instrument).exists()


def test_wrong_columns_and_not_an_xlsx():
    instrument = draft_instrument()
    data = xlsx_bytes([["Вариант", "Блок", "Вопрос"], [1, "x", "y"]])
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=data, filename="items.xlsx")
    assert exc.value.errors[:3] == [
        "Столбец 3 «Вопрос»: неизвестный заголовок.",
        "Нет обязательного столбца «Тип».",
        "Нет обязательного столбца «Формулировка».",
    ]
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=b"PK\x03\x04broken", filename="items.xlsx")
    assert exc.value.errors == [
        "Файл не является книгой Excel (.xlsx) или повреждён. Сохраните его как «Книга Excel»."
    ]
