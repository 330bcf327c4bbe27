"""The operator authors an instrument in chromium: creates a draft, adds an item with the keyboard-
friendly form, uploads a broken GIFT bank (errors listed, nothing saved) and a good one, and sees the
publication checklist shrink; the ministry then reads the statistics page."""

import pytest

from diagnostics.models import Instrument, Item
from tests.diagnostics.factories import make_final_attempt, make_instrument
from tests.diagnostics.import_helpers import FIXTURES, sample_blocks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_authors_an_instrument(page, sign_in, world):
    from playwright.sync_api import expect

    blocks = sample_blocks()
    sign_in(world["operator"])
    page.get_by_role("button", name="Диагностика").click()
    page.get_by_role("link", name="Диагностические работы").click()
    page.get_by_role("link", name="Новая работа").click()
    page.locator("#id_code").fill("phys-entry")
    page.locator("#id_title").fill("Входная диагностика учителей физики")
    page.get_by_label("Методические компетенции").check()
    page.get_by_label("Предметные компетенции").check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Черновик «Входная диагностика учителей физики» создан с 4 вариантами."
    )
    expect(page.locator("#instrument-status")).to_have_text("черновик")
    expect(page.get_by_role("status").last).to_contain_text("В варианте 1 нет заданий.")

    page.get_by_role("link", name="Вариант 1", exact=True).click()
    page.get_by_role("link", name="Добавить задание").click()
    page.get_by_label("Блок").select_option(label="Предметные компетенции")
    page.get_by_label("Тип").select_option("single")
    page.get_by_label("Тема (затруднение при ошибке)").fill("Законы Ньютона")
    page.get_by_label("Формулировка").fill("Какой закон описывает инерцию?")
    page.get_by_label("Варианты ответа").fill("Первый закон Ньютона\nВторой закон Ньютона")
    page.get_by_label("Верный ответ").fill("3")
    page.get_by_role("button", name="Сохранить задание").click()
    expect(page.locator("#id_answer_text_help")).to_contain_text(
        "«3» — нет варианта ответа с таким номером (их 2)"
    )
    page.get_by_label("Верный ответ").fill("1")
    page.get_by_role("button", name="Сохранить задание").click()
    expect(page.get_by_role("alert").first).to_contain_text("Задание № 1 сохранено.")
    instrument = Instrument.objects.get(code="phys-entry")
    item = Item.objects.get(variant__instrument=instrument)
    assert item.key == {"correct": ["a"]} and item.block == blocks["subject"]

    page.get_by_role("link", name="← Входная диагностика учителей физики").click()
    page.get_by_role("link", name="Импорт заданий").click()
    page.get_by_label("Файл").set_input_files(str(FIXTURES / "gift_broken.gift"))
    page.get_by_role("button", name="Загрузить").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("Файл не загружен: ни одно задание не сохранено.")
    expect(errors).to_contain_text("вопрос 2 (строка 5) «Без скобок»: фигурные скобки не парные")
    assert Item.objects.filter(variant__instrument=instrument).count() == 1
    # A good bank: first the preview, Moodle's categories with a block select each (issue 10.1);
    # nothing is written until the operator confirms.
    page.get_by_label("Файл").set_input_files(str(FIXTURES / "gift_all_types.gift"))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("#preview-summary")).to_contain_text("Будет импортировано вопросов: 7")
    methodical = page.get_by_label("Методические компетенции / Вариант 1")
    expect(methodical).to_have_value("methodical")  # the category names the block: suggested
    page.get_by_label("Психолого-педагогические компетенции / Вариант 2").select_option(
        label="subject — Предметные компетенции"
    )
    assert Item.objects.filter(variant__instrument=instrument).count() == 1
    page.get_by_role("button", name="Импортировать").click()
    expect(page.locator("#import-job")).to_contain_text("Импортировано заданий: 7 (варианты 1, 2).")
    expect(page.locator("#import-job")).to_contain_text("В варианте 3 нет заданий.")
    assert Item.objects.filter(variant__instrument=instrument).count() == 8
    assert Item.objects.filter(
        variant__instrument=instrument, variant__number=2, block=blocks["subject"]
    ).exists()


def test_ministry_reads_statistics(page, sign_in, world):
    from playwright.sync_api import expect

    blocks = sample_blocks()
    instrument = make_instrument(blocks=[blocks["subject"]], variants=4, title="Математика, входная")
    make_final_attempt(world["teacher"], instrument, {blocks["subject"]: 50})
    make_final_attempt(world["other_teacher"], instrument, {blocks["subject"]: 90})
    sign_in(world["ministry"])
    page.get_by_role("button", name="Диагностика").click()
    page.get_by_role("link", name="Статистика диагностики").click()
    page.get_by_role("link", name="Математика, входная").click()
    expect(page.locator("#participants")).to_have_text("2")
    # One participant in the municipality: the ministry sees the head count, not that person's score.
    row = page.locator("#stat-municipality tbody tr", has_text="Первый район")
    expect(row).to_contain_text("менее 5 участников: показатели скрыты")
    expect(row).not_to_contain_text("50,0")
    expect(
        page.get_by_role("link", name="Результаты по участникам (XLSX, персональные данные)")
    ).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать таблицы (XLSX)").click()
    assert download.value.suggested_filename == f"statistics-{instrument.code}.xlsx"
