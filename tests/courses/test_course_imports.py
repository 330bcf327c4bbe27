"""Imports of the courses (issue 12.6): programmes, groups with participants, past training from
XLSX, all or nothing with sheet/row/column errors, re-import adds nothing; uploaded as import jobs
(operator only) with downloadable templates."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cnppm.choices import ImportKind
from cnppm.models import ImportJob
from courses import importers
from courses.choices import EnrolmentStatus, TrainingSource
from courses.models import Enrolment, Group, Programme, TrainingRecord
from monitoring.indicators import compute_all
from monitoring.services.computation import period_get_or_create
from tests.courses.certificate_data import programme
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db

TITLE = "Цифровые инструменты педагога"


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _programmes(*rows):
    return _xlsx({"Программы": [list(importers.PROGRAMME_COLUMNS), *rows]})


def _row(title=TITLE, hours=36, kind="ДПП повышения квалификации", form="дистанционная"):
    return [title, kind, hours, form, "", "", "", "", "да", "ФР-1", 80, "да", "открыта"]


def test_programmes_import_all_or_nothing_then_update(world):
    operator = world["operator"].user
    bad = _programmes(_row(), _row("Вторая", hours="много"), _row("Третья", form="заочно-очная"))
    report = importers.programmes_import(actor=operator, file=bad)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Часов"), (4, "Форма обучения")]
    assert "много" in report.errors[0].message
    assert not Programme.objects.exists()
    report = importers.programmes_import(actor=operator, file=_programmes(_row(), _row("Вторая", hours=72)))
    assert not report.errors and report.created == 2
    report = importers.programmes_import(actor=operator, file=_programmes(_row(hours=48)))
    assert (report.created, report.updated) == (0, 1)
    assert Programme.objects.get(title=TITLE).hours == 48
    assert Programme.objects.count() == 2


def _groups_file(participants, capacity=2):
    people_header = list(importers.PARTICIPANT_COLUMNS)
    return _xlsx(
        {
            "Группы": [
                list(importers.GROUP_COLUMNS),
                [TITLE, "Группа 1", "02.02.2026", "20.03.2026", capacity, "ЦНППМ"],
            ],
            "Слушатели": [people_header, *participants],
        }
    )


def _participant(person, org="Школа 1", status="завершил", group="Группа 1"):
    return [
        "Первый район",
        org,
        person.last_name,
        person.first_name,
        person.middle_name,
        "",
        TITLE,
        group,
        status,
    ]


def test_groups_import_writes_enrolments_and_records_or_nothing(world):
    operator = world["operator"].user
    programme(world["m1"].region, title=TITLE)
    teacher, other = world["teacher"], world["mentor"]
    bad = _groups_file(
        [
            _participant(teacher),
            _participant(other, status="прослушал"),
            _participant(teacher, group="Группа 9"),
        ]
    )
    report = importers.groups_import(actor=operator, file=bad)
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [
        ("Слушатели", 3, "Статус"),
        ("Слушатели", 4, "Группа"),
    ]
    assert not Group.objects.exists() and not Enrolment.objects.exists()
    over = _groups_file([_participant(teacher), _participant(other), _participant(world["school_head"])])
    report = importers.groups_import(actor=operator, file=over)
    assert [(e.row, e.column) for e in report.errors] == [(4, "Группа")] and "2 мест" in report.errors[
        0
    ].message
    good = _groups_file([_participant(teacher), _participant(other, status="не завершил")])
    report = importers.groups_import(actor=operator, file=good)
    assert not report.errors
    statuses = dict(Enrolment.objects.values_list("person_id", "status"))
    assert statuses == {teacher.pk: EnrolmentStatus.COMPLETED, other.pk: EnrolmentStatus.NOT_COMPLETED}
    record = TrainingRecord.objects.get()
    assert (record.person_id, record.organization_id, record.source) == (teacher.pk, world["o1"].pk, "import")
    again = importers.groups_import(actor=operator, file=good)
    assert not again.errors and Enrolment.objects.count() == 2 and TrainingRecord.objects.count() == 1


def _trainings(*rows):
    return _xlsx({"Обучение": [list(importers.TRAINING_COLUMNS), *rows]})


def _training(person, org="Школа 1", starts="01.02.2022", ends="30.03.2022", hours=72):
    return [
        "Первый район",
        org,
        person.last_name,
        person.first_name,
        person.middle_name,
        "",
        "Функциональная грамотность",
        "ИРО",
        hours,
        starts,
        ends,
        "да",
        "нет",
        "ПК 000123",
        ends,
    ]


def test_past_training_counts_at_the_school_of_the_time(world):
    from tests.monitoring import factories as f

    operator = world["operator"].user
    teacher = world["teacher"]  # works at Школа 1 (M1) now; in 2022 at Школа 2
    bad = _trainings(
        _training(teacher, org="Школа 2"),
        _training(teacher, org="Школа 7", starts="2022-03-01"),
        _training(teacher, ends="31.02.2022"),
    )
    report = importers.trainings_import(actor=operator, file=bad)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "Организация"),
        (4, "Окончание"),
        (4, "Дата выдачи документа"),
    ]
    assert not TrainingRecord.objects.exists()
    report = importers.trainings_import(actor=operator, file=_trainings(_training(teacher, org="Школа 2")))
    assert not report.errors
    record = TrainingRecord.objects.get()
    assert (record.organization_id, record.source, record.document_number) == (
        world["o2"].pk,
        TrainingSource.IMPORT,
        "ПК 000123",
    )
    assert (
        importers.trainings_import(actor=operator, file=_trainings(_training(teacher, org="Школа 2"))).created
        == 0
    )
    f.refstat(world["m1"], 2022, school_teachers_total=10)
    result = compute_all(period_get_or_create("2022", region=world["m1"].region), cumulative=True)
    region_row = next(r for r in result["TEACHERS_TRAINED"] if r.scope_level == "region")
    assert region_row.numerator == 1


def test_upload_as_import_job_and_templates(client, world):
    login(client, world["operator"])
    template = client.get(reverse("courses:import_template_trainings"))
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    assert header == list(importers.TRAINING_COLUMNS)
    upload = io.BytesIO(_trainings(_training(world["teacher"], org="Школа 2")))
    upload.name = "обучение.xlsx"
    response = client.post(reverse("courses:import_trainings"), {"trainings-file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_job", args=[job.pk])
    assert (job.kind, job.status) == (ImportKind.TRAININGS, "done")
    assert TrainingRecord.objects.count() == 1
    page = client.get(reverse("imports")).content.decode()
    assert "Пройденное обучение прошлых лет" in page


def test_permission_matrix_of_uploads(client, world):
    for kind in ("programmes", "groups", "trainings"):
        assert_matrix(client, world, reverse(f"courses:import_{kind}"), {"operator"})
    assert_matrix(client, world, reverse("courses:import_template_groups"), {"operator"})


def test_api_upload_of_past_training(client, world):
    login(client, world["operator"])
    upload = io.BytesIO(_trainings(_training(world["teacher"], org="Школа 2")))
    upload.name = "обучение.xlsx"
    response = client.post(reverse("api-import-trainings"), {"file": upload})
    assert response.status_code in (201, 202), response.content
    job = ImportJob.objects.get()
    assert (job.kind, job.status) == (ImportKind.TRAININGS, "done")
    assert TrainingRecord.objects.get().organization_id == world["o2"].pk
    login(client, world["school_head"])
    upload.seek(0)
    assert client.post(reverse("api-import-trainings"), {"file": upload}).status_code in (403, 404)
