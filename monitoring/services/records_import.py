"""Imports of past records typed in one by one until now (issue 10.2): the Centre's regional events
(REGIONAL_EVENTS) and the training of its staff (StaffTraining: STAFF_FED_TRAINED, the quarterly
form's staff list). Official headcounts and organization counts of past years already come in through
the structure import (sheet «Статистика») and the reference-statistics upload.

Same rules as every import: the bounded reader, the whole file validated first with every error named
by row and column, then written in one transaction with an event row; re-importing the same file
adds nothing (an event is the same title on the same day, a training record the same person,
programme and dates)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from cnppm import access
from cnppm.choices import Role
from cnppm.importers import (
    NO,
    YES,
    ImportReport,
    RowError,
    _int_or_error,
    _read_sheet,
    _resolve_region,
    _save,
    _styled_header,
    norm,
    open_workbook,
)
from cnppm.models import Region, StaffTraining
from cnppm.services import DomainError, event_record
from routes.history import PERSON_COLUMNS, _date_cell, _Directory

from ..models import RegionalEvent

EVENTS_SHEET = "Мероприятия"
EVENTS_COLUMNS = ("Название", "Форма", "Дата проведения", "Участников", "Организатор")
TRAINING_SHEET = "Обучение"
TRAINING_COLUMNS = (
    *PERSON_COLUMNS,
    "Программа",
    "Организатор обучения",
    "Часов",
    "Начало",
    "Окончание",
    "Федеральный координатор",
    "ДПП ПК",
)


def _start(actor, region: Region | None, file, kind: str, sheet: str, columns: tuple[str, ...]):
    """The region, the report and the sheet's rows (read through the bounded reader)."""
    if getattr(actor, "pk", None) and not access.has_role(actor, Role.OPERATOR):
        raise DomainError("Загружать эти данные может только оператор ЦНППМ.", code="forbidden")
    region = _resolve_region(actor, region)
    wb = open_workbook(file)
    try:
        sheets = {norm(name): name for name in wb.sheetnames}
        ws = wb[sheets[norm(sheet)]] if norm(sheet) in sheets else wb.worksheets[0]
        rows = list(_read_sheet(ws, columns))
    finally:
        wb.close()
    if not rows:
        raise DomainError("В файле нет ни одной строки с данными.", code="no_rows")
    return region, ImportReport(kind=kind), rows


def _finish(actor, region, report: ImportReport, verb: str, filename: str, dry_run: bool) -> None:
    report.dry_run = dry_run
    if dry_run:
        transaction.set_rollback(True)
    else:
        event_record(actor=actor, target=region, verb=verb, new=report.summary(), comment=filename[:200])


# --- Regional events ----------------------------------------------------------------------------


def regional_events_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Regional events held by the Centre in past years (columns EVENTS_COLUMNS)."""
    region, report, rows = _start(actor, region, file, "events", EVENTS_SHEET, EVENTS_COLUMNS)
    today = timezone.localdate()
    parsed: dict[tuple[str, date], dict] = {}
    for number, raw in rows:
        report.rows += 1
        bad = False

        def error(column, message, number=number):
            nonlocal bad
            bad = True
            report.errors.append(RowError(number, column, message))

        for column, limit in (("Название", 500), ("Форма", 100), ("Организатор", 300)):
            if len(raw[column]) > limit:
                error(column, f"длиннее {limit} символов")
        if not raw["Название"]:
            error("Название", "не заполнено")
        held_on = _date_cell(raw, "Дата проведения", error, today, required=True)
        participants = 0
        if raw["Участников"]:
            try:
                participants = _int_or_error(raw["Участников"], low=0, high=1_000_000)
            except ValueError:
                error("Участников", f"«{raw['Участников']}»: нужно целое неотрицательное число")
        if bad:
            continue
        key = (norm(raw["Название"]), held_on)
        if key in parsed:
            error("Название", f"это мероприятие в этот день уже в строке {parsed[key]['row']}")
            continue
        parsed[key] = {
            "row": number,
            "title": raw["Название"],
            "kind": raw["Форма"],
            "held_on": held_on,
            "participants": participants,
            "organizer": raw["Организатор"],
        }
    if report.errors:
        return report
    with transaction.atomic():
        stored = {
            (norm(e.title), e.held_on): e
            for e in RegionalEvent.objects.filter(region=region, held_on__in={d for _, d in parsed})
        }
        new, changed = [], []
        for key, row in parsed.items():
            event = stored.get(key)
            values = {k: row[k] for k in ("kind", "participants", "organizer")}
            if event is None:
                fields = {k: v for k, v in row.items() if k != "row"}
                new.append(RegionalEvent(region=region, entered_by=_user(actor), **fields))
            elif any(getattr(event, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(event, k, v)
                changed.append(event)
            else:
                report.unchanged += 1
        RegionalEvent.objects.bulk_create(new)
        RegionalEvent.objects.bulk_update(changed, ["kind", "participants", "organizer"])
        report.created, report.updated = len(new), len(changed)
        report.details = {
            "мероприятий добавлено": len(new),
            "обновлено": len(changed),
            "без изменений": report.unchanged,
        }
        _finish(actor, region, report, "regional_events_imported", filename, dry_run)
    return report


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def events_template() -> bytes:
    from cnppm.xlsx import new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = EVENTS_SHEET
    _styled_header(ws, EVENTS_COLUMNS, [60, 20, 18, 14, 40])
    return _save(wb)


# --- Staff training -----------------------------------------------------------------------------


def _flag(raw: dict, column: str, error) -> bool:
    value = norm(raw[column])
    if value not in YES | NO:
        error(column, f"«{raw[column]}»: укажите «да» или «нет»")
    return value in YES


def staff_training_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Training records of the Centre's staff and managers (columns TRAINING_COLUMNS); people are
    matched like the roster."""
    region, report, rows = _start(actor, region, file, "staff_training", TRAINING_SHEET, TRAINING_COLUMNS)
    today = timezone.localdate()
    directory = _Directory(region)
    parsed: dict[tuple, dict] = {}
    for number, raw in rows:
        report.rows += 1
        bad = False

        def error(column, message, number=number):
            nonlocal bad
            bad = True
            report.errors.append(RowError(number, column, message))

        org = directory.organization(raw, error)
        person = directory.person(raw, org, error)
        for column, limit in (("Программа", 500), ("Организатор обучения", 300)):
            if not raw[column]:
                error(column, "не заполнено")
            elif len(raw[column]) > limit:
                error(column, f"длиннее {limit} символов")
        hours = 0
        if raw["Часов"]:
            try:
                hours = _int_or_error(raw["Часов"], low=0, high=10_000)
            except ValueError:
                error("Часов", f"«{raw['Часов']}»: нужно целое число часов")
        starts = _date_cell(raw, "Начало", error, today, required=True)
        ends = _date_cell(raw, "Окончание", error, today, required=True)
        if starts and ends and ends < starts:
            error("Окончание", f"{ends:%d.%m.%Y} раньше начала ({starts:%d.%m.%Y})")
        federal = _flag(raw, "Федеральный координатор", error)
        qualification = _flag(raw, "ДПП ПК", error) if raw["ДПП ПК"] else True
        if bad:
            continue
        key = (person, norm(raw["Программа"]), starts, ends)
        if key in parsed:
            error("Программа", f"это обучение этого человека уже в строке {parsed[key]['row']}")
            continue
        parsed[key] = {
            "row": number,
            "person_id": person,
            "programme": raw["Программа"],
            "provider": raw["Организатор обучения"],
            "hours": hours,
            "starts_on": starts,
            "ends_on": ends,
            "by_federal_coordinator": federal,
            "is_qualification_programme": qualification,
        }
    if report.errors:
        return report
    with transaction.atomic():
        stored = {
            (t.person_id, norm(t.programme), t.starts_on, t.ends_on)
            for t in StaffTraining.objects.filter(person_id__in={k[0] for k in parsed}).only(
                "person_id", "programme", "starts_on", "ends_on"
            )
        }
        new = [
            StaffTraining(**{k: v for k, v in row.items() if k != "row"})
            for key, row in parsed.items()
            if key not in stored
        ]
        StaffTraining.objects.bulk_create(new)
        report.created, report.unchanged = len(new), len(parsed) - len(new)
        report.details = {"записей об обучении добавлено": len(new), "уже были загружены": report.unchanged}
        _finish(actor, region, report, "staff_training_imported", filename, dry_run)
    return report


def staff_training_template() -> bytes:
    from cnppm.xlsx import new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = TRAINING_SHEET
    _styled_header(ws, TRAINING_COLUMNS, [24, 24, 18, 16, 18, 26, 60, 36, 8, 14, 14, 14, 10])
    return _save(wb)
