"""Figures that come from outside the portal's own data, entered by people: official headcounts and
organization counts (cnppm.ReferenceStatistic, also imported from XLSX), organization facts
(mentoring model, management team trained), the Centre's regional events and indicator plans. Each
records who entered it and when, and writes an event row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from cnppm import access
from cnppm.choices import Role
from cnppm.models import Municipality, Organization, OrganizationYearFact, ReferenceStatistic, Region
from cnppm.services import DomainError, event_record

from ..models import IndicatorDefinition, IndicatorPlan, RegionalEvent

REFSTAT_FIELDS = (
    "teachers_total",
    "school_teachers_total",
    "schools_total",
    "additional_total",
    "vocational_total",
)
# XLSX import: the header of each column (case-insensitive), in this order.
REFSTAT_COLUMNS = (
    ("municipality", "Муниципалитет"),
    ("year", "Год"),
    ("teachers_total", "Педагогов всего"),
    ("school_teachers_total", "Учителей школ"),
    ("schools_total", "Общеобразовательных организаций"),
    ("additional_total", "Организаций доп. образования"),
    ("vocational_total", "Организаций СПО"),
)


def _check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError("Укажите год числом, например 2024.") from None
    if not 2000 <= year <= 2100:
        raise DomainError(f"Год {year} вне допустимого диапазона (2000–2100).")
    return year


def _check_operator(actor, *, region_id: int | None = None) -> None:
    """Only an operator enters these figures, and only into their own region: another region's
    municipality or event is refused as if it did not exist."""
    if not access.has_role(actor, Role.OPERATOR):
        raise DomainError("Вводить эти данные может только оператор ЦНППМ.")
    if region_id is not None and region_id not in access.region_ids_for_write(actor):
        raise DomainError("Муниципалитет или мероприятие не найдены в вашем регионе.", code="not_found")


@transaction.atomic
def refstat_save(*, actor, municipality: Municipality, year: int, **figures) -> ReferenceStatistic:
    """Enter or correct the official figures of a municipality for a year."""
    _check_operator(actor, region_id=municipality.region_id)
    year = _check_year(year)
    clean = {}
    for name in REFSTAT_FIELDS:
        value = figures.get(name)
        if value in ("", None):
            clean[name] = None
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise DomainError(
                f"«{ReferenceStatistic._meta.get_field(name).verbose_name}»: нужно целое число."
            ) from None
        if value < 0:
            raise DomainError(
                f"«{ReferenceStatistic._meta.get_field(name).verbose_name}»: число не может быть отрицательным."
            )
        clean[name] = value
    if all(v is None for v in clean.values()):
        raise DomainError("Укажите хотя бы один показатель.")
    stat = ReferenceStatistic.objects.filter(municipality=municipality, year=year).first()
    old = {n: getattr(stat, n) for n in REFSTAT_FIELDS} if stat else {}
    stat = stat or ReferenceStatistic(municipality=municipality, year=year)
    for name, value in clean.items():
        setattr(stat, name, value)
    stat.entered_by = actor
    stat.save()
    event_record(
        actor=actor,
        target=stat,
        verb="refstat_saved",
        old=old or "",
        new=clean,
        comment=f"{municipality}, {year}",
    )
    return stat


class _BadCell(ValueError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _int_cell(value, column: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise _BadCell(column, f"«{value}» — не число.") from None
    if number != number.to_integral_value() or number < 0:
        raise _BadCell(column, f"нужно целое неотрицательное число, а не «{value}».")
    return int(number)


def refstat_parse_xlsx(file, *, region: Region) -> list[dict]:
    """Read and validate the whole sheet. A file that is not a workbook, or whose header is not the
    template's, raises DomainError; otherwise every line is checked and all the problems are
    reported together (cnppm.import_jobs.ImportRefused: line, column, message), so the operator
    corrects the file once. Returns [{municipality, year, figures…}]."""
    from cnppm.import_jobs import ImportRefused
    from cnppm.importers import RowError
    from cnppm.spreadsheets import NOT_XLSX, SpreadsheetError, open_workbook

    # The bounded reader: the same size, zip, row and column limits as every other import.
    try:
        wb = open_workbook(file)
    except SpreadsheetError as exc:
        if exc.message != NOT_XLSX:
            raise
        raise DomainError(
            "Файл не читается как книга Excel (.xlsx). Сохраните его в формате XLSX и загрузите снова."
        ) from None
    with wb:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    if not rows:
        raise DomainError("Файл пуст.")
    header = [str(c or "").strip().lower() for c in rows[0]]
    expected = [title.lower() for _, title in REFSTAT_COLUMNS]
    if header[: len(expected)] != expected:
        wanted = ", ".join(f"«{t}»" for _, t in REFSTAT_COLUMNS)
        raise DomainError(f"Неверные заголовки столбцов. Ожидаются по порядку: {wanted}.")
    munis = {}
    for m in Municipality.objects.filter(region=region):
        munis[m.name.lower()] = m
        munis[m.code.lower()] = m
    parsed, errors, seen = [], [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in row):
            continue
        row = list(row) + [None] * len(REFSTAT_COLUMNS)
        name = str(row[0] or "").strip()
        muni = munis.get(name.lower())
        if muni is None:
            errors.append(
                RowError(line, "Муниципалитет", f"муниципалитет «{name}» не найден в регионе {region}.")
            )
        year = None
        try:
            year = _int_cell(row[1], "Год")
        except _BadCell as exc:
            errors.append(RowError(line, exc.column, exc.message))
        else:
            if year is None or not 2000 <= year <= 2100:
                errors.append(RowError(line, "Год", "укажите год (2000–2100)."))
                year = None
        if muni is not None and year is not None:
            if (muni.pk, year) in seen:
                errors.append(
                    RowError(line, "Муниципалитет", f"«{muni}» за {year} год уже есть выше в файле.")
                )
            seen.add((muni.pk, year))
        figures = {}
        for i, (field, title) in enumerate(REFSTAT_COLUMNS):
            if i >= 2:
                try:
                    figures[field] = _int_cell(row[i], title)
                except _BadCell as exc:
                    errors.append(RowError(line, exc.column, exc.message))
        parsed.append({"municipality": muni, "year": year, **figures})
    if errors:
        raise ImportRefused(
            f"Файл не загружен, ничего не изменено: ошибок в строках — {len(errors)}.", errors
        )
    if not parsed:
        raise DomainError("В файле нет строк с данными.")
    return parsed


@transaction.atomic
def refstat_import_xlsx(*, actor, file, region: Region) -> int:
    """Import a sheet of official figures: everything is validated first; one bad line and nothing
    is saved."""
    _check_operator(actor, region_id=region.pk)
    rows = refstat_parse_xlsx(file, region=region)
    for row in rows:
        muni, year = row.pop("municipality"), row.pop("year")
        refstat_save(actor=actor, municipality=muni, year=year, **row)
    return len(rows)


@transaction.atomic
def orgfact_save(
    *, actor, organization: Organization, year: int, implements_mentoring: bool, management_team_trained: bool
) -> OrganizationYearFact:
    """The facts of an organization for a year. The operator enters them for any organization, a
    municipal methodist for the organizations of their municipality."""
    year = _check_year(year)
    scope = access.scope_of(actor)
    region_id = Municipality.objects.filter(pk=organization.municipality_id).values_list(
        "region_id", flat=True
    )
    allowed = (
        access.has_role(actor, Role.OPERATOR) and region_id.first() in access.region_ids_for_write(actor)
    ) or (Role.MUNICIPAL_METHODIST in scope.roles and organization.municipality_id in scope.municipality_ids)
    if not allowed:
        raise DomainError("Вы не можете вносить сведения об этой организации.")
    fact = OrganizationYearFact.objects.filter(organization=organization, year=year).first()
    old = (fact.implements_mentoring, fact.management_team_trained) if fact else ""
    fact = fact or OrganizationYearFact(organization=organization, year=year)
    fact.implements_mentoring = bool(implements_mentoring)
    fact.management_team_trained = bool(management_team_trained)
    fact.entered_by = actor
    fact.save()
    event_record(
        actor=actor,
        target=fact,
        verb="orgfact_saved",
        old=old,
        new=(fact.implements_mentoring, fact.management_team_trained),
        comment=f"{organization}, {year}",
    )
    return fact


@transaction.atomic
def regional_event_save(
    *,
    actor,
    region: Region,
    title: str,
    held_on: date,
    kind: str = "",
    participants: int = 0,
    organizer: str = "",
    event: RegionalEvent | None = None,
) -> RegionalEvent:
    """Record (or correct) a regional event held by the Centre."""
    _check_operator(actor, region_id=event.region_id if event is not None else region.pk)
    title = (title or "").strip()
    if not title:
        raise DomainError("Укажите название мероприятия.")
    if held_on is None:
        raise DomainError("Укажите дату проведения.")
    if participants is not None and participants < 0:
        raise DomainError("Число участников не может быть отрицательным.")
    event = event or RegionalEvent(region=region)
    old = f"{event.title} {event.held_on}" if event.pk else ""
    event.title, event.kind, event.held_on = title, (kind or "").strip(), held_on
    event.participants, event.organizer = participants or 0, (organizer or "").strip()
    event.entered_by = actor
    event.save()
    event_record(actor=actor, target=event, verb="regional_event_saved", old=old, new=f"{title} {held_on}")
    return event


@transaction.atomic
def regional_event_delete(*, actor, event: RegionalEvent) -> None:
    _check_operator(actor, region_id=event.region_id)
    event_record(
        actor=actor, target=event, verb="regional_event_deleted", old=f"{event.title} {event.held_on}"
    )
    event.delete()


@transaction.atomic
def plan_save(
    *, actor, indicator: IndicatorDefinition, year: int, value, region: Region | None = None
) -> IndicatorPlan:
    """The planned value of an indicator for a year in a region: the region asked for if it is the
    actor's (another one answers 404), else the actor's only region (`access.write_region`)."""
    _check_operator(actor)
    region = access.write_region(actor, region.pk if region is not None else None)
    year = _check_year(year)
    try:
        value = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise DomainError("Плановое значение должно быть числом, например 5 или 9,5.") from None
    if value < 0 or (indicator.unit == "percent" and value > 100):
        raise DomainError("Плановое значение доли должно быть от 0 до 100 %.")
    plan = IndicatorPlan.objects.filter(region=region, indicator=indicator, year=year).first()
    old = plan.value if plan else ""
    plan = plan or IndicatorPlan(region=region, indicator=indicator, year=year)
    plan.value, plan.entered_by = value, actor
    plan.save()
    event_record(
        actor=actor,
        target=plan,
        verb="plan_saved",
        old=old,
        new=value,
        comment=f"{indicator.code}, {year}, {region}",
    )
    return plan
