"""What reads the training records (issue 12.5): TEACHERS_TRAINED counts a course at the school of
the time of completion (the teacher moved afterwards), STAFF_FED_TRAINED reads the provider, the card's
section 1 and the profile list the courses of the last three years from the records, after the typed
text of courses taken before the portal."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cnppm.choices import OrganizationKind
from monitoring.indicators import compute_all
from monitoring.services.computation import period_get_or_create
from routes.exports import render_card_xlsx
from routes.selectors import card_context, card_queryset
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory
from tests.courses.certificate_data import programme, record
from tests.helpers import login
from tests.monitoring import factories as f

pytestmark = pytest.mark.django_db

COURSES = "Курсы повышения квалификации (за последние 3 года)"


def _row(result, code, level, municipality=None):
    return next(
        r
        for r in result[code]
        if r.scope_level == level and (municipality is None or r.municipality_id == municipality.pk)
    )


def test_teachers_trained_counts_at_the_school_of_the_time():
    m1 = MunicipalityFactory(name="Алексеевский район", code="A1")
    m2 = MunicipalityFactory(name="Борисовский район", code="B2")
    a = OrganizationFactory(municipality=m1, short_name="СОШ №1")
    c = OrganizationFactory(municipality=m2, short_name="СОШ №3")
    f.refstat(m1, 2022, school_teachers_total=10)
    f.refstat(m2, 2022, school_teachers_total=10)
    prog = programme(m1.region)
    moved, stayed, later = f.teacher(a), f.teacher(c), f.teacher(a)
    record(moved, prog, ends_on=date(2022, 3, 10), organization=a)
    moved.organization = c  # moved to another municipality after the course
    moved.save()
    record(stayed, prog, ends_on=date(2022, 2, 10))
    record(stayed, prog, ends_on=date(2022, 3, 1), title="Вторая программа")  # one person, counted once
    record(later, prog, ends_on=date(2022, 4, 2))  # after the quarter
    record(f.teacher(c), prog, ends_on=date(2022, 3, 1), is_qualification_programme=False)
    result = compute_all(period_get_or_create("2022-Q1"), cumulative=True)
    assert _row(result, "TEACHERS_TRAINED", "region").numerator == 2
    assert _row(result, "TEACHERS_TRAINED", "municipality", m1).numerator == 1  # the moved teacher
    assert _row(result, "TEACHERS_TRAINED", "municipality", m2).numerator == 1  # not the moved one
    assert _row(result, "TEACHERS_TRAINED", "municipality", m2).value == Decimal("10.0")


def test_staff_fed_trained_reads_the_provider():
    m1 = MunicipalityFactory(name="Алексеевский район", code="A1")
    centre = OrganizationFactory(municipality=m1, short_name="ЦНППМ", kind=OrganizationKind.CENTRE)
    staff = [f.teacher(centre) for _ in range(4)]
    academy = "ФГАОУ ДПО «Академия Минпросвещения России»"
    record(staff[0], programme(m1.region), provider=academy, ends_on=date(2022, 5, 1))
    record(
        staff[1], programme(m1.region), provider="ИРО", by_federal_coordinator=True, ends_on=date(2022, 5, 1)
    )
    record(staff[2], programme(m1.region), provider="ИРО", ends_on=date(2022, 5, 1))
    r = _row(compute_all(period_get_or_create("2022"), cumulative=True), "STAFF_FED_TRAINED", "region")
    assert (r.numerator, r.denominator) == (2, 4)


def _card(world, **snapshot):
    from tests.routes.factories import RouteFactory

    route = RouteFactory(teacher=world["teacher"], organization=world["o1"])
    route.profile_snapshot = {**(route.profile_snapshot or {}), **snapshot}
    route.save(update_fields=["profile_snapshot"])
    type(route).objects.filter(pk=route.pk).update(created_at=datetime(2026, 9, 1, 10, tzinfo=UTC))
    return card_queryset().get(pk=route.pk)


def test_card_section1_lists_the_records_of_three_years_then_the_typed_text(world):
    prog = programme(world["m1"].region, title="Цифровые инструменты педагога")
    record(world["teacher"], prog, ends_on=date(2026, 3, 20))
    record(world["teacher"], prog, title="Старый курс", ends_on=date(2023, 8, 31))  # over 3 years before
    record(world["teacher"], prog, title="Будущий курс", ends_on=date(2026, 10, 1))  # after the card
    route = _card(world, courses_last_3_years="Курс до портала (ИРО, 2024)")
    rows = {row["label"]: row["value"] for row in card_context(route)["section1"]}
    assert rows[COURSES] == (
        "«Цифровые инструменты педагога» (ЦНППМ, 36 ч., 01.03.2026–20.03.2026)\nКурс до портала (ИРО, 2024)"
    )
    # The XLSX prints the same value (the web card and the PDF render the same context).
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(render_card_xlsx(route))).worksheets[0]
    values = [r for r in ws.iter_rows(values_only=True) if r and r[0] == COURSES]
    assert values and values[0][1] == rows[COURSES]


def test_profile_lists_the_records(client, world):
    prog = programme(world["m1"].region, title="Цифровые инструменты педагога")
    record(world["teacher"], prog, ends_on=date.today().replace(day=1))
    login(client, world["teacher"])
    page = client.get(reverse("cabinet")).content.decode()
    assert "«Цифровые инструменты педагога» (ЦНППМ, 36 ч.," in page


def test_profile_takes_the_register_fields(client, world):
    """Date of birth, sex, СНИЛС and citizenship for ФИС ФРДО: the teacher enters them in the profile;
    a СНИЛС with a wrong check number is refused in Russian and nothing is saved."""
    teacher = world["teacher"]
    login(client, teacher)
    base = {
        "position": "учитель",
        "qualification_category": "first",
        "birth_date": "1985-04-12",
        "sex": "female",
    }
    bad = client.post(reverse("profile_edit"), {**base, "snils": "112-233-445 96", "citizenship": "RUS"})
    html = bad.content.decode()
    assert "СНИЛС указан с ошибкой" in html and "трёхзначный код страны" in html
    teacher.refresh_from_db()
    assert teacher.snils == "" and teacher.birth_date is None
    client.post(reverse("profile_edit"), {**base, "snils": "11223344595", "citizenship": "643"})
    teacher.refresh_from_db()
    assert (teacher.snils, teacher.citizenship, teacher.sex) == ("112-233-445 95", "643", "female")
    assert teacher.birth_date == date(1985, 4, 12)
