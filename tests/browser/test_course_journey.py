"""A course of the Centre from the ИОМ to the certificate (issue 12): the teacher asks for a place in
the programme's group from their approved ИОМ, the operator confirms, the course teacher marks
attendance on a phone (390 px) and the assessment, finishes the group; the certificate is issued and
the ИОМ card shows the activity done with it as evidence. Screens at 390, 1 280 and 1 920 px."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import Certificate
from routes.choices import RouteStatus
from tests.courses.factories import GroupFactory, ProgrammeFactory, route_course, sessions
from tests.routes.factories import make_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_course_journey(page, sign_in, shots, world):
    def switch_to(person):
        page.context.clear_cookies()
        sign_in(person)

    teacher, tutor = world["teacher"], world["tutor"]
    programme = ProgrammeFactory(
        region=world["m1"].region, title="Функциональная грамотность на уроках", min_attendance_percent=50
    )
    group = GroupFactory(
        programme=programme, name="Группа 1", capacity=10, teachers=[tutor], status="recruiting"
    )
    sessions(group, 2)
    route = make_route(teacher, status=RouteStatus.IN_PROGRESS)
    activity = route_course(teacher, programme)

    # the teacher asks for a place from the ИОМ
    sign_in(teacher)
    page.goto("/courses/my/")
    expect(page.get_by_role("heading", name=activity.title)).to_be_visible()
    page.get_by_role("button", name=f"Записаться на «{activity.title}»").click()
    expect(page.get_by_role("alert").first).to_contain_text("Заявка в группу «Группа 1» подана")
    shots("teacher-my-courses")

    # the operator confirms
    switch_to(world["operator"])
    page.goto(f"/courses/groups/{group.pk}/")
    page.get_by_role("button", name=re.compile(f"^Зачислить.*{teacher.last_name}")).click()
    expect(page.get_by_role("alert").first).to_contain_text("Статус зачисления изменён")
    expect(page.get_by_role("cell", name="зачислен", exact=True)).to_be_visible()

    # the course teacher marks attendance from a phone, then the assessment, then finishes
    switch_to(tutor)
    page.set_viewport_size({"width": 390, "height": 800})
    for number in (1, 2):
        page.goto(f"/courses/groups/{group.pk}/")
        page.get_by_role("link", name=f"Отметить занятие {number}").click()
        label = page.locator("label", has_text=teacher.full_name)
        box = label.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300, box  # a big tap target at 390 px
        label.click()
        expect(page.get_by_role("checkbox", name=teacher.full_name)).to_be_checked()
        if number == 1:
            shots("attendance")
            page.set_viewport_size({"width": 390, "height": 800})
        page.get_by_role("button", name="Сохранить посещаемость").click()
        expect(page.get_by_role("alert").first).to_contain_text(f"Посещаемость занятия {number} сохранена")
    page.get_by_role("link", name="Итоговая аттестация").click()
    page.locator("label", has_text="зачтено").first.click()
    page.get_by_role("button", name="Сохранить результаты").click()
    expect(page.get_by_role("alert").first).to_contain_text("Результаты итоговой аттестации сохранены")
    page.get_by_role("button", name="Завершить обучение").click()
    expect(page.get_by_role("alert").first).to_contain_text("Завершили: 1, не завершили: 0")
    shots("group-finished")

    # the certificate is the evidence of the ИОМ activity
    certificate = Certificate.objects.get(holder=teacher)
    switch_to(teacher)
    page.goto(f"/routes/{route.pk}/")
    evidence = page.get_by_role("link", name="подтверждение (ссылка)")
    expect(evidence).to_be_visible()
    page.goto(evidence.get_attribute("href"))
    expect(page.locator("main, body").first).to_contain_text(
        f"регистрационный номер {certificate.registration_number}"
    )
    shots("record")
