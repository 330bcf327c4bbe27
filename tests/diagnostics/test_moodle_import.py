"""Moodle banks import the way Moodle itself would (issue 10.1): the same questions of the same kinds
or a reason per question left out, Moodle's categories mapped to blocks in a preview before anything
is written, images, essays needing criteria, all or nothing, the command, the page and the API."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from diagnostics.choices import ItemType
from diagnostics.exporters import items_to_moodle_xml
from diagnostics.importers import ImportFailed, parse_bank
from diagnostics.models import Item, ItemImportDraft
from diagnostics.services.authoring import instrument_readiness_errors, items_import_file
from diagnostics.services.item_import import bank_preview
from tests.diagnostics.import_helpers import draft_instrument, sample_blocks, semantic
from tests.diagnostics.moodle_samples import GIFT, MOODLE_XML, PNG, XML_CATEGORIES
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db

XML = MOODLE_XML.encode()
MAPPING = {
    "Default for ПК-2026 / Методика обучения": "methodical",
    "Default for ПК-2026 / Методика обучения / Оценивание/контроль": "methodical",
    "Психолого-педагогические компетенции": "psychological",
}


def _items(instrument):
    return list(
        Item.objects.filter(variant__instrument=instrument)
        .select_related("block", "variant")
        .order_by("number")
    )


def test_moodle_xml_preview_counts_kinds_per_category_and_names_what_is_left_out():
    sample_blocks()
    instrument = draft_instrument()
    bank = parse_bank(XML, filename="bank.xml")
    preview = bank_preview(bank=bank, instrument=instrument, fmt="moodle_xml", default_variant=1)
    assert [c["label"] for c in preview["categories"]] == XML_CATEGORIES
    kinds = {c["label"]: {k["kind"]: k["n"] for k in c["kinds"]} for c in preview["categories"]}
    assert kinds == {
        XML_CATEGORIES[0]: {
            "multichoice (один ответ)": 1,
            "multichoice (несколько ответов)": 1,
            "truefalse": 1,
        },
        XML_CATEGORIES[1]: {"shortanswer": 1, "matching": 1, "ordering": 1},
        XML_CATEGORIES[2]: {"essay": 1, "numerical (точный ответ)": 1},
    }
    assert (preview["total"], preview["left_out"], preview["images"], preview["needs_rubric"]) == (8, 4, 1, 1)
    assert [c["left_out"] for c in preview["categories"]] == [0, 0, 4]
    # The «Психология» segment names a block; the Moodle default categories don't.
    assert [c["block"] for c in preview["categories"]] == ["", "", "psychological"]
    assert preview["skipped"] == [
        {
            "ref": "вопрос 9 (строка 156) «Возраст»",
            "kind": "numerical",
            "reason": "числовой ответ 12 с допуском ±1 — в портале нет числового типа с допуском",
        },
        {
            "ref": "вопрос 10 (строка 162) «Инструкция»",
            "kind": "description",
            "reason": "описание (текст без вопроса) — пропущено, в работе портала таких нет",
        },
        {
            "ref": "вопрос 11 (строка 167) «Cloze»",
            "kind": "multianswer",
            "reason": "вложенные ответы (Cloze) — в портале нет такого типа",
        },
        {
            "ref": "вопрос 12 (строка 172) «Перетаскивание»",
            "kind": "ddwtos",
            "reason": "перетаскивание в текст — в портале нет такого типа",
        },
    ]
    assert (
        "вопрос 1 (строка 22) «Типы уроков»: изображение «hint.png» в варианте ответа не перенесено"
        in (preview["notes"])
    )
    assert (
        "вопрос 4 (строка 99) «Аббревиатура»: ответы с частичным баллом не приняты как верные: «стандарт» (50%)"
        in (preview["notes"])
    )
    assert not Item.objects.exists()


def test_crlf_line_ends_and_an_svg_are_read_as_moodle_writes_them():
    data = MOODLE_XML.replace("\n", "\r\n").replace(
        '<file name="схема.png"',
        '<file name="plan.svg" path="/" encoding="base64">PHN2Zy8+</file><file name="схема.png"',
    )
    bank = parse_bank(data.encode(), filename="bank.xml")
    assert [i.ref for i in bank.items][:2] == [
        "вопрос 1 (строка 22) «Типы уроков»",
        "вопрос 2 (строка 72) «Принципы обучения»",
    ]
    assert bank.items[0].image[0] == "схема.png"
    assert (
        "файл «plan.svg» в формулировке не перенесён: изображение задания — PNG, JPEG, GIF, WebP или BMP"
        in bank.items[0].notes
    )


def test_import_with_the_mapping_writes_every_kind_the_image_and_an_essay_that_needs_criteria():
    sample_blocks()
    instrument = draft_instrument()
    result = items_import_file(
        actor=None, instrument=instrument, data=XML, filename="bank.xml", mapping=MAPPING
    )
    assert result["created"] == 8 and len(result["skipped"]) == 4
    items = {i.topic: i for i in _items(instrument)}
    single = semantic(items["Типы уроков"])
    assert single["correct"] == ["Урок открытия новых знаний"] and single["block"] == "methodical"
    assert single["choices"] == ["Урок открытия новых знаний", "Урок-лекция", "Урок & экскурсия"]
    assert single["stem"] == "Какой тип урока выделяется в системно-деятельностном подходе?"
    image = items["Типы уроков"].image
    assert image.name.startswith("items/схема") and image.read() == base64.b64decode(PNG)
    multiple = semantic(items["Принципы обучения"])
    assert (multiple["type"], multiple["correct"], multiple["partial"]) == (
        ItemType.MULTIPLE,
        ["Наглядность", "Научность"],
        True,
    )
    assert semantic(items["Этапы урока"])["order"] == ["Мотивация", "Актуализация", "Рефлексия"]
    assert items["Часы"].type == ItemType.SHORT and items["Часы"].key == {"accepted": ["29.5", "29,5"]}
    assert items["Эссе о мотивации"].block.code == "psychological" and items["Эссе о мотивации"].rubric == ""
    assert "Вариант 1, задание 7: нет критериев оценивания" in instrument_readiness_errors(instrument)


def test_categories_without_a_block_get_one_message_and_one_block_serves_the_whole_file():
    sample_blocks()
    instrument = draft_instrument()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=XML, filename="bank.xml")
    assert exc.value.errors == [
        "Не выбран блок компетенций для категорий «Default for ПК-2026 / Методика обучения», "
        "«Default for ПК-2026 / Методика обучения / Оценивание/контроль»: укажите блок для каждой "
        '(--map "категория=БЛОК") или один блок для всего файла (--block).'
    ]
    with pytest.raises(ImportFailed) as exc:
        items_import_file(
            actor=None,
            instrument=instrument,
            data=XML,
            filename="bank.xml",
            mapping={"Астрономия": "subject"},
        )
    assert exc.value.errors == ["В файле нет категории «Астрономия»."]
    assert not Item.objects.exists()
    # The mapping wins over the whole-file block, which wins over the block a category names.
    items_import_file(
        actor=None,
        instrument=instrument,
        data=XML,
        filename="bank.xml",
        block="subject",
        mapping={"default for пк-2026/методика обучения": "Методические компетенции"},
    )
    blocks = {i.topic: i.block.code for i in _items(instrument)}
    assert blocks["Типы уроков"] == "methodical"
    assert blocks["Авторы"] == "subject" and blocks["Эссе о мотивации"] == "subject"


def test_gift_with_crlf_cyrillic_categories_escapes_weights_ordering_and_numerical():
    sample_blocks()
    instrument = draft_instrument()
    data = GIFT.replace("\n", "\r\n").encode("utf-8-sig")
    bank = parse_bank(data, filename="bank.gift")
    preview = bank_preview(bank=bank, instrument=instrument, fmt="gift", default_variant=1)
    assert [(c["label"], c["items"], c["left_out"], c["variants"]) for c in preview["categories"]] == [
        ("Default for ПК-2026 / Методика", 4, 0, [1]),
        ("Психология / Вариант 2", 4, 2, [2]),
    ]
    assert [(s["kind"], s["ref"]) for s in preview["skipped"]] == [
        ("numerical", "вопрос 9 (строка 38) «Возраст»"),
        ("description", "вопрос 10 (строка 40) «Инструкция»"),
    ]
    result = items_import_file(
        actor=None,
        instrument=instrument,
        data=data,
        filename="bank.gift",
        mapping={"Default for ПК-2026 / Методика": "methodical", "Психология / Вариант 2": "psychological"},
    )
    assert (result["created"], result["variants"]) == (8, [1, 2])
    items = {i.topic: semantic(i) for i in _items(instrument)}
    assert items["Типы уроков"]["type"] == ItemType.SINGLE and items["Типы уроков"]["difficulty"] == 2
    assert items["Типы уроков"]["choices"] == ["Урок открытия новых знаний", "Урок-лекция", "Урок: экскурсия"]
    assert items["Типы уроков"]["stem"] == "Какой тип урока выделяется в ФГОС?"
    # ~%100% ~%50% ~%-25% without «=»: several answers with partial credit, as in Moodle.
    assert (items["Принципы"]["type"], items["Принципы"]["correct"], items["Принципы"]["partial"]) == (
        ItemType.MULTIPLE,
        ["Наглядность", "Научность"],
        True,
    )
    assert items["Знак"]["stem"] == "Какой знак ставят между частями формулы 2 = 1 + 1?"
    assert (
        items["Этапы"]["order"] == ["Мотивация", "Актуализация", "Рефлексия"]
        and not items["Этапы"]["partial"]
    )
    assert items["Авторы"]["pairs"] == [("Блум", "Таксономия"), ("Выготский", "Зона ближайшего развития")]
    assert items["Авторы"]["distractors"] == ["Лишний"] and items["Авторы"]["variant"] == 2
    assert items["Эссе"]["type"] == ItemType.EXTENDED and items["Часы"]["type"] == ItemType.SHORT


@pytest.mark.parametrize(
    "name, data, expected",
    [
        (
            "bank.xml",
            XML.replace(b"<text>29.5</text>", "<text>29,5 часа</text>".encode()),
            "вопрос 8 (строка 149) «Часы»: числовой ответ «29,5 часа» не число",
        ),
        (
            "bank.xml",
            XML.replace(PNG.encode(), b"bm90IGFuIGltYWdl", 1),
            "вопрос 1 (строка 22) «Типы уроков»: изображение «схема.png» повреждено или не является картинкой",
        ),
        (
            "bank.gift",
            GIFT.replace("{T}", "{T").replace("\n", "\r\n").encode(),
            "вопрос 3 (строка 16) «ФГОС»: фигурные скобки не парные",
        ),
    ],
)
def test_one_broken_question_refuses_the_file_naming_the_question_and_its_line(name, data, expected):
    sample_blocks()
    instrument = draft_instrument()
    with pytest.raises(ImportFailed) as exc:
        items_import_file(actor=None, instrument=instrument, data=data, filename=name, block="methodical")
    assert len(exc.value.errors) == 1 and exc.value.errors[0].startswith(expected)
    assert not Item.objects.exists()


def test_xml_hardening_is_kept():
    sample_blocks()
    instrument = draft_instrument()
    dtd = b"<?xml version='1.0'?><!DOCTYPE quiz [<!ENTITY x 'y'>]><quiz>&x;</quiz>"
    with pytest.raises(ImportFailed, match="запрещённые конструкции"):
        items_import_file(actor=None, instrument=instrument, data=dtd, filename="bank.xml")


def test_round_trip_our_export_imports_as_the_same_items_with_the_image():
    blocks = sample_blocks()
    source = draft_instrument(code="src")
    items_import_file(actor=None, instrument=source, data=XML, filename="bank.xml", mapping=MAPPING)
    exported, skipped = items_to_moodle_xml(source)
    assert skipped == 0
    assert b"<file name=" in exported and b"@@PLUGINFILE@@/" in exported
    assert "$course$/top/src/Методические компетенции/Вариант 1" in exported.decode()
    target = draft_instrument(code="dst")
    # Our export names the blocks in its categories: no mapping is needed.
    result = items_import_file(actor=None, instrument=target, data=exported, filename="export.xml")
    assert result["created"] == 8 and result["skipped"] == []
    assert [semantic(i) for i in _items(target)] == [semantic(i) for i in _items(source)]
    assert [i.image.read() for i in _items(target) if i.image] == [base64.b64decode(PNG)]
    assert blocks["methodical"].items.count() == 12


def test_import_items_command_dry_run_map_and_block(tmp_path):
    sample_blocks()
    instrument = draft_instrument(code="bank-1")
    path = tmp_path / "bank.xml"
    path.write_bytes(XML)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Не выбран блок компетенций для категорий"):
        call_command("import_items", str(path), "--instrument", "bank-1", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Предпросмотр «bank.xml» (Moodle XML): ничего не записано." in text
    assert (
        "  Психолого-педагогические компетенции: 2 (essay — 1, numerical (точный ответ) — 1); пропущено: 4 → psychological"
        in text
    )
    assert "Не будет импортирован вопрос 11 (строка 167) «Cloze»: вложенные ответы (Cloze)" in text
    assert not Item.objects.exists()
    out = io.StringIO()
    call_command(
        "import_items",
        str(path),
        "--instrument",
        "bank-1",
        "--map",
        "Default for ПК-2026 / Методика обучения=methodical",
        "--block",
        "subject",
        stdout=out,
    )
    assert "Импортировано заданий: 8 (варианты 1) в «bank-1»." in out.getvalue()
    assert "Не импортирован вопрос 12 (строка 172) «Перетаскивание»" in out.getvalue()
    assert {i.block.code for i in _items(instrument)} == {"methodical", "subject"}


def _upload(client, instrument, name="bank.xml", data=XML):
    return client.post(
        reverse("diagnostics:items_import"),
        {"instrument": instrument.pk, "default_variant": 1, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_page_shows_the_preview_and_writes_only_after_confirming(client, world):
    sample_blocks()
    instrument = draft_instrument()
    login(client, world["operator"])
    response = _upload(client, instrument)
    draft = ItemImportDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "diagnostics:items_import_preview", args=[draft.pk]
    )
    html = client.get(response["Location"]).content.decode()
    assert "Будет импортировано вопросов: <strong>8</strong>" in html
    assert "не будет импортировано: <strong>4</strong>" in html
    assert "Default for ПК-2026 / Методика обучения / Оценивание/контроль" in html
    assert "multianswer" in html and "вложенные ответы (Cloze)" in html
    assert '<option value="psychological" selected>' in html
    assert not Item.objects.exists()
    # Categories left without a block: one message, nothing written, the choice kept.
    html = client.post(response["Location"], {"action": "confirm", "map-0": "methodical"}).content.decode()
    assert (
        "Не выбран блок компетенций для категории «Default for ПК-2026 / Методика обучения / Оценивание/контроль»"
        in html
    )
    assert not Item.objects.exists()
    done = client.post(
        response["Location"],
        {"action": "confirm", "map-0": "methodical", "map-1": "subject", "map-2": "psychological"},
        follow=True,
    ).content.decode()
    assert "Импортировано заданий: 8 (варианты 1)." in done
    assert "Не импортирован вопрос 11 (строка 167) «Cloze»: вложенные ответы (Cloze)" in done
    assert {i.block.code for i in _items(instrument)} == {"methodical", "subject", "psychological"}
    assert not ItemImportDraft.objects.exists()


def test_an_unconfirmed_upload_is_dropped_with_its_file_after_a_day(client, world, settings):
    from datetime import timedelta

    from django.utils import timezone

    sample_blocks()
    instrument = draft_instrument()
    login(client, world["operator"])
    _upload(client, instrument)
    old = ItemImportDraft.objects.get()
    ItemImportDraft.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    _upload(client, instrument, name="bank.gift", data=GIFT.encode())
    assert list(ItemImportDraft.objects.values_list("filename", flat=True)) == ["bank.gift"]
    assert not (settings.PRIVATE_MEDIA_ROOT / old.path).exists()


def test_upload_page_refuses_a_broken_file_at_once_and_keeps_nothing(client, world, settings):
    sample_blocks()
    instrument = draft_instrument()
    login(client, world["operator"])
    broken = XML.replace(b"<text>29.5</text>", "<text>много</text>".encode())
    html = _upload(client, instrument, data=broken).content.decode()
    assert "вопрос 8 (строка 149) «Часы»: числовой ответ «много» не число" in html
    assert not ItemImportDraft.objects.exists()
    assert not list((settings.PRIVATE_MEDIA_ROOT).rglob("*.xml"))


def test_preview_page_matrix_a_draft_is_its_uploaders_own(client, world):
    sample_blocks()
    instrument = draft_instrument()
    login(client, world["operator"])
    _upload(client, instrument)
    url = reverse("diagnostics:items_import_preview", args=[ItemImportDraft.objects.get().pk])
    assert_matrix(client, world, url, {"operator"})
    from tests.cnppm.factories import make_person

    other = make_person("operator", organization=world["centre"], username="operator2")
    login(client, other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "cancel"}).status_code == 404
    assert ItemImportDraft.objects.exists()


def test_api_upload_preview_confirm(client, world):
    from rest_framework.test import APIClient

    sample_blocks()
    instrument = draft_instrument()
    api = APIClient()
    api.force_authenticate(world["operator"].user)
    response = api.post(
        "/api/v1/item-imports/",
        {"instrument": instrument.pk, "file": SimpleUploadedFile("bank.xml", XML)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["preview"]["total"] == 8
        and [c["label"] for c in body["preview"]["categories"]] == XML_CATEGORIES
    )
    url = f"/api/v1/item-imports/{body['id']}/"
    assert_matrix(client, world, url, {"operator"})
    assert api.get(url).json()["preview"]["left_out"] == 4
    refused = api.post(url + "confirm/", {"map": {XML_CATEGORIES[0]: "methodical"}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0].startswith("Не выбран блок компетенций для категории")
    assert not Item.objects.exists()
    confirmed = api.post(url + "confirm/", {"map": MAPPING}, format="json")
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "done"
    assert len(_items(instrument)) == 8
    assert api.get(url).status_code == 404  # the draft became the job


def test_api_refuses_a_broken_file_and_counts_its_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    sample_blocks()
    instrument = draft_instrument()
    api = APIClient()
    api.force_authenticate(world["operator"].user)
    bad = api.post(
        "/api/v1/item-imports/",
        {"instrument": instrument.pk, "file": SimpleUploadedFile("bank.gift", b"::A::text {=a")},
        format="multipart",
    )
    assert bad.status_code == 400 and re.match(
        r"вопрос 1 \(строка 1\) «A»: фигурные скобки", bad.json()["errors"][0]
    )
    # The preview costs the same few queries for a 12-question bank and a 60-question one.
    counts = []
    for copies in (1, 5):
        body = XML.split(b"<quiz>", 1)[1].rsplit(b"</quiz>", 1)[0]
        data = b"<quiz>" + body * copies + b"</quiz>"
        with CaptureQueriesContext(connection) as ctx:
            response = api.post(
                "/api/v1/item-imports/",
                {"instrument": instrument.pk, "file": SimpleUploadedFile("bank.xml", data)},
                format="multipart",
            )
        assert response.status_code == 201
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 15, counts


def test_answers_that_are_only_images_leave_the_question_out_and_gift_data_uri_images_are_kept():
    xml = (
        "<quiz><question type='multichoice'><name><text>Схемы</text></name>"
        "<questiontext format='html'><text>Выберите схему</text></questiontext><single>true</single>"
        f"<answer fraction='100'><text><![CDATA[<img src=\"@@PLUGINFILE@@/a.png\">]]></text>"
        f"<file name='a.png' path='/' encoding='base64'>{PNG}</file></answer>"
        "<answer fraction='0'><text>Текст</text></answer></question></quiz>"
    ).encode()
    bank = parse_bank(xml, filename="bank.xml")
    assert bank.items == [] and [(s.kind, s.reason) for s in bank.skipped] == [
        ("multichoice", "варианты ответа — изображения, а в портале варианты ответа только текстовые")
    ]
    gift = (
        f'::Рисунок::[html]<p>Что на рисунке?</p><img src="data:image/png;base64,{PNG}"> {{=Квадрат ~Круг}}\n\n'
        '::Схема::[html]<img src="@@PLUGINFILE@@/s.png"> Что это? {=Схема ~Карта}\n'
    ).encode()
    first, second = parse_bank(gift, filename="bank.gift").items
    assert first.image == ("image.png", base64.b64decode(PNG)) and first.stem == "Что на рисунке?"
    assert second.image is None and second.notes == [
        "изображение «s.png» не перенесено: в GIFT нет файлов изображений (выгрузите банк из Moodle в формате Moodle XML)"
    ]


MOODLE_GRADES = {100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667}
MOODLE_GRADES |= {14.28571, 12.5, 11.11111, 10, 5}


@pytest.mark.parametrize("k", [3, 7, 12])
def test_export_writes_fractions_moodle_accepts_and_imports_back_the_same(k):
    from xml.etree import ElementTree as ET

    blocks = sample_blocks()
    instrument = draft_instrument(code="multi")
    Item.objects.create(
        variant=instrument.variants.get(number=1),
        block=blocks["subject"],
        number=1,
        type=ItemType.MULTIPLE,
        topic="Много верных",
        stem="Отметьте верные",
        options={"choices": [{"id": f"c{i}", "text": f"Вариант {i}"} for i in range(k + 1)]},
        key={"correct": [f"c{i}" for i in range(k)]},
        partial_credit=True,
    )
    exported, _ = items_to_moodle_xml(instrument)
    fractions = [float(a.get("fraction")) for a in ET.fromstring(exported).iter("answer")]
    positive = [f for f in fractions if f > 0]
    assert len(positive) == k and round(sum(positive) / 100, 2) == 1
    assert all(min(abs(f - g) for g in MOODLE_GRADES) < 0.001 for f in positive), positive
    target = draft_instrument(code="multi-back")
    items_import_file(actor=None, instrument=target, data=exported, filename="multi.xml")
    assert [semantic(i) for i in _items(target)] == [semantic(i) for i in _items(instrument)]
