"""Authoring pages: blocks, instruments, status buttons, variants, item forms of every type, item
uploads and exports, commands; the permission matrix and the query guard of the list."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from diagnostics.choices import InstrumentStatus, ItemType
from diagnostics.models import CompetenceBlock, Instrument, Item
from tests.diagnostics.factories import AttemptFactory, CompetenceBlockFactory, make_instrument
from tests.diagnostics.import_helpers import FIXTURES, draft_instrument, sample_blocks
from tests.helpers import assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, world):
    login(client, world["operator"])
    return client


def test_permission_matrix(client, world):
    instrument = make_instrument(variants=4, types=(ItemType.SINGLE,))
    item = Item.objects.filter(variant__instrument=instrument).first()
    urls = [
        reverse("diagnostics:block_list"),
        reverse("diagnostics:block_edit", args=[item.block_id]),
        reverse("diagnostics:instrument_list"),
        reverse("diagnostics:instrument_create"),
        reverse("diagnostics:instrument_detail", args=[instrument.pk]),
        reverse("diagnostics:instrument_edit", args=[instrument.pk]),
        reverse("diagnostics:variant_items", args=[instrument.pk, 1]),
        reverse("diagnostics:item_create", args=[instrument.pk, 1]),
        reverse("diagnostics:item_edit", args=[item.pk]),
        reverse("diagnostics:instrument_export", args=[instrument.pk, "xml"]),
        reverse("diagnostics:items_template"),
        reverse("diagnostics:items_import"),
        reverse("diagnostics:results_template"),
    ]
    for url in urls:
        assert_matrix(client, world, url, {"operator"})
    assert_matrix(
        client,
        world,
        reverse("diagnostics:instrument_transition", args=[instrument.pk]),
        {"operator"},
        method="post",
        data={"to": "archived"},
        ok=(302,),
    )


def test_missing_objects_answer_404(operator_client):
    instrument = draft_instrument()
    assert operator_client.get(reverse("diagnostics:instrument_detail", args=[999999])).status_code == 404
    assert (
        operator_client.get(reverse("diagnostics:variant_items", args=[instrument.pk, 9])).status_code == 404
    )
    assert operator_client.get(reverse("diagnostics:item_edit", args=[999999])).status_code == 404


def test_blocks_are_managed_in_the_browser(operator_client):
    response = operator_client.post(
        reverse("diagnostics:block_list"),
        {"code": "soft", "name": "Гибкие навыки", "audience": "teachers", "is_scored": "on", "order": 7},
        follow=True,
    )
    assert "Блок «Гибкие навыки» добавлен." in response.content.decode()
    block = CompetenceBlock.objects.get(code="soft")
    response = operator_client.post(
        reverse("diagnostics:block_edit", args=[block.pk]),
        {"code": "soft", "name": "Функциональная грамотность", "audience": "teachers", "order": 8},
        follow=True,
    )
    html = response.content.decode()
    assert "Функциональная грамотность" in html
    block.refresh_from_db()
    assert (block.name, block.is_scored, block.order) == ("Функциональная грамотность", False, 8)
    response = operator_client.post(
        reverse("diagnostics:block_list"),
        {"code": "soft", "name": "Другой", "audience": "teachers", "order": 1},
    )
    assert "уже существует" in response.content.decode() or "уже есть" in response.content.decode()


def test_create_fill_and_publish_an_instrument(operator_client):
    blocks = sample_blocks()
    response = operator_client.post(
        reverse("diagnostics:instrument_create"),
        {
            "code": "phys-entry",
            "title": "Входная диагностика учителей физики",
            "audience": "teachers",
            "kind": "entry",
            "blocks": [blocks["subject"].pk, blocks["methodical"].pk],
            "time_limit_minutes": 120,
            "pass_mark": 60,
            "threshold_medium": 60,
            "threshold_minimal": 80,
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Черновик «Входная диагностика учителей физики» создан с 4 вариантами." in html
    instrument = Instrument.objects.get(code="phys-entry")
    assert instrument.status == InstrumentStatus.DRAFT and instrument.variants.count() == 4
    assert "В варианте 1 нет заданий." in html and ">Опубликовать</button>" in html
    # Publishing now is refused with the reasons, nothing changes.
    response = operator_client.post(
        reverse("diagnostics:instrument_transition", args=[instrument.pk]), {"to": "published"}, follow=True
    )
    assert "Работа не готова к публикации." in response.content.decode()
    for number in range(1, 5):
        response = operator_client.post(
            reverse("diagnostics:item_create", args=[instrument.pk, number]),
            {
                "block": blocks["subject"].pk,
                "type": "single",
                "difficulty": 1,
                "topic": "Законы Ньютона",
                "points": "1",
                "stem": "Какой закон описывает инерцию?\n<script>alert(1)</script>",
                "options_text": "Первый закон Ньютона\nВторой закон Ньютона\nТретий закон Ньютона",
                "answer_text": "1",
            },
            follow=True,
        )
        assert "Задание № 1 сохранено." in response.content.decode()
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    response = operator_client.post(
        reverse("diagnostics:instrument_transition", args=[instrument.pk]), {"to": "published"}, follow=True
    )
    assert "Статус работы: опубликована." in response.content.decode()
    assert Instrument.objects.get(pk=instrument.pk).status == InstrumentStatus.PUBLISHED


@pytest.mark.parametrize(
    "item_type, options_text, answer_text, options, key",
    [
        (
            "single",
            "Да\nНет",
            "2",
            {"choices": [{"id": "a", "text": "Да"}, {"id": "b", "text": "Нет"}]},
            {"correct": ["b"]},
        ),
        (
            "multiple",
            "А\nБ\nВ",
            "1; 3",
            {"choices": [{"id": "a", "text": "А"}, {"id": "b", "text": "Б"}, {"id": "c", "text": "В"}]},
            {"correct": ["a", "c"]},
        ),
        (
            "matching",
            "Пушкин -> Евгений Онегин\nГоголь -> Мёртвые души",
            "",
            {
                "left": [{"id": "l1", "text": "Пушкин"}, {"id": "l2", "text": "Гоголь"}],
                "right": [{"id": "r1", "text": "Евгений Онегин"}, {"id": "r2", "text": "Мёртвые души"}],
            },
            {"pairs": {"l1": "r1", "l2": "r2"}},
        ),
        (
            "ordering",
            "Рефлексия\nМотивация",
            "",
            {"elements": [{"id": "e1", "text": "Мотивация"}, {"id": "e2", "text": "Рефлексия"}]},
            {"order": ["e2", "e1"]},
        ),
        ("short", "", "ампер; А", {}, {"accepted": ["ампер", "А"]}),
        ("self_analysis", "не владею\nвладею", "", {"scale": ["не владею", "владею"]}, {}),
    ],
)
def test_item_form_builds_the_json_of_each_type(
    operator_client, item_type, options_text, answer_text, options, key
):
    blocks = sample_blocks()
    instrument = draft_instrument()
    instrument.blocks.set(blocks.values())
    response = operator_client.post(
        reverse("diagnostics:item_create", args=[instrument.pk, 2]),
        {
            "block": blocks["subject"].pk,
            "type": item_type,
            "difficulty": 2,
            "topic": "Тема",
            "points": "1",
            "stem": "Формулировка",
            "options_text": options_text,
            "answer_text": answer_text,
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(variant__instrument=instrument)
    assert (item.variant.number, item.number, item.options, item.key) == (2, 1, options, key)
    # The edit form shows the same text back.
    html = operator_client.get(reverse("diagnostics:item_edit", args=[item.pk])).content.decode()
    for line in options_text.splitlines():
        assert line.replace(">", "&gt;") in html


def test_item_form_errors_are_shown_and_nothing_saved(operator_client):
    blocks = sample_blocks()
    instrument = draft_instrument()
    instrument.blocks.set(blocks.values())
    url = reverse("diagnostics:item_create", args=[instrument.pk, 1])
    base = {"block": blocks["subject"].pk, "difficulty": 1, "topic": "Тема", "points": "1", "stem": "Вопрос"}
    html = operator_client.post(
        url, {**base, "type": "single", "options_text": "Да\nНет", "answer_text": "5"}
    ).content.decode()
    assert "«5» — нет варианта ответа с таким номером (их 2)" in html
    html = operator_client.post(url, {**base, "type": "extended"}).content.decode()
    assert "Для развёрнутого ответа нужны критерии оценивания." in html
    html = operator_client.post(
        url, {**base, "type": "matching", "options_text": "Только левая часть"}
    ).content.decode()
    assert "В строке «Только левая часть» нет стрелки -&gt;" in html
    assert 'aria-invalid="true"' in html
    assert not Item.objects.exists()


def test_frozen_instrument_offers_a_new_version(operator_client, world):
    instrument = make_instrument(variants=4, types=(ItemType.SINGLE,))
    AttemptFactory(person=world["teacher"], instrument=instrument)
    html = operator_client.get(
        reverse("diagnostics:instrument_detail", args=[instrument.pk])
    ).content.decode()
    assert "По работе уже есть попытки участников: задания изменить нельзя. Создайте новую версию." in html
    assert "Создать новую версию" in html and "Добавить вариант" not in html
    item = Item.objects.filter(variant__instrument=instrument).first()
    response = operator_client.post(reverse("diagnostics:item_delete", args=[item.pk]), follow=True)
    assert "задания изменить нельзя" in response.content.decode()
    assert Item.objects.filter(pk=item.pk).exists()
    response = operator_client.post(
        reverse("diagnostics:instrument_new_version", args=[instrument.pk]), follow=True
    )
    html = response.content.decode()
    assert "Создан черновик версии 2" in html and "Добавить вариант" in html


def test_items_upload_page(operator_client):
    sample_blocks()
    instrument = draft_instrument()
    url = reverse("diagnostics:items_import")
    html = operator_client.get(url + f"?instrument={instrument.pk}").content.decode()
    assert "Вариант 2" in html and "Moodle XML" in html and "GIFT" in html
    broken = io.BytesIO((FIXTURES / "moodle_broken_question.xml").read_bytes())
    broken.name = "bank.xml"
    html = operator_client.post(
        url, {"instrument": instrument.pk, "default_variant": 1, "file": broken}, follow=True
    ).content.decode()
    assert "Файл не загружен: ни одно задание не сохранено." in html
    assert "вопрос 2 (строка 13) «Вопрос без верного ответа»" in html
    good = io.BytesIO((FIXTURES / "gift_all_types.gift").read_bytes())
    good.name = "bank.gift"
    preview = operator_client.post(url, {"instrument": instrument.pk, "default_variant": 1, "file": good})
    html = operator_client.post(preview["Location"], {"action": "confirm"}, follow=True).content.decode()
    assert "Импортировано заданий: 7 (варианты 1, 2)." in html


def test_commands_import_and_export(world, tmp_path):
    sample_blocks()
    instrument = draft_instrument(code="bank-1")
    out = io.StringIO()
    call_command("import_items", str(FIXTURES / "moodle_all_types.xml"), "--instrument", "bank-1", stdout=out)
    assert "Импортировано заданий: 7 (варианты 1, 2) в «bank-1»." in out.getvalue()
    with pytest.raises(CommandError, match="вопрос 2 \\(строка 13\\) «Вопрос без верного ответа»"):
        call_command("import_items", str(FIXTURES / "moodle_broken_question.xml"), "--instrument", "bank-1")
    with pytest.raises(CommandError, match="Нет диагностической работы с кодом «nope»"):
        call_command("import_items", str(FIXTURES / "moodle_all_types.xml"), "--instrument", "nope")
    target = tmp_path / "out.xml"
    call_command("export_items", "--instrument", "bank-1", "-o", str(target), stdout=io.StringIO())
    assert (
        target.read_bytes().count(b"<question type=") == 7 + 2
    )  # questions + one category per block/variant
    assert Item.objects.filter(variant__instrument=instrument).count() == 7


def test_instrument_list_query_count(operator_client):
    url = reverse("diagnostics:instrument_list")
    operator_client.get(url)
    make_instrument(variants=4, types=(ItemType.SINGLE,))
    small = count_queries(lambda: operator_client.get(url))
    for _ in range(5):
        make_instrument(variants=4, types=(ItemType.SINGLE, ItemType.SHORT))
    CompetenceBlockFactory()
    large = count_queries(lambda: operator_client.get(url))
    assert_same_queries(small, large)
    html = operator_client.get(url).content.decode()
    assert html.count("<td>опубликована</td>") == 6
