"""A teacher takes a whole diagnostic in the browser: answers of every type, a reload mid-way, the
finish summary; an expert scores the extended answer; the teacher sees the final result."""

import re

import pytest
from playwright.sync_api import expect

from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER_URL = re.compile(r"/answer/$")


def _saving(page):
    return page.expect_response(lambda r: ANSWER_URL.search(r.url) is not None and r.request.method == "POST")


def test_take_a_diagnostic_in_the_browser(page, sign_in, shots, world):
    make_instrument(
        title="Входная диагностика учителей математики",
        blocks=[
            CompetenceBlockFactory(name="Предметные компетенции", order=1),
            CompetenceBlockFactory(name="Методические компетенции", order=2),
        ],
    )
    sign_in(world["teacher"])
    page.get_by_role("link", name="Перейти к работе «Входная диагностика учителей математики»").click()
    expect(page.get_by_role("heading", name="Входная диагностика учителей математики")).to_be_visible()
    expect(page.locator("#questions-count")).to_have_text("7")
    page.get_by_role("button", name="Начать").click()

    # 1. single choice
    expect(page.get_by_text("Вопрос 1 из 7")).to_be_visible()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^01:59:\d\d$|^02:00:00$"))
    with _saving(page):
        page.get_by_label("2) Окисление").check()
    expect(page.locator("#save-status")).to_contain_text("Ответ сохранён")
    page.get_by_role("link", name="Следующий →").click()

    # 2. multiple choice
    expect(page.get_by_text("Вопрос 2 из 7")).to_be_visible()
    for label in ("1) Наглядность", "2) Научность", "4) Систематичность"):
        with _saving(page):
            page.get_by_label(label).check()
    page.get_by_role("link", name="Следующий →").click()

    # 3. matching, then a reload: the answers come back from the server
    expect(page.get_by_text("Вопрос 3 из 7")).to_be_visible()
    with _saving(page):
        page.get_by_label("Диагностика", exact=True).select_option(label="Выявление дефицитов")
    with _saving(page):
        page.get_by_label("Рефлексия", exact=True).select_option(label="Анализ итогов")
    page.reload()
    expect(page.get_by_label("Диагностика", exact=True)).to_have_value("r2")
    expect(page.get_by_label("Рефлексия", exact=True)).to_have_value("r1")
    page.get_by_role("link", name="1 (есть ответ)").click()
    expect(page.get_by_label("2) Окисление")).to_be_checked()
    shots("teacher-question")
    page.get_by_role("link", name="4 (без ответа)").click()

    # 4. ordering with the «выше» buttons (keyboard-usable), target: Диагностика, Проектирование, Реализация
    expect(page.get_by_text("Вопрос 4 из 7")).to_be_visible()
    target = ["Диагностика", "Проектирование", "Реализация"]
    for _ in range(6):
        current = page.locator("[data-element]").all_inner_texts()
        if current == target:
            break
        position = next(i for i, text in enumerate(current) if text != target[i])
        moving = current.index(target[position])
        with _saving(page):
            page.get_by_role("button", name=f"Поднять выше: {target[position]}").click()
        expect(page.locator("[data-element]").nth(moving - 1)).to_have_text(target[position])
        # focus stays on the moved element's buttons for keyboard users
        expect(page.locator("button[name=move]:focus")).to_have_count(1)
    with _saving(page):
        page.get_by_role("button", name="Сохранить этот порядок").click()
    expect(page.locator("#save-status")).to_contain_text("Ответ сохранён")
    page.get_by_role("link", name="Следующий →").click()

    # 5. short answer (case and ё normalised), 6. extended answer, 7. self-analysis
    with _saving(page):
        page.get_by_label("Краткий ответ").fill("  ЁМКОСТЬ ")
        page.get_by_label("Краткий ответ").press("Tab")
    page.get_by_role("link", name="Следующий →").click()
    with _saving(page):
        page.get_by_label("Развёрнутый ответ (его проверит эксперт)").fill(
            "Ставлю цель урока вместе с классом."
        )
        page.get_by_label("Развёрнутый ответ (его проверит эксперт)").press("Tab")
    page.get_by_role("link", name="Следующий →").click()
    with _saving(page):
        page.get_by_label("владею уверенно").check()

    # finish: the summary, then the expert check
    page.get_by_role("link", name="Завершить тест").click()
    expect(page.locator("#answered-summary")).to_have_text("Отвечено: 7 из 7. Без ответа: 0.")
    page.get_by_role("button", name="Завершить тест").click()
    expect(page.get_by_text("Развёрнутые ответы переданы эксперту на проверку.")).to_be_visible()
    expect(page.get_by_text("результат появится после проверки")).to_be_visible()
    result_url = page.url
    page.get_by_role("button", name="Выйти").click()

    sign_in(world["expert"])
    page.goto("/diagnostics/expert/")
    expect(page.locator("#expert-queue")).not_to_contain_text(world["teacher"].last_name)
    page.get_by_role("link", name=re.compile("^Проверить")).click()
    expect(page.locator("#answer-text")).to_contain_text("Ставлю цель урока вместе с классом.")
    page.get_by_label(re.compile(r"^Балл \(от 0 до 2")).fill("5")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_role("alert")).to_have_text("Балл должен быть от 0 до 2.")
    page.get_by_label(re.compile(r"^Балл \(от 0 до 2")).fill("1")
    page.get_by_label(re.compile("^Комментарий")).fill("Нужен пример из практики.")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text("Ответов, ожидающих проверки, нет.")).to_be_visible()
    page.get_by_role("button", name="Выйти").click()

    # the final result: 6.00 of 7 points (the extended answer earned 1 of 2)
    sign_in(world["teacher"])
    page.goto(result_url)
    expect(page.locator("#overall-percent")).to_have_text(re.compile(r"^85[,.]7 %$"))
    expect(page.get_by_text("Уровень профессионального дефицита: минимальный / отсутствует")).to_be_visible()
    expect(page.locator("#block-results")).to_contain_text("Предметные компетенции")
    expect(page.locator("#expert-comments")).to_contain_text("Нужен пример из практики.")
    shots("teacher-result")
