import io
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook

from cnppm.models import AuditEvent, OrganizationYearFact, ReferenceStatistic
from monitoring.models import IndicatorDefinition, IndicatorPlan, RegionalEvent
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "stat.xlsx"
    return buf


HEADER = [
    "Муниципалитет",
    "Год",
    "Педагогов всего",
    "Учителей школ",
    "Общеобразовательных организаций",
    "Организаций доп. образования",
    "Организаций СПО",
]


def test_matrix(client, world):
    assert_matrix(client, world, reverse("monitoring:statistics"), {"operator"})
    assert_matrix(client, world, reverse("monitoring:events"), {"operator"})
    assert_matrix(client, world, reverse("monitoring:plans"), {"operator"})
    assert_matrix(client, world, reverse("monitoring:periods"), {"operator"})
    assert_matrix(
        client,
        world,
        reverse("monitoring:org_facts"),
        {"operator", "municipal_methodist", "other_municipal_methodist"},
    )


def test_operator_enters_statistic_and_sees_who(client, world):
    login(client, world["operator"])
    r = client.post(
        reverse("monitoring:statistics"),
        {"stat-municipality": world["m1"].pk, "stat-year": 2022, "stat-teachers_total": 10851},
        follow=True,
    )
    html = r.content.decode()
    assert "Справочные данные сохранены: Первый район, 2022." in html
    stat = ReferenceStatistic.objects.get(municipality=world["m1"], year=2022)
    assert stat.teachers_total == 10851 and stat.entered_by == world["operator"].user
    assert "operator" in html  # who entered it
    assert AuditEvent.objects.filter(verb="refstat_saved").count() == 1


def test_xlsx_import_and_bad_file_changes_nothing(client, world):
    login(client, world["operator"])
    good = xlsx(
        [HEADER, ["Первый район", 2023, 500, 400, 10, 2, 1], ["M2", 2023, "1 200", None, 5, None, None]]
    )
    r = client.post(reverse("monitoring:statistics_import"), {"imp-file": good}, follow=True)
    assert "Загружено строк: 2." in r.content.decode()
    assert ReferenceStatistic.objects.get(municipality=world["m2"], year=2023).teachers_total == 1200
    bad = xlsx([HEADER, ["Первый район", 2024, 1, 1, 1, 1, 1], ["Неизвестный район", 2024, 5, 5, 5, 5, 5]])
    r = client.post(reverse("monitoring:statistics_import"), {"imp-file": bad}, follow=True)
    html = r.content.decode()
    assert "ничего не изменено" in html and "муниципалитет «Неизвестный район» не найден" in html
    assert not ReferenceStatistic.objects.filter(year=2024).exists()
    # Every faulty line is reported at once, with its line and column: the file is corrected once.
    several = xlsx(
        [
            HEADER,
            ["Нет такого", 2024, 1, 1, 1, 1, 1],
            ["Первый район", 2024, "много", 1, 1, 1, 1],
            ["M2", 1999, 1, 1, 1, 2.5, 1],
            ["Первый район", 2024, 1, 1, 1, 1, 1],
        ]
    )
    html = client.post(
        reverse("monitoring:statistics_import"), {"imp-file": several}, follow=True
    ).content.decode()
    assert "ошибок в строках — 5" in html, html
    for row, column, message in [
        (2, "Муниципалитет", "муниципалитет «Нет такого» не найден"),
        (3, "Педагогов всего", "«много» — не число."),
        (4, "Год", "укажите год (2000–2100)."),
        (4, "Организаций доп. образования", "нужно целое неотрицательное число, а не «2.5»."),
        (5, "Муниципалитет", "за 2024 год уже есть выше в файле."),
    ]:
        assert re.search(
            rf"<td>{row}</td><td>{re.escape(column)}</td><td>[^<]*{re.escape(message)}",
            html.replace("&quot;", '"'),
        ), (row, column, message)
    assert not ReferenceStatistic.objects.filter(year=2024).exists()
    wrong = xlsx([["Район", "Год"], ["Первый район", 2024]])
    html = client.post(
        reverse("monitoring:statistics_import"), {"imp-file": wrong}, follow=True
    ).content.decode()
    assert "Неверные заголовки столбцов" in html
    broken = io.BytesIO(b"not an excel file")
    broken.name = "x.xlsx"
    html = client.post(
        reverse("monitoring:statistics_import"), {"imp-file": broken}, follow=True
    ).content.decode()
    assert "не читается как книга Excel" in html
    negative = xlsx([HEADER, ["Первый район", 2025, -3, None, None, None, None]])
    html = client.post(
        reverse("monitoring:statistics_import"), {"imp-file": negative}, follow=True
    ).content.decode()
    assert "<td>2</td><td>Педагогов всего</td><td>нужно целое неотрицательное число, а не «-3».</td>" in html


def test_municipal_methodist_enters_facts_for_own_municipality_only(client, world):
    login(client, world["municipal_methodist"])
    r = client.post(
        reverse("monitoring:org_facts"),
        {"organization": world["o1"].pk, "year": 2022, "implements_mentoring": "on"},
        follow=True,
    )
    assert "Сведения сохранены: Школа 1, 2022." in r.content.decode()
    fact = OrganizationYearFact.objects.get(organization=world["o1"], year=2022)
    assert (
        fact.implements_mentoring
        and not fact.management_team_trained
        and fact.entered_by == world["municipal_methodist"].user
    )
    # A school of another municipality is not even a choice: the form refuses it, nothing saved.
    r = client.post(
        reverse("monitoring:org_facts"),
        {"organization": world["o3"].pk, "year": 2022, "implements_mentoring": "on"},
    )
    assert "Выберите корректный вариант" in r.content.decode()
    assert not OrganizationYearFact.objects.filter(organization=world["o3"]).exists()


def test_events_and_plans(client, world):
    login(client, world["operator"])
    r = client.post(
        reverse("monitoring:events"),
        {
            "title": "Региональная конференция наставников",
            "held_on": "2022-05-15",
            "participants": 120,
            "kind": "конференция",
        },
        follow=True,
    )
    assert "Региональная конференция наставников" in r.content.decode()
    assert RegionalEvent.objects.get().entered_by == world["operator"].user
    r = client.post(
        reverse("monitoring:plans"),
        {"indicator": IndicatorDefinition.objects.get(code="IOM_SHARE").pk, "year": 2022, "value": "5,5"},
        follow=True,
    )
    assert "План сохранён" in r.content.decode()
    assert str(IndicatorPlan.objects.get().value) == "5.50"
    r = client.post(
        reverse("monitoring:plans"),
        {"indicator": IndicatorDefinition.objects.get(code="IOM_SHARE").pk, "year": 2022, "value": "150"},
    )
    assert "от 0 до 100" in r.content.decode()
    r = client.post(
        reverse("monitoring:plans"),
        {"indicator": IndicatorDefinition.objects.get(code="IOM_SHARE").pk, "year": 2022, "value": "много"},
    )
    assert "должно быть числом" in r.content.decode()


def test_periods_page_compute_close_reopen(client, world, django_capture_on_commit_callbacks):
    login(client, world["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("monitoring:periods"), {"code": "2022-Q2"})
    html = client.get(reverse("monitoring:periods")).content.decode()
    assert "Расчёт показателей за период 2022-Q2 запущен." in html
    assert "готово, 100 %" in html
    from monitoring.models import ComputationRun, Period

    period = Period.objects.get(code="2022-Q2")
    status = client.get(
        reverse("monitoring:run_status", args=[ComputationRun.objects.get().pk])
    ).content.decode()
    assert 'aria-live="polite"' in status and "hx-trigger" not in status  # done: polling stops
    r = client.post(reverse("monitoring:periods"), {"code": "2022-Q9"})
    assert "Неверный код периода" in r.content.decode()
    client.post(reverse("monitoring:period_close", args=[period.pk]))
    html = client.post(reverse("monitoring:period_compute", args=[period.pk]), follow=True).content.decode()
    assert "закрыт: его значения окончательные" in html
    html = client.post(
        reverse("monitoring:period_reopen", args=[period.pk]), {"reason": ""}, follow=True
    ).content.decode()
    assert "Укажите причину" in html
    html = client.post(
        reverse("monitoring:period_reopen", args=[period.pk]), {"reason": "Исправлены данные"}, follow=True
    ).content.decode()
    assert "открыт для пересчёта" in html


def test_running_status_polls(client, world):
    from monitoring.models import ComputationRun
    from monitoring.services.computation import period_get_or_create

    run = ComputationRun.objects.create(period=period_get_or_create("2022-Q1"), status="running", progress=40)
    login(client, world["operator"])
    html = client.get(reverse("monitoring:run_status", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "выполняется, 40 %" in html
