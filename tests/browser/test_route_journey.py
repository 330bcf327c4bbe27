"""A teacher builds a route from the recommendations and submits it; the curator returns it with a
comment; the teacher revises and resubmits; the curator approves; the teacher downloads the PDF.
The review, the returned card and the approved card are kept at 390, 1 280 and 1 920 px."""

import pytest
from playwright.sync_api import expect

from routes.models import Route
from tests.routes.factories import ActivityFactory, make_entry_attempt, teacher_blocks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_route_journey(page, sign_in, shots, world):
    def switch_to(person):
        page.context.clear_cookies()
        sign_in(person)

    blocks = teacher_blocks()
    make_entry_attempt(
        world["teacher"],
        {blocks[0]: 42, blocks[1]: 68, blocks[4]: 91},
        topics={blocks[0]: ["Решение задач на законы сохранения"], blocks[1]: ["Формирующее оценивание"]},
    )
    ActivityFactory(
        title="ДПП ПК «Законы сохранения: трудные задачи»",
        kind="qualification",
        competences=[blocks[0]],
        hours=36,
    )
    ActivityFactory(
        title="Стажировка «Формирующее оценивание на уроке»", kind="internship", competences=[blocks[1]]
    )

    # the teacher builds the route from the recommendations
    sign_in(world["teacher"])
    page.get_by_role("button", name="Составить ИОМ по результатам диагностики").click()
    expect(page.get_by_role("heading", name="Подбор мероприятий по дефицитам")).to_be_visible()
    expect(page.locator("#uncovered")).to_contain_text("Предметные (высокий), Методические (средний)")
    page.get_by_role("button", name="Выбрать «ДПП ПК «Законы сохранения: трудные задачи»»").click()
    expect(page.get_by_role("alert").first).to_contain_text("добавлено в маршрут")
    expect(page.locator("#uncovered")).to_contain_text("Методические (средний)")
    page.get_by_role("link", name="Вернуться к карте").click()
    expect(page.locator("#uncovered")).to_contain_text("Методические (средний, 68,0 %)")
    expect(page.locator("#section2")).to_contain_text("Решение задач на законы сохранения")
    page.get_by_role("link", name="Редактировать задачи и итоговое мероприятие").click()
    page.get_by_label("Образовательные задачи").fill("Освоить решение задач на законы сохранения")
    page.get_by_label("Заключительное публичное мероприятие").fill("Открытый урок для учителей района")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#tasks")).to_contain_text("Освоить решение задач на законы сохранения")
    page.get_by_role("button", name="Отправить на экспертизу куратору").click()
    expect(page.locator("#route-status")).to_have_text("на рассмотрении")

    # the curator returns it with a comment
    switch_to(world["curator"])
    route = Route.objects.get(teacher=world["teacher"])
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#review")).to_contain_text("Экспертиза ИОМ куратором")
    shots("curator-review")
    page.get_by_label("незначительная доработка").check()
    page.get_by_label("Комментарий для педагога").fill("Методический дефицит не покрыт: добавьте стажировку.")
    page.get_by_role("button", name="Сохранить заключение").click()
    expect(page.locator("#route-status")).to_have_text("возвращён на доработку")

    # the teacher sees the comment, revises and resubmits
    switch_to(world["teacher"])
    page.goto("/notifications/")
    expect(page.get_by_text("Заключение куратора по ИОМ: незначительная доработка")).to_be_visible()
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#comments")).to_contain_text("Методический дефицит не покрыт: добавьте стажировку.")
    expect(page.locator("#route-status")).to_have_text("возвращён на доработку")
    shots("teacher-returned")
    page.get_by_role("link", name="Подобрать мероприятия по дефицитам").click()
    page.get_by_role("button", name="Выбрать «Стажировка «Формирующее оценивание на уроке»»").click()
    expect(page.get_by_text("Все дефициты покрыты мероприятиями маршрута.")).to_be_visible()
    page.get_by_role("link", name="Вернуться к карте").click()
    expect(page.locator("#uncovered")).to_have_count(0)
    page.get_by_label("Новый комментарий").fill("Добавила стажировку, прошу посмотреть.")
    page.get_by_role("button", name="Отправить комментарий").click()
    page.get_by_role("button", name="Отправить доработанный ИОМ куратору").click()
    expect(page.locator("#route-status")).to_have_text("на рассмотрении")

    # the curator approves
    switch_to(world["curator"])
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#comments")).to_contain_text("Добавила стажировку, прошу посмотреть.")
    page.get_by_label("корректировки не требуются").check()
    page.get_by_role("button", name="Сохранить заключение").click()
    expect(page.locator("#route-status")).to_have_text("утверждён")
    shots("curator-approved")

    # the teacher downloads the PDF card
    switch_to(world["teacher"])
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#activities")).to_contain_text("Стажировка «Формирующее оценивание на уроке»")
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать карту (PDF)").click()
    download = info.value
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.suggested_filename.endswith(".pdf")
