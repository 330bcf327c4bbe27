"""Imports of the courses (issue 12.6): programmes, groups with their participants, and training
completed in past years. The same rules as every import (monitoring.services.records_import,
routes.history): the bounded reader, the whole file validated first with every error named by sheet,
row and column, then written in one transaction with an event row; people and organizations matched
like the roster; re-importing the same file adds nothing.

- Programmes: matched by title in the region (a row updates the programme of that title).
- Groups: matched by programme and group name; participants become enrolments (source «загружен из
  файла»); a participant marked «завершил» gets the training record of the group, at the organization
  named in the row (where they worked then), as completion would write it.
- Past training: a training record per row (source «загружено из архива») at the organization named in
  the row; linked to the region's programme of the same title when there is one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cnppm.importers import ImportReport, RowError, _int_or_error, _read_sheet, _save, _styled_header, norm
from cnppm.models import Region
from cnppm.services import DomainError
from cnppm.xlsx import new_workbook
from monitoring.services.records_import import _finish, _flag, _start
from routes.history import PERSON_COLUMNS, _date_cell, _day, _Directory

from .choices import (
    SEAT_STATUSES,
    DocumentKind,
    EnrolmentSource,
    EnrolmentStatus,
    FundingSource,
    GroupStatus,
    ProgrammeForm,
    ProgrammeKind,
    ProgrammeStatus,
    ProviderLevel,
    TrainingSource,
)
from .models import Enrolment, Group, Programme, TrainingRecord

PROGRAMMES_SHEET = "Программы"
PROGRAMME_COLUMNS = (
    "Название",
    "Вид",
    "Часов",
    "Форма обучения",
    "Исполнитель",
    "Уровень исполнителя",
    "Документ",
    "Источник финансирования",
    "В федеральном реестре",
    "Номер в реестре",
    "Посещаемость, %",
    "Итоговая аттестация",
    "Статус",
)
GROUPS_SHEET = "Группы"
GROUP_COLUMNS = ("Программа", "Группа", "Начало", "Окончание", "Мест", "Место проведения")
PARTICIPANTS_SHEET = "Слушатели"
PARTICIPANT_COLUMNS = (*PERSON_COLUMNS, "Программа", "Группа", "Статус")
TRAININGS_SHEET = "Обучение"
TRAINING_COLUMNS = (
    *PERSON_COLUMNS,
    "Программа",
    "Организация-исполнитель",
    "Часов",
    "Начало",
    "Окончание",
    "ДПП ПК",
    "Федеральный координатор",
    "Документ (серия, номер)",
    "Дата выдачи документа",
)

PARTICIPANT_STATUSES = {
    "": EnrolmentStatus.CONFIRMED,
    "зачислен": EnrolmentStatus.CONFIRMED,
    "в листе ожидания": EnrolmentStatus.WAITLISTED,
    "завершил": EnrolmentStatus.COMPLETED,
    "завершил обучение": EnrolmentStatus.COMPLETED,
    "не завершил": EnrolmentStatus.NOT_COMPLETED,
    "не завершил обучение": EnrolmentStatus.NOT_COMPLETED,
}


def _choice(choices, text: str) -> str | None:
    key = norm(text)
    for value, label in choices.choices:
        if key in (norm(value), norm(label)):
            return value
    return None


def _labels(choices) -> str:
    return "; ".join(str(label) for label in choices.labels)


def _error_for(report: ImportReport, number: int, sheet: str = ""):
    state = {"bad": False}

    def error(column, message):
        state["bad"] = True
        report.errors.append(RowError(number, column, message, sheet=sheet))

    return error, state


def _text(raw, column, error, limit, *, required=False) -> str:
    value = raw[column]
    if required and not value:
        error(column, "не заполнено")
    elif len(value) > limit:
        error(column, f"длиннее {limit} символов")
    return value


# --- Programmes ---------------------------------------------------------------------------------


def _programme_row(raw: dict, error) -> dict:
    data = {"title": _text(raw, "Название", error, 500, required=True)}
    for column, field, choices, default in (
        ("Вид", "kind", ProgrammeKind, None),
        ("Форма обучения", "form", ProgrammeForm, None),
        ("Уровень исполнителя", "provider_level", ProviderLevel, ProviderLevel.CENTRE),
        ("Документ", "document_kind", DocumentKind, DocumentKind.QUALIFICATION_CERTIFICATE),
        ("Источник финансирования", "funding_source", FundingSource, FundingSource.REGIONAL_BUDGET),
        ("Статус", "status", ProgrammeStatus, ProgrammeStatus.OPEN),
    ):
        if not raw[column] and default is not None:
            data[field] = default
            continue
        value = _choice(choices, raw[column])
        if value is None:
            error(column, f"«{raw[column]}»: допустимо {_labels(choices)}")
        data[field] = value
    try:
        data["hours"] = _int_or_error(raw["Часов"], low=1, high=2000)
    except ValueError:
        error("Часов", f"«{raw['Часов']}»: нужно целое число часов от 1 до 2000")
    try:
        data["min_attendance_percent"] = (
            _int_or_error(raw["Посещаемость, %"], low=0, high=100) if raw["Посещаемость, %"] else 80
        )
    except ValueError:
        error("Посещаемость, %", f"«{raw['Посещаемость, %']}»: нужно целое число от 0 до 100")
    data["provider_name"] = _text(raw, "Исполнитель", error, 500)
    data["in_federal_registry"] = _flag(raw, "В федеральном реестре", error)
    data["registry_number"] = _text(raw, "Номер в реестре", error, 100)
    data["requires_assessment"] = (
        _flag(raw, "Итоговая аттестация", error) if raw["Итоговая аттестация"] else True
    )
    return data


def programmes_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Programmes of the region (columns PROGRAMME_COLUMNS): a new title is created, a known one updated."""
    region, report, rows = _start(actor, region, file, "programmes", PROGRAMMES_SHEET, PROGRAMME_COLUMNS)
    parsed: dict[str, dict] = {}
    for number, raw in rows:
        report.rows += 1
        error, state = _error_for(report, number)
        data = _programme_row(raw, error)
        if state["bad"]:
            continue
        key = norm(data["title"])
        if key in parsed:
            error("Название", f"программа с таким названием уже в строке {parsed[key]['row']}")
            continue
        parsed[key] = {**data, "row": number}
    if report.errors:
        return report
    with transaction.atomic():
        known = {norm(p.title): p for p in Programme.objects.filter(region=region)}
        created = updated = 0
        for key, data in parsed.items():
            fields = {k: v for k, v in data.items() if k != "row"}
            programme = known.get(key)
            if programme is None:
                Programme.objects.create(region=region, created_by=_user(actor), **fields)
                created += 1
            else:
                for k, v in fields.items():
                    setattr(programme, k, v)
                programme.save()
                updated += 1
        report.created, report.updated = created, updated
        report.details = {"программ добавлено": created, "обновлено": updated}
        _finish(actor, region, report, "course_programmes_imported", filename, dry_run)
    return report


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


# --- Groups and their participants ----------------------------------------------------------------


def _group_rows(rows, programmes: dict[str, Programme], report: ImportReport) -> dict[tuple, dict]:
    groups: dict[tuple, dict] = {}
    for number, raw in rows:
        report.rows += 1
        error, state = _error_for(report, number, GROUPS_SHEET)
        programme = programmes.get(norm(raw["Программа"]))
        if programme is None:
            error(
                "Программа",
                f"«{raw['Программа']}»: нет такой программы в регионе; загрузите её файлом программ",
            )
        name = _text(raw, "Группа", error, 200, required=True)
        days = []
        for column in ("Начало", "Окончание"):
            try:
                days.append(_day(raw[column]))
            except ValueError:
                error(column, f"«{raw[column]}»: нужна дата в виде ДД.ММ.ГГГГ")
        if len(days) == 2 and days[1] < days[0]:
            error("Окончание", f"{days[1]:%d.%m.%Y} раньше начала ({days[0]:%d.%m.%Y})")
        try:
            capacity = _int_or_error(raw["Мест"], low=1, high=10_000)
        except ValueError:
            error("Мест", f"«{raw['Мест']}»: нужно целое число мест от 1")
        place = _text(raw, "Место проведения", error, 500)
        if state["bad"]:
            continue
        key = (programme.pk, norm(name))
        if key in groups:
            error("Группа", f"группа с таким названием этой программы уже в строке {groups[key]['row']}")
            continue
        groups[key] = {
            "row": number,
            "programme": programme,
            "name": name,
            "starts_on": days[0],
            "ends_on": days[1],
            "capacity": capacity,
            "place": place,
        }
    return groups


def _participant_rows(rows, directory, groups, existing, programmes, report) -> list[dict]:
    out: list[dict] = []
    seen: dict[tuple, int] = {}
    for number, raw in rows:
        report.rows += 1
        error, state = _error_for(report, number, PARTICIPANTS_SHEET)
        org = directory.organization(raw, error)
        person = directory.person(raw, org, error)
        programme = programmes.get(norm(raw["Программа"]))
        key = (programme.pk if programme else None, norm(raw["Группа"]))
        if key not in groups and key not in existing:
            error(
                "Группа",
                f"«{raw['Группа']}» программы «{raw['Программа']}»: нет такой группы ни в файле, ни в портале",
            )
        status = PARTICIPANT_STATUSES.get(norm(raw["Статус"]))
        if status is None:
            error("Статус", f"«{raw['Статус']}»: допустимо зачислен; в листе ожидания; завершил; не завершил")
        if state["bad"]:
            continue
        if (key, person) in seen:
            error("Фамилия", f"этот слушатель этой группы уже в строке {seen[(key, person)]}")
            continue
        seen[(key, person)] = number
        out.append(
            {"row": number, "group": key, "person_id": person, "organization_id": org, "status": status}
        )
    return out


def groups_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Groups (sheet «Группы») and their participants (sheet «Слушатели»), all or nothing."""
    from cnppm.importers import open_workbook

    region, report, group_rows = _start(actor, region, file, "groups", GROUPS_SHEET, GROUP_COLUMNS)
    wb = open_workbook(file if not hasattr(file, "seek") else (file.seek(0) or file))
    try:
        sheets = {norm(name): name for name in wb.sheetnames}
        if norm(PARTICIPANTS_SHEET) not in sheets:
            raise DomainError(
                f"В файле нет листа «{PARTICIPANTS_SHEET}». Используйте шаблон.", code="no_sheet"
            )
        participant_rows = list(
            _read_sheet(wb[sheets[norm(PARTICIPANTS_SHEET)]], PARTICIPANT_COLUMNS, PARTICIPANTS_SHEET)
        )
    finally:
        wb.close()
    programmes = {norm(p.title): p for p in Programme.objects.filter(region=region)}
    groups = _group_rows(group_rows, programmes, report)
    existing = {
        (g.programme_id, norm(g.name)): g
        for g in Group.objects.filter(programme__region=region).annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES))
        )
    }
    participants = _participant_rows(
        participant_rows, _Directory(region), groups, existing, programmes, report
    )
    enrolled = {
        (programme_id, norm(name), person_id)
        for programme_id, name, person_id in Enrolment.objects.filter(group__programme__region=region)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .values_list("group__programme_id", "group__name", "person_id")
    }
    # A re-imported participant already holds their seat.
    fresh = [p for p in participants if (*p["group"], p["person_id"]) not in enrolled]
    _check_capacity(groups, existing, fresh, report)
    if report.errors:
        return report
    with transaction.atomic():
        _write_groups(actor, region, groups, existing, participants, report)
        _finish(actor, region, report, "course_groups_imported", filename, dry_run)
    return report


def _check_capacity(groups, existing, participants, report) -> None:
    seats: dict[tuple, int] = {}
    last_row: dict[tuple, int] = {}
    for p in participants:
        if p["status"] in SEAT_STATUSES:
            seats[p["group"]] = seats.get(p["group"], 0) + 1
            last_row[p["group"]] = p["row"]
    for key, n in seats.items():
        if key in groups:
            capacity, taken = groups[key]["capacity"], existing[key].taken if key in existing else 0
        else:
            capacity, taken = existing[key].capacity, existing[key].taken
        if taken + n > capacity:
            report.errors.append(
                RowError(
                    last_row[key],
                    "Группа",
                    f"в группе {capacity} мест, а занятых было бы {taken + n}: увеличьте число мест или "
                    "поставьте лишних в лист ожидания",
                    sheet=PARTICIPANTS_SHEET,
                )
            )


def _write_groups(actor, region, groups, existing, participants, report) -> None:
    created_groups = 0
    by_key: dict[tuple, Group] = dict(existing)
    for key, data in groups.items():
        fields = {k: v for k, v in data.items() if k != "row"}
        group = by_key.get(key)
        if group is None:
            status = (
                GroupStatus.FINISHED if fields["ends_on"] < timezone.localdate() else GroupStatus.RECRUITING
            )
            group = Group.objects.create(created_by=_user(actor), status=status, **fields)
            created_groups += 1
        else:
            for k, v in fields.items():
                setattr(group, k, v)
            group.save()
        by_key[key] = group
    active = {
        (e.group_id, e.person_id)
        for e in Enrolment.objects.filter(group__in=[g.pk for g in by_key.values()]).exclude(
            status=EnrolmentStatus.CANCELLED
        )
    }
    now = timezone.now()
    new, records = [], []
    for p in participants:
        group = by_key[p["group"]]
        if (group.pk, p["person_id"]) in active:
            continue
        enrolment = Enrolment(
            group=group,
            person_id=p["person_id"],
            status=p["status"],
            source=EnrolmentSource.IMPORT,
            created_by=_user(actor),
            confirmed_at=now if p["status"] in SEAT_STATUSES else None,
            waitlisted_at=now if p["status"] == EnrolmentStatus.WAITLISTED else None,
            finished_at=now
            if p["status"] in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
            else None,
        )
        new.append((enrolment, p))
    Enrolment.objects.bulk_create([e for e, _ in new])
    for enrolment, p in new:
        if p["status"] == EnrolmentStatus.COMPLETED:
            group = enrolment.group
            programme = group.programme
            records.append(
                TrainingRecord(
                    person_id=p["person_id"],
                    programme=programme,
                    title=programme.title,
                    kind=programme.kind,
                    provider=programme.provider or "ЦНППМ",
                    hours=programme.hours,
                    starts_on=group.starts_on,
                    ends_on=group.ends_on,
                    organization_id=p["organization_id"],
                    is_qualification_programme=programme.kind in ("qualification", "retraining"),
                    source=TrainingSource.IMPORT,
                    group=group,
                    enrolment=enrolment,
                    created_by=_user(actor),
                )
            )
    TrainingRecord.objects.bulk_create(records)
    report.created = created_groups
    report.details = {
        "групп добавлено": created_groups,
        "групп обновлено": len(groups) - created_groups,
        "слушателей зачислено": len(new),
        "записей об обучении": len(records),
        "уже были загружены": len(participants) - len(new),
    }


# --- Training of past years -----------------------------------------------------------------------


def trainings_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Training completed in past years (columns TRAINING_COLUMNS): one record per row, at the
    organization named in the row (where the person worked when it ended)."""
    region, report, rows = _start(actor, region, file, "trainings", TRAININGS_SHEET, TRAINING_COLUMNS)
    today = timezone.localdate()
    directory = _Directory(region)
    programmes = {norm(p.title): p for p in Programme.objects.filter(region=region)}
    parsed: dict[tuple, dict] = {}
    for number, raw in rows:
        report.rows += 1
        error, state = _error_for(report, number)
        org = directory.organization(raw, error)
        person = directory.person(raw, org, error)
        title = _text(raw, "Программа", error, 500, required=True)
        provider = _text(raw, "Организация-исполнитель", error, 500, required=True)
        try:
            hours = _int_or_error(raw["Часов"], low=1, high=10_000)
        except ValueError:
            error("Часов", f"«{raw['Часов']}»: нужно целое число часов")
        starts = _date_cell(raw, "Начало", error, today, required=True)
        ends = _date_cell(raw, "Окончание", error, today, required=True)
        if starts and ends and ends < starts:
            error("Окончание", f"{ends:%d.%m.%Y} раньше начала ({starts:%d.%m.%Y})")
        qualification = _flag(raw, "ДПП ПК", error) if raw["ДПП ПК"] else True
        federal = _flag(raw, "Федеральный координатор", error)
        document = _text(raw, "Документ (серия, номер)", error, 100)
        issued = _date_cell(raw, "Дата выдачи документа", error, today)
        if state["bad"]:
            continue
        key = (person, norm(title), starts, ends)
        if key in parsed:
            error("Программа", f"это обучение этого человека уже в строке {parsed[key]['row']}")
            continue
        programme = programmes.get(norm(title))
        parsed[key] = {
            "row": number,
            "person_id": person,
            "organization_id": org,
            "programme": programme,
            "title": title,
            "kind": programme.kind if programme else ("qualification" if qualification else ""),
            "provider": provider,
            "hours": hours,
            "starts_on": starts,
            "ends_on": ends,
            "is_qualification_programme": qualification,
            "by_federal_coordinator": federal,
            "document_number": document,
            "document_issued_on": issued,
        }
    if report.errors:
        return report
    with transaction.atomic():
        stored = {
            (t.person_id, norm(t.title), t.starts_on, t.ends_on)
            for t in TrainingRecord.objects.filter(person_id__in={k[0] for k in parsed}).only(
                "person_id", "title", "starts_on", "ends_on"
            )
        }
        new = [
            TrainingRecord(
                **{k: v for k, v in row.items() if k != "row"},
                source=TrainingSource.IMPORT,
                created_by=_user(actor),
            )
            for key, row in parsed.items()
            if key not in stored
        ]
        TrainingRecord.objects.bulk_create(new, batch_size=2000)
        report.created, report.unchanged = len(new), len(parsed) - len(new)
        report.details = {"записей об обучении добавлено": len(new), "уже были загружены": report.unchanged}
        _finish(actor, region, report, "course_trainings_imported", filename, dry_run)
    return report


# --- Templates ------------------------------------------------------------------------------------


def _template(sheets: list[tuple[str, tuple[str, ...], list]]) -> bytes:
    wb = new_workbook()
    first = True
    for title, columns, example in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        _styled_header(ws, columns)
        ws.append(example)
    return _save(wb)


def programmes_template() -> bytes:
    return _template(
        [
            (
                PROGRAMMES_SHEET,
                PROGRAMME_COLUMNS,
                [
                    "Цифровые инструменты и сервисы в профессиональной деятельности педагога",
                    ProgrammeKind.QUALIFICATION.label,
                    36,
                    ProgrammeForm.DISTANCE.label,
                    "",
                    ProviderLevel.CENTRE.label,
                    DocumentKind.QUALIFICATION_CERTIFICATE.label,
                    FundingSource.REGIONAL_BUDGET.label,
                    "да",
                    "ФР-2025-0147",
                    80,
                    "да",
                    ProgrammeStatus.OPEN.label,
                ],
            )
        ]
    )


def groups_template() -> bytes:
    return _template(
        [
            (
                GROUPS_SHEET,
                GROUP_COLUMNS,
                [
                    "Цифровые инструменты и сервисы в профессиональной деятельности педагога",
                    "Группа 1",
                    "02.02.2026",
                    "20.03.2026",
                    25,
                    "ЦНППМ, ауд. 214",
                ],
            ),
            (
                PARTICIPANTS_SHEET,
                PARTICIPANT_COLUMNS,
                [
                    "Первый район",
                    "Школа 1",
                    "Иванова",
                    "Мария",
                    "Петровна",
                    "",
                    "Цифровые инструменты и сервисы в профессиональной деятельности педагога",
                    "Группа 1",
                    "зачислен",
                ],
            ),
        ]
    )


def trainings_template() -> bytes:
    return _template(
        [
            (
                TRAININGS_SHEET,
                TRAINING_COLUMNS,
                [
                    "Первый район",
                    "Школа 1",
                    "Иванова",
                    "Мария",
                    "Петровна",
                    "",
                    "Формирование функциональной грамотности",
                    "ИРО",
                    72,
                    "01.02.2023",
                    "30.03.2023",
                    "да",
                    "нет",
                    "ПК 000123",
                    "30.03.2023",
                ],
            )
        ]
    )


TEMPLATES = {"programmes": programmes_template, "groups": groups_template, "trainings": trainings_template}
SERVICES = {"programmes": programmes_import, "groups": groups_import, "trainings": trainings_import}
