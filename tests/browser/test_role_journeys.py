"""The main journey of each supporting role, clicked as its user would, with the key screens kept
at 390, 1 280 and 1 920 px (fixture `shots`): the expert, the regional methodist, the school head
and the municipal methodist, the tutor and the mentor, the curator. Data comes from factories."""
# ruff: noqa: F811

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from diagnostics.choices import InstrumentKind, ItemType
from diagnostics.models import Item
from diagnostics.services import attempts as attempt_services
from routes.choices import RouteStatus
from routes.models import Route
from tests.diagnostics.factories import make_instrument
from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)
from tests.routes.factories import RouteActivityFactory, make_attempt, make_route, teacher_blocks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def switch_to(page, sign_in):
    def _switch_to(person):
        page.context.clear_cookies()
        sign_in(person)
        expect(page.get_by_role("button", name="Выйти")).to_be_visible()

    return _switch_to


def test_expert_scores_by_the_rubric_and_the_teacher_sees_the_result(page, switch_to, shots, world):
    instrument = make_instrument(
        types=(ItemType.SINGLE, ItemType.EXTENDED, ItemType.EXTENDED), title="Диагностика учителей физики"
    )
    user = world["teacher"].user
    attempt = attempt_services.attempt_start(actor=user, instrument_id=instrument.pk)
    texts = {2: "Начинаю урок с проблемного опыта.", 3: "Даю обратную связь по критериям."}
    for item in Item.objects.filter(variant=attempt.variant):
        value = {"choice": "b"} if item.type == ItemType.SINGLE else {"text": texts[item.number]}
        attempt_services.answer_save(actor=user, attempt_id=attempt.pk, item_id=item.pk, value=value)
    attempt_services.attempt_finish(actor=user, attempt_id=attempt.pk)

    switch_to(world["expert"])
    page.get_by_role("button", name="Диагностика").click()
    page.get_by_role("link", name="Проверка ответов").click()
    expect(page.get_by_role("heading", name="Проверка развёрнутых ответов")).to_be_visible()
    queue = page.locator("#expert-queue")
    expect(queue.get_by_role("row")).to_have_count(3)  # the header and two answers
    expect(queue).not_to_contain_text(world["teacher"].last_name)  # anonymous
    shots("expert-queue")

    queue.get_by_role("link", name=re.compile("^Проверить")).first.click()
    expect(page.locator("#rubric")).to_contain_text("2 балла — полный ответ; 1 — частичный; 0 — нет ответа")
    first_text = page.locator("#answer-text").inner_text().strip()
    points = page.get_by_label(re.compile(r"^Балл \(от 0 до 2; по критериям: 2, 1, 0\)"))
    points.fill("1,5")
    page.get_by_label(re.compile("^Комментарий")).fill("Не хватает примера из практики.")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_role("alert")).to_have_text("Балл ставится по шагам критериев оценивания: 0, 1 или 2.")
    # the refused score keeps what was typed
    expect(points).to_have_value("1,5")
    expect(page.get_by_label(re.compile("^Комментарий"))).to_have_value("Не хватает примера из практики.")
    shots("expert-refusal")
    points.fill("1")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text(re.compile(r"Ответ на задание №\d оценён\."))).to_be_visible()
    # the next answer opens at once; the expert goes back to the queue first
    expect(page.locator("#answer-text")).not_to_have_text(first_text)
    page.get_by_role("navigation", name="Навигационная цепочка").get_by_role(
        "link", name="Проверка ответов"
    ).click()

    # a mistake is corrected while the result is not final yet
    page.locator("#expert-scored").get_by_role("link", name=re.compile("^Исправить оценку")).click()
    expect(page.locator("#answer-text")).to_have_text(first_text)
    expect(page.locator("#correcting-note")).to_be_visible()
    points.fill("2")
    page.get_by_role("button", name="Исправить оценку").click()
    expect(page.locator("#expert-scored")).to_contain_text("2 из 2")

    page.locator("#expert-queue").get_by_role("link", name=re.compile("^Проверить")).click()
    points.fill("1")
    page.get_by_label(re.compile("^Комментарий")).fill("Критерии названы, примера нет.")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text("Ответов, ожидающих проверки, нет.")).to_be_visible()
    shots("expert-done")

    # the participant's result: 1 + 2 + 1 of 5 points
    switch_to(world["teacher"])
    page.get_by_role("link", name="Диагностика", exact=True).click()
    page.get_by_role("link", name="Результат «Диагностика учителей физики»").click()
    expect(page.locator("#overall-percent")).to_have_text(re.compile(r"^80[,.]0 %$"))
    expect(page.locator("#expert-comments")).to_contain_text("Критерии названы, примера нет.")
    expect(page.locator("#expert-comments")).to_contain_text("(2 из 2): Не хватает примера из практики.")
    shots("teacher-result")


def _approved_route(world, *activities):
    route = make_route(world["teacher"], status=RouteStatus.APPROVED)
    for order, title in enumerate(activities, 1):
        RouteActivityFactory(route=route, order=order, title=title, competences=[teacher_blocks()[0]])
    return route


def test_regional_methodist_signs_a_correction_and_the_conclusions(page, switch_to, shots, world):
    route = _approved_route(world, "ДПП ПК «Законы сохранения: трудные задачи»")
    methodist, teacher = world["regional_methodist"], world["teacher"]

    # the methodist corrects the approved route and signs the correction
    switch_to(methodist)
    page.get_by_role("button", name="ИОМ").click()
    page.get_by_role("link", name="ИОМ", exact=True).click()
    page.get_by_role("link", name=teacher.full_name).click()
    expect(page.locator("#route-status")).to_have_text("утверждён")
    # conclusions are not offered yet, and the card says when they will be
    expect(page.locator("#conclusions-unavailable")).to_contain_text(
        "Выводы вносятся на этапе завершения ИОМ"
    )
    expect(page.locator("#conclusions-form")).to_have_count(0)
    page.get_by_role("link", name="Внести корректировку").click()
    page.get_by_label("Образовательные задачи").fill("Освоить решение олимпиадных задач по механике")
    page.get_by_label("Причина корректировки").fill("Педагог готовит команду к олимпиаде")
    page.get_by_role("button", name="Сохранить").click()
    row = page.locator("#appendix1 tbody tr").first
    expect(row).to_contain_text("Педагог готовит команду к олимпиаде")
    expect(row).to_contain_text("ожидает ознакомления")
    shots("correction-to-sign")
    row.get_by_role("button", name="Подписать").click()
    expect(row).to_contain_text(methodist.last_name)
    expect(row.get_by_role("button", name="Подписать")).to_have_count(0)

    # the teacher is told, and acknowledges the correction
    switch_to(teacher)
    page.goto("/notifications/")
    expect(page.get_by_text("В ваш ИОМ внесена корректировка: ознакомьтесь")).to_be_visible()
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#tasks")).to_contain_text("Освоить решение олимпиадных задач по механике")
    row = page.locator("#appendix1 tbody tr").first
    row.get_by_role("button", name="Подтвердить ознакомление").click()
    expect(row).to_contain_text(teacher.short_name)
    shots("correction-acknowledged")

    # once the route is completing and the final diagnostic is ready, the methodist concludes it
    Route.objects.filter(pk=route.pk).update(status=RouteStatus.COMPLETING)
    blocks = teacher_blocks()
    make_attempt(teacher, {blocks[0]: 78, blocks[1]: 85}, kind=InstrumentKind.FINAL)
    switch_to(methodist)
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#conclusions-unavailable")).to_have_count(0)
    page.get_by_label("Выводы по итогам ИОМ").fill(
        "Предметный дефицит преодолён: 78 % по итоговой диагностике."
    )
    page.get_by_role("button", name="Сохранить выводы").click()
    expect(page.locator("#conclusions-text")).to_contain_text("Предметный дефицит преодолён")
    page.locator("#appendix2").get_by_role("button", name="Подписать выводы").click()
    expect(page.locator("#appendix2")).to_contain_text(methodist.last_name)
    expect(page.locator("#appendix2").get_by_role("button", name="Подписать выводы")).to_have_count(0)
    shots("conclusions-signed")

    switch_to(teacher)
    page.goto(f"/routes/{route.pk}/")
    expect(page.locator("#conclusions-text")).to_contain_text("Предметный дефицит преодолён")
    page.get_by_role("button", name="Подтвердить ознакомление с выводами").click()
    expect(page.locator("#appendix2")).to_contain_text(teacher.short_name)


def test_school_head_and_municipal_methodist_see_their_people_routes_and_dashboard(
    page, switch_to, shots, report_world, tmp_path
):
    w = report_world
    names = {key: w[key].full_name for key in ("teacher", "t2", "t3", "other_teacher")}

    # the municipal methodist: the municipality's people and routes, outside ones are absent
    switch_to(w["municipal_methodist"])
    page.get_by_role("button", name="Справочники").click()
    page.get_by_role("link", name="Справочник педагогов").click()
    people = page.locator("main table")
    for key in ("teacher", "t2", "t3"):
        expect(people).to_contain_text(names[key])
    expect(people).not_to_contain_text(names["other_teacher"])
    shots("municipal-people")
    page.get_by_role("button", name="ИОМ").click()
    page.get_by_role("link", name="ИОМ", exact=True).click()
    routes = page.locator("main table")
    for key in ("teacher", "t2", "t3"):
        expect(routes).to_contain_text(names[key])
    expect(routes).not_to_contain_text(names["other_teacher"])

    # requests the municipal monitoring letter and downloads it
    page.get_by_role("button", name="Мониторинг").click()
    page.get_by_role("link", name="Отчёты", exact=True).click()
    page.get_by_label("Отчёт", exact=True).select_option(label="Муниципальный мониторинг (письмо)")
    page.get_by_label("Период", exact=True).select_option(value=str(w["q2"].pk))
    page.get_by_label("Муниципалитет (для муниципального письма)").select_option(label=w["m1"].name)
    page.get_by_role("button", name="Сформировать отчёт").click()
    expect(page.get_by_text("Отчёт «Муниципальный мониторинг (письмо)» за период 2022-Q2")).to_be_visible()
    row = page.locator("#report-runs tbody tr").filter(has_text="2022-Q2")
    expect(row).to_contain_text(w["m1"].name)
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("^Скачать")).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(target).pages).replace("\u00a0", " ").split()
    )
    assert "F₂ = 3 / 4 · 100 % = 75,0 %" in text
    assert "Школа 1 2 2 100,0" in text and "Школа 2 2 1 50,0" in text
    shots("municipal-reports")

    # the dashboard of the same period shows the municipality's schools with the same figures
    page.get_by_role("button", name="Мониторинг").click()
    page.get_by_role("link", name="Мониторинг", exact=True).click()
    page.get_by_label("Период", exact=True).select_option(value="2022-Q2")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#computed-at")).to_be_visible()
    municipality = page.locator("#municipalities").get_by_role("row", name=re.compile(f"^{w['m1'].name}"))
    expect(municipality).to_contain_text("75,0")
    expect(page.locator("#municipalities")).not_to_contain_text(w["m2"].name)
    municipality.get_by_role("link", name=w["m1"].name).click()
    schools = page.locator("#schools")
    expect(schools.get_by_role("row", name=re.compile("^Школа 1"))).to_contain_text("100,0")
    expect(schools.get_by_role("row", name=re.compile("^Школа 2"))).to_contain_text("50,0")
    shots("municipal-schools")

    # the school head: only the school's people and routes, and the school on the dashboard
    switch_to(w["school_head"])
    page.get_by_role("button", name="Справочники").click()
    page.get_by_role("link", name="Справочник педагогов").click()
    people = page.locator("main table")
    expect(people).to_contain_text(names["teacher"])
    expect(people).to_contain_text(names["t2"])
    expect(people).not_to_contain_text(names["t3"])
    page.get_by_role("button", name="ИОМ").click()
    page.get_by_role("link", name="ИОМ", exact=True).click()
    routes = page.locator("main table")
    expect(routes).to_contain_text(names["teacher"])
    expect(routes).not_to_contain_text(names["t3"])
    page.get_by_role("link", name=w["teacher"].full_name).click()
    expect(page.locator("#route-status")).to_be_visible()
    shots("school-route")
    page.get_by_role("link", name="Мониторинг", exact=True).click()  # the head's only monitoring item
    page.get_by_label("Период", exact=True).select_option(value="2022-Q2")
    page.get_by_role("button", name="Показать").click()
    schools = page.locator("#schools")
    expect(schools.get_by_role("row", name=re.compile("^Школа 1"))).to_contain_text("100,0")
    expect(schools).not_to_contain_text("Школа 2")
    shots("school-dashboard")


def test_tutor_and_mentor_comment_on_activities_and_the_teacher_sees_it(page, switch_to, shots, world):
    course = "ДПП ПК «Законы сохранения: трудные задачи»"
    internship = "Стажировка «Формирующее оценивание на уроке»"
    route = _approved_route(world, course, internship)
    teacher = world["teacher"]

    for supporter, activity, text, role in (
        (world["tutor"], f"Мероприятие 1: {course}", "Запишитесь на курс до 15-го числа.", "tutor"),
        (world["mentor"], f"Мероприятие 2: {internship}", "Приходите на мой урок в четверг.", "mentor"),
    ):
        switch_to(supporter)
        page.get_by_role("button", name="ИОМ").click()
        page.get_by_role("link", name="Мои педагоги").click()
        expect(page.get_by_role("heading", name="Мои педагоги")).to_be_visible()
        row = page.locator("main table tbody tr").filter(has_text=teacher.full_name)
        expect(row).to_have_count(1)
        expect(page.locator("main table")).not_to_contain_text(world["other_teacher"].full_name)
        shots(f"{role}-caseload")
        row.get_by_role("link", name="2025/2026").click()
        expect(page.locator("#route-status")).to_have_text("утверждён")
        page.get_by_label("К чему комментарий").select_option(label=activity)
        page.get_by_label("Новый комментарий").fill(text)
        page.get_by_role("button", name="Отправить комментарий").click()
        expect(page.locator("#comments")).to_contain_text(text)
        shots(f"{role}-comment")

    # the teacher is told and sees both comments, each tied to its activity
    switch_to(teacher)
    page.goto("/notifications/")
    for title in (course, internship):
        expect(page.get_by_text(f"Новый комментарий к ИОМ (мероприятие «{title}») от ")).to_be_visible()
    page.goto(f"/routes/{route.pk}/")
    comments = page.locator("#comments li")
    tutor_note = comments.filter(has_text="Запишитесь на курс до 15-го числа.")
    expect(tutor_note).to_contain_text(f"к мероприятию 1 «{course}»")
    expect(tutor_note).to_contain_text(world["tutor"].user.get_full_name())
    mentor_note = comments.filter(has_text="Приходите на мой урок в четверг.")
    expect(mentor_note).to_contain_text(f"к мероприятию 2 «{internship}»")
    expect(mentor_note).to_contain_text(world["mentor"].user.get_full_name())
    shots("teacher-comments")
