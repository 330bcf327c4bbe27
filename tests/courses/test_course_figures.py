"""Course figures (issue 12.5): a course's page shows each group's fill rate and completion rate, the
quarterly monitoring form lists the programmes run since 1 January with their participants and
completions, and its PDF keeps every box on the page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cnppm.pdf_layout import html_overflows
from courses.choices import EnrolmentStatus
from courses.models import Group
from monitoring.reports import report_class
from monitoring.services.computation import period_get_or_create
from tests.cnppm.factories import make_person
from tests.courses.certificate_data import programme, record
from tests.courses.factories import enrol
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    prog = programme(world["m1"].region, title="Функциональная грамотность: читательская")
    done = Group.objects.create(
        programme=prog,
        name="Группа 1",
        starts_on=date(2026, 2, 2),
        ends_on=date(2026, 3, 20),
        capacity=4,
        status="finished",
    )
    running = Group.objects.create(
        programme=prog,
        name="Группа 2",
        starts_on=date(2026, 3, 23),
        ends_on=date(2026, 4, 30),
        capacity=5,
    )
    people = [make_person(organization=world["o1"], last_name=f"Слушатель{i}") for i in range(5)]
    for p in people[:3]:
        enrol(done, p, status=EnrolmentStatus.COMPLETED)
        record(p, prog, ends_on=date(2026, 3, 20), group=done)
    enrol(done, people[3], status=EnrolmentStatus.NOT_COMPLETED)
    enrol(running, people[4])
    enrol(running, world["teacher"], status=EnrolmentStatus.WAITLISTED)  # holds no seat
    return prog


def test_course_page_shows_fill_and_completion(client, world, course):
    login(client, world["teacher"])
    page = " ".join(client.get(reverse("courses:programme", args=[course.pk])).content.decode().split())
    assert "Наполняемость и завершение" in page
    # Group 1: 4 of 4 seats (100,0 %), 3 of 4 finished completed (75,0 %); group 2: 1 of 5, not ended.
    assert "<td>Группа 1</td><td>4</td><td>4</td><td>100,0 %</td> <td>4</td><td>3</td><td>75,0 %</td>" in page
    assert (
        "<td>Группа 2</td><td>5</td><td>1</td><td>20,0 %</td> <td>0</td><td>0</td><td>обучение не закончено</td>"
        in page
    )
    assert '<th scope="row">Всего</th><td>9</td><td>5</td><td>55,6 %</td>' in page


def test_quarterly_lists_the_courses_and_stays_on_its_pages(world, course):
    from monitoring.models import IndicatorDefinition  # noqa: F401  (definitions come with migrations)

    period = period_get_or_create("2026-Q1", region=world["m1"].region)
    report = report_class("quarterly")(period=period)
    ctx = report.build_context()
    table = ctx["table"]["courses"]
    assert table.rows == [[1, "Функциональная грамотность: читательская", "ЦНППМ", 36, 2, 5, 3]]
    assert table.total[4:] == [2, 5, 3]
    found, _ = html_overflows(report.render_html())
    assert not found, "\n".join(map(str, found))
