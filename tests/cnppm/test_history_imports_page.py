"""The history imports on the imports page (issue 10.2): past diagnostics and routes, regional events,
staff training; each with its template, uploaded as an import job whose page shows the result or
the errors; the same services from `manage.py import_history`."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cnppm.models import StaffTraining
from monitoring.models import RegionalEvent
from monitoring.services.records_import import (
    EVENTS_COLUMNS,
    TRAINING_COLUMNS,
    regional_events_import,
    staff_training_import,
)
from routes.history import SHEETS
from routes.models import Route
from tests.helpers import assert_matrix, login
from tests.monitoring.factories import attempt, block
from tests.routes.history_files import history_file, xlsx_bytes

KINDS = ("history", "events", "staff_training")


def _upload(client, kind, content: bytes, name="history.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse(f"imports_{kind}"), {f"{kind}-file": file}, follow=True)


def _events_file(rows) -> bytes:
    return xlsx_bytes({"Мероприятия": (EVENTS_COLUMNS, rows)})


def _training_file(rows) -> bytes:
    return xlsx_bytes({"Обучение": (TRAINING_COLUMNS, rows)})


@pytest.mark.parametrize("kind", KINDS)
def test_templates_only_for_the_operator_and_carry_the_columns(client, world, kind):
    assert_matrix(client, world, reverse(f"imports_{kind}_template"), {"operator"})
    login(client, world["operator"])
    response = client.get(reverse(f"imports_{kind}_template"))
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    expected = {
        "history": SHEETS,
        "events": {"Мероприятия": EVENTS_COLUMNS},
        "staff_training": {"Обучение": TRAINING_COLUMNS},
    }[kind]
    for title, columns in expected.items():
        assert next(wb[title].iter_rows(values_only=True)) == columns


@pytest.mark.parametrize("kind", KINDS)
def test_uploads_refuse_other_roles(client, world, kind):
    assert_matrix(client, world, reverse(f"imports_{kind}"), {"operator"}, method="post", data={}, ok=(400,))


def test_hub_lists_the_history_imports_with_templates(client, world):
    login(client, world["operator"])
    html = client.get(reverse("imports")).content.decode()
    for title in (
        "История: диагностика и ИОМ прошлых лет",
        "Региональные мероприятия ЦНППМ",
        "Обучение сотрудников ЦНППМ",
    ):
        assert title in html
    for kind in KINDS:
        assert reverse(f"imports_{kind}_template") in html and reverse(f"imports_{kind}") in html
    assert "«Диагностика», «ИОМ», «Мероприятия ИОМ»" in html


def test_history_upload_runs_as_a_job_and_shows_the_result(client, world):
    teacher, school = world["teacher"], world["o1"]
    block("ict", "ИКТ-компетентность")
    attempt(teacher, on="2022-02-01", results={"ict": "high"})  # already in the portal: the route's entry
    who = {"Муниципалитет": "Первый район", "Организация": "Школа 1", "Email": teacher.email}
    login(client, world["operator"])
    response = _upload(
        client,
        "history",
        history_file(
            routes=[
                {**who, "Учебный год": "2021/2022", "Создан": "03.02.2022", "Подан куратору": "04.02.2022"}
            ]
        ).getvalue(),
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Импорт выполнен" in html and "ИОМ добавлено: 1" in html
    route = Route.objects.get(teacher=teacher)
    assert route.organization == school and route.entry_attempt is not None

    bad = _upload(client, "history", history_file(routes=[{**who, "Учебный год": "2021/2022"}]).getvalue())
    text = bad.content.decode()
    assert "Найдено ошибок: 1. Ничего не записано." in text
    assert "<td>ИОМ</td>" in text and "не заполнено: дата в виде ДД.ММ.ГГГГ" in text
    assert Route.objects.count() == 1


def test_regional_events_import(world):
    operator = world["operator"].user
    rows = [
        {
            "Название": "Форум молодых педагогов",
            "Форма": "очно",
            "Дата проведения": date(2021, 10, 5),
            "Участников": 120,
        },
        {
            "Название": "Вебинар о наставничестве",
            "Форма": "онлайн",
            "Дата проведения": "14.12.2021",
            "Участников": 300,
        },
    ]
    report = regional_events_import(actor=operator, file=io.BytesIO(_events_file(rows)))
    assert (
        report.ok
        and report.summary()
        == "Импорт выполнен: строк: 2, мероприятий добавлено: 2, обновлено: 0, без изменений: 0."
    )
    assert list(RegionalEvent.objects.order_by("held_on").values_list("title", "participants")) == [
        ("Форум молодых педагогов", 120),
        ("Вебинар о наставничестве", 300),
    ]
    rows[1]["Участников"] = 310
    again = regional_events_import(actor=operator, file=io.BytesIO(_events_file(rows)))
    assert again.details == {"мероприятий добавлено": 0, "обновлено": 1, "без изменений": 1}
    bad = regional_events_import(
        actor=operator,
        file=io.BytesIO(
            _events_file([{"Название": "", "Дата проведения": "32.01.2021", "Участников": "много"}])
        ),
    )
    assert [str(e) for e in bad.errors] == [
        "строка 2, столбец «Название»: не заполнено",
        "строка 2, столбец «Дата проведения»: «32.01.2021»: нужна дата в виде ДД.ММ.ГГГГ",
        "строка 2, столбец «Участников»: «много»: нужно целое неотрицательное число",
    ]
    assert RegionalEvent.objects.count() == 2


def test_staff_training_import_matches_people_like_the_roster(world):
    operator = world["operator"].user
    curator, tutor = world["curator"], world["tutor"]
    base = {
        "Муниципалитет": "Первый район",
        "Организация": "ЦНППМ",
        "Программа": "Тьюторское сопровождение",
        "Организатор обучения": "Академия Минпросвещения России",
        "Часов": 36,
        "Начало": "01.03.2022",
        "Окончание": "15.03.2022",
        "Федеральный координатор": "да",
    }
    rows = [
        {**base, "Email": curator.email},
        {
            **base,
            "Фамилия": tutor.last_name,
            "Имя": tutor.first_name,
            "Отчество": tutor.middle_name,
            "ДПП ПК": "нет",
        },
    ]
    report = staff_training_import(actor=operator, file=io.BytesIO(_training_file(rows)))
    assert report.ok, report.errors
    trainings = {t.person_id: t for t in StaffTraining.objects.all()}
    assert set(trainings) == {curator.pk, tutor.pk}
    assert trainings[curator.pk].by_federal_coordinator and trainings[curator.pk].ends_on == date(2022, 3, 15)
    assert not trainings[tutor.pk].is_qualification_programme
    assert staff_training_import(actor=operator, file=io.BytesIO(_training_file(rows))).details == {
        "записей об обучении добавлено": 0,
        "уже были загружены": 2,
    }
    bad = staff_training_import(
        actor=operator,
        file=io.BytesIO(
            _training_file([{**base, "Email": "nobody@example.ru", "Федеральный координатор": "может быть"}])
        ),
    )
    assert [str(e) for e in bad.errors] == [
        "строка 2, столбец «Email»: нет человека с e-mail nobody@example.ru в регионе; сначала загрузите его реестром",
        "строка 2, столбец «Федеральный координатор»: «может быть»: укажите «да» или «нет»",
    ]


def test_command_imports_history_and_refuses_with_errors(world, tmp_path, capsys):
    path = tmp_path / "events.xlsx"
    path.write_bytes(_events_file([{"Название": "Конференция", "Дата проведения": "01.11.2021"}]))
    call_command("import_history", str(path), "--what", "events")
    assert "мероприятий добавлено: 1" in capsys.readouterr().out
    bad = tmp_path / "history.xlsx"
    bad.write_bytes(history_file(routes=[{"Муниципалитет": "Марс"}]).getvalue())
    with pytest.raises(CommandError, match="Найдено ошибок"):
        call_command("import_history", str(bad))
    assert "лист «ИОМ», строка 2, столбец «Организация»: не заполнено" in capsys.readouterr().err


def test_history_kinds_upload_through_the_api(world, settings, tmp_path):
    from rest_framework.test import APIClient

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    api = APIClient()
    login(api, world["operator"])
    file = io.BytesIO(_events_file([{"Название": "Форум", "Дата проведения": "05.10.2021"}]))
    file.name = "events.xlsx"
    response = api.post("/api/v1/imports/events/", {"file": file}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "done" and RegionalEvent.objects.filter(title="Форум").exists()
