"""History: the years before the portal (issue 10.2). Regions have kept diagnostics results and ИОМ
registers in spreadsheets since 2021; `history_import` takes them from one XLSX (the template of
`history_template`) and stores every dated event as it happened, so that an indicator computed for a
past period counts it then (monitoring.indicators: a route by its submission date where it was
created, an attempt by its date where it was taken).

Sheets (any may be absent, at least one present; the first row is the header):
- «Диагностика»: one row per person, diagnostic work, date and competence block, with the result in
  % and the organization at the time. Rows of one person, work and date make one attempt (an
  imported, external result: its blocks' results, the overall % their mean).
- «ИОМ»: one row per route: the teacher, the organization at the time, the academic year, the dates
  it was created, submitted, reviewed (with the curator's verdict and the curator), approved and
  completed. The route gets its status-change rows (RouteEvent) at those dates, the review row, and
  the latest final entry diagnostics of the teacher up to its creation (from the file or already in
  the portal) as its entry diagnostics.
- «Мероприятия ИОМ»: the activities of those routes with their dates and outcome.

People are matched like the roster: by e-mail, else by full name in the organization named, else by
a full name unique in the region. All or nothing, like every import: the whole file is read through
the bounded reader and validated first, every error named with its sheet, row and column, and only
then written, in one transaction, by COPY (cnppm.bulk). Re-importing the same file adds nothing: an
attempt already stored (same person, work and day) and a route already stored (same teacher, year
and creation day) are counted as loaded before."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cnppm import access
from cnppm.bulk import copy_text, insert_texts, insert_tuples, reserve_ids, uses_copy
from cnppm.choices import Role
from cnppm.importers import (
    ImportReport,
    RowError,
    _chunks,
    _read_sheet,
    _resolve_region,
    _save,
    _styled_header,
    norm,
    open_workbook,
)
from cnppm.models import Organization, Person, Region
from cnppm.services import DomainError, event_record
from diagnostics.choices import AttemptStatus, FinishReason, InstrumentKind
from diagnostics.models import Attempt, BlockResult, Instrument

from .choices import ActivityKind, ActivityLevel, ActivityOutcome, RouteStatus, Verdict
from .models import Route, RouteActivity, RouteEvent, RouteReview
from .selectors import profile_snapshot

S = RouteStatus
PERSON_COLUMNS = ("Муниципалитет", "Организация", "Фамилия", "Имя", "Отчество", "Email")
SHEET_DIAGNOSTICS = "Диагностика"
SHEET_ROUTES = "ИОМ"
SHEET_ACTIVITIES = "Мероприятия ИОМ"
SHEETS: dict[str, tuple[str, ...]] = {
    SHEET_DIAGNOSTICS: (*PERSON_COLUMNS, "Диагностика", "Источник", "Дата", "Блок", "Результат, %"),
    SHEET_ROUTES: (
        *PERSON_COLUMNS,
        "Учебный год",
        "Создан",
        "Подан куратору",
        "Рассмотрен куратором",
        "Заключение куратора",
        "Куратор",
        "Утверждён",
        "Завершён",
    ),
    SHEET_ACTIVITIES: (
        *PERSON_COLUMNS,
        "Учебный год",
        "Мероприятие",
        "Вид",
        "Уровень",
        "Начало",
        "Окончание",
        "Выполнение",
        "Причина невыполнения",
    ),
}
ACTIVITY_FIELDS = ("title", "kind", "level", "starts_on", "ends_on", "outcome", "not_done_reason")
HISTORY_NOTE = "по историческим данным"
DEFAULT_SOURCE = "исторические данные"
HUNDRED = Decimal("100")
SIX = Decimal("0.000001")


def _choice_map(choices, extra: dict | None = None) -> dict[str, str]:
    mapping = {norm(label): value for value, label in choices}
    mapping.update({norm(value): value for value, _ in choices})
    mapping.update({norm(k): v for k, v in (extra or {}).items()})
    return mapping


VERDICTS = _choice_map(
    Verdict.choices,
    {
        "без корректировок": Verdict.NO_CORRECTIONS,
        "утвердить": Verdict.NO_CORRECTIONS,
        "незначительные корректировки": Verdict.MINOR,
        "существенные корректировки": Verdict.MAJOR,
    },
)
KINDS = _choice_map(
    ActivityKind.choices, {"курсы": ActivityKind.QUALIFICATION, "дпп пк": ActivityKind.QUALIFICATION}
)
LEVELS = _choice_map(
    ActivityLevel.choices, {"оо": ActivityLevel.INSTITUTIONAL, "школьный": ActivityLevel.INSTITUTIONAL}
)
OUTCOMES = _choice_map(
    ActivityOutcome.choices,
    {"": ActivityOutcome.PLANNED, "да": ActivityOutcome.DONE, "нет": ActivityOutcome.NOT_DONE},
)
YEAR_RE = re.compile(r"^(\d{4})(?:\s*[/–-]\s*(\d{2}|\d{4}))?(?:\s*уч\.?\s*г(?:од|\.)?)?$")


# --- Parsing cells ------------------------------------------------------------------------------

# A cell naming a work, block, verdict or kind as a look-up key: a file repeats a few such texts on
# tens of thousands of rows, so each is normalised once.
_key = lru_cache(maxsize=4096)(norm)


@lru_cache(maxsize=4096)
def _day(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


@lru_cache(maxsize=16384)
def _moment(day: date, step: int = 0) -> datetime:
    """A day's event as a moment: noon, a minute apart for events of one route on the same day (so
    their order is kept)."""
    return timezone.make_aware(datetime.combine(day, time(12)) + timedelta(minutes=step))


@lru_cache(maxsize=256)  # a file names a few years on tens of thousands of rows
def _academic_year(text: str) -> int:
    m = YEAR_RE.match(text.strip().lower())
    if not m:
        raise ValueError
    first = int(m[1])
    if m[2]:
        second = int(m[2]) if len(m[2]) == 4 else first // 100 * 100 + int(m[2])
        if second != first + 1:
            raise ValueError
    return first


@lru_cache(maxsize=4096)  # results repeat (a Decimal is immutable: one object serves every row)
def _percent(text: str) -> Decimal:
    number = Decimal(text.replace("%", "").replace(",", ".").replace("\u00a0", "").strip())
    if not Decimal(0) <= number <= HUNDRED:
        raise ValueError
    return number


# --- What the file says, validated ----------------------------------------------------------------


@dataclass(slots=True)
class _Attempt:
    row: int
    person_id: int
    organization_id: int
    instrument: Instrument
    day: date
    source: str
    blocks: dict[int, Decimal] = field(default_factory=dict)  # block id → %
    rows: dict[int, int] = field(default_factory=dict)  # block id → row number
    attempt_id: int | None = None  # set once written (or found already stored)

    @property
    def percent(self) -> Decimal:
        return (sum(self.blocks.values()) / len(self.blocks)).quantize(SIX, ROUND_HALF_UP)


@dataclass(slots=True)
class _Route:
    row: int
    person_id: int
    organization_id: int
    year: int
    created: date
    submitted: date | None
    reviewed: date | None
    verdict: str
    curator_id: int | None
    approved: date | None
    completed: date | None
    activities: list[tuple] = field(default_factory=list)  # ACTIVITY_FIELDS' values, in file order
    skip: bool = False  # already stored by an earlier import


@dataclass
class _Plan:
    region_id: int
    attempts: dict[tuple, _Attempt] = field(default_factory=dict)
    routes: dict[tuple, _Route] = field(default_factory=dict)


class _Directory:
    """The region's organizations and people, loaded once (no query per row)."""

    def __init__(self, region: Region):
        self.region = region
        self.organizations: dict[tuple[str, str], int] = {}
        for o in Organization.objects.filter(municipality__region=region).select_related("municipality"):
            for m in (norm(o.municipality.name), norm(o.municipality.code)):
                self.organizations.setdefault((m, norm(o.short_name)), o.pk)
                self.organizations.setdefault((m, norm(o.full_name)), o.pk)
        self.by_email: dict[str, int] = {}
        self.by_name: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
        people = Person.objects.filter(organization__municipality__region=region).values_list(
            "pk", "organization_id", "last_name", "first_name", "middle_name", "email"
        )
        for pk, org_id, last, first, middle, email in people.iterator(chunk_size=5000):
            if email:
                self.by_email.setdefault(email.lower(), pk)
            self.by_name[(norm(last), norm(first), norm(middle))].append((pk, org_id))
        # What rows named already, as written (a file names the same schools and people on every
        # sheet, often on many rows): found once, then one dictionary look-up per row.
        self.seen_organizations: dict[tuple[str, str], int] = {}
        self.seen_people: dict[tuple, int] = {}
        self.seen_curators: dict[str, int] = {}

    def organization(self, raw: dict, error) -> int | None:
        org = self.seen_organizations.get((raw["Муниципалитет"], raw["Организация"]))
        if org is not None:
            return org
        if not raw["Муниципалитет"]:
            error("Муниципалитет", "не заполнено")
            return None
        if not raw["Организация"]:
            error("Организация", "не заполнено")
            return None
        org = self.organizations.get((norm(raw["Муниципалитет"]), norm(raw["Организация"])))
        if org is None:
            error(
                "Организация",
                f"«{raw['Организация']}» не найдена в муниципалитете «{raw['Муниципалитет']}» региона "
                f"{self.region.name}; сначала загрузите её импортом структуры",
            )
        else:
            self.seen_organizations[(raw["Муниципалитет"], raw["Организация"])] = org
        return org

    def person(self, raw: dict, org_id: int | None, error) -> int | None:
        key = (raw["Email"], raw["Фамилия"], raw["Имя"], raw["Отчество"], org_id)
        pk = self.seen_people.get(key)
        if pk is None:
            pk = self._person(raw, org_id, error)
            if pk is not None:
                self.seen_people[key] = pk
        return pk

    def _person(self, raw: dict, org_id: int | None, error) -> int | None:
        email = raw["Email"].lower()
        if email:
            pk = self.by_email.get(email)
            if pk is None:
                error(
                    "Email", f"нет человека с e-mail {raw['Email']} в регионе; сначала загрузите его реестром"
                )
            return pk
        if not raw["Фамилия"] or not raw["Имя"]:
            error("Фамилия", "укажите e-mail или фамилию и имя")
            return None
        candidates = self.by_name.get((norm(raw["Фамилия"]), norm(raw["Имя"]), norm(raw["Отчество"])), [])
        here = [pk for pk, o in candidates if o == org_id]
        if len(here) == 1:
            return here[0]
        if len(candidates) == 1 and not here:
            return candidates[0][0]
        who = " ".join(x for x in (raw["Фамилия"], raw["Имя"], raw["Отчество"]) if x)
        if candidates:
            error("Фамилия", f"«{who}»: в регионе несколько человек с таким ФИО; укажите e-mail")
        else:
            error("Фамилия", f"«{who}» не найден(а) в реестре региона; сначала загрузите его реестром")
        return None

    def curator(self, text: str, error) -> int | None:
        pk = self.seen_curators.get(text)
        if pk is None:
            pk = self._curator(text, error)
            if pk is not None:
                self.seen_curators[text] = pk
        return pk

    def _curator(self, text: str, error) -> int | None:
        if "@" in text:
            pk = self.by_email.get(text.lower())
            if pk is None:
                error("Куратор", f"нет человека с e-mail {text} в регионе")
            return pk
        parts = text.split()
        key = tuple(norm(p) for p in (parts + ["", "", ""])[:3])
        found = self.by_name.get(key, [])
        if len(found) != 1:
            error(
                "Куратор",
                f"«{text}»: "
                + ("несколько человек с таким ФИО" if found else "нет такого человека в регионе")
                + "; укажите e-mail куратора",
            )
            return None
        return found[0][0]


class _Sheet:
    """One sheet being checked row by row: the row in hand, its errors (named with the sheet, row
    and column; one is enough to leave the row out) and the organization and person it names."""

    __slots__ = ("title", "directory", "report", "number", "bad")

    def __init__(self, title: str, directory: _Directory, report: ImportReport):
        self.title, self.directory, self.report = title, directory, report
        self.number, self.bad = 0, False

    def rows(self, rows):
        for number, raw in rows:
            self.report.rows += 1
            self.number, self.bad = number, False
            yield number, raw

    def error(self, column: str, message: str) -> None:
        self.bad = True
        self.report.errors.append(RowError(self.number, column, message, sheet=self.title))

    def who(self, raw: dict) -> tuple[int | None, int | None]:
        """The organization at the time and the person of the row (errors if not found)."""
        org = self.directory.organization(raw, self.error)
        return org, self.directory.person(raw, org, self.error)


def _instruments() -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for inst in Instrument.objects.prefetch_related("blocks"):
        found.setdefault(norm(inst.code), inst)
        found.setdefault(norm(inst.title), inst)
        inst.block_ids = {}
        for b in inst.blocks.all():
            inst.block_ids.setdefault(norm(b.code), b.pk)
            inst.block_ids.setdefault(norm(b.name), b.pk)
    return found


def _validate_diagnostics(rows, directory: _Directory, plan: _Plan, report: ImportReport) -> None:
    instruments = _instruments()
    today = timezone.localdate()
    sheet = _Sheet(SHEET_DIAGNOSTICS, directory, report)
    error = sheet.error
    for number, raw in sheet.rows(rows):
        org, person = sheet.who(raw)
        instrument = instruments.get(_key(raw["Диагностика"]))
        if not raw["Диагностика"]:
            error("Диагностика", "не заполнено: код или название диагностической работы")
        elif instrument is None:
            error("Диагностика", f"«{raw['Диагностика']}»: нет такой диагностической работы в портале")
        block = None
        if instrument is not None:
            block = instrument.block_ids.get(_key(raw["Блок"]))
            if block is None:
                error(
                    "Блок",
                    f"«{raw['Блок']}»: нет такого блока в работе «{instrument.title}»; допустимо: "
                    + ", ".join(b.name for b in instrument.blocks.all()),
                )
        day = _date_cell(raw, "Дата", error, today, required=True)
        value = None
        try:
            value = _percent(raw["Результат, %"])
        except (InvalidOperation, ValueError):
            error("Результат, %", f"«{raw['Результат, %']}»: нужен процент от 0 до 100")
        if len(raw["Источник"]) > 200:
            error("Источник", "длиннее 200 символов")
        if sheet.bad:
            continue
        key = (person, instrument.pk, day)
        attempt = plan.attempts.get(key)
        if attempt is None:
            attempt = plan.attempts[key] = _Attempt(
                number, person, org, instrument, day, raw["Источник"] or DEFAULT_SOURCE
            )
        elif attempt.organization_id != org:
            error("Организация", f"у этой диагностики в строке {attempt.row} указана другая организация")
            continue
        if block in attempt.blocks:
            error("Блок", f"результат по этому блоку уже указан в строке {attempt.rows[block]}")
            continue
        attempt.blocks[block] = value
        attempt.rows[block] = number


def _date_cell(raw: dict, column: str, error, today: date, *, required: bool = False) -> date | None:
    text = raw[column]
    if not text:
        if required:
            error(column, "не заполнено: дата в виде ДД.ММ.ГГГГ")
        return None
    try:
        day = _day(text)
    except ValueError:
        error(column, f"«{text}»: нужна дата в виде ДД.ММ.ГГГГ")
        return None
    if day > today:
        error(column, f"{day:%d.%m.%Y} — дата в будущем; загружается только то, что уже произошло")
        return None
    if day.year < 2000:
        error(column, f"{day:%d.%m.%Y}: слишком ранняя дата")
        return None
    return day


def _validate_routes(rows, directory: _Directory, plan: _Plan, report: ImportReport) -> None:
    today = timezone.localdate()
    sheet = _Sheet(SHEET_ROUTES, directory, report)
    error = sheet.error
    for number, raw in sheet.rows(rows):
        org, person = sheet.who(raw)
        year = None
        try:
            year = _academic_year(raw["Учебный год"])
            if not 2000 <= year <= today.year:
                raise ValueError
        except ValueError:
            error("Учебный год", f"«{raw['Учебный год']}»: нужен учебный год, например 2022/2023")
        dates = {
            c: _date_cell(raw, c, error, today, required=c == "Создан")
            for c in ("Создан", "Подан куратору", "Рассмотрен куратором", "Утверждён", "Завершён")
        }
        created, submitted = dates["Создан"], dates["Подан куратору"]
        reviewed, approved, completed = dates["Рассмотрен куратором"], dates["Утверждён"], dates["Завершён"]
        verdict, curator = "", None
        if raw["Заключение куратора"]:
            verdict = VERDICTS.get(_key(raw["Заключение куратора"]), "")
            if not verdict:
                error(
                    "Заключение куратора",
                    f"«{raw['Заключение куратора']}»: допустимо "
                    + ", ".join(f"«{label}»" for _, label in Verdict.choices),
                )
        if raw["Куратор"]:
            curator = directory.curator(raw["Куратор"], error)
        _check_order(
            error,
            [
                ("Создан", created),
                ("Подан куратору", submitted),
                ("Рассмотрен куратором", reviewed),
                ("Утверждён", approved),
                ("Завершён", completed),
            ],
        )
        if reviewed and not submitted:
            error("Подан куратору", "ИОМ рассмотрен куратором: укажите дату подачи")
        if approved and not submitted:
            error("Подан куратору", "ИОМ утверждён: укажите дату подачи куратору")
        if completed and not approved:
            error("Утверждён", "ИОМ завершён: укажите дату утверждения")
        if reviewed and not raw["Заключение куратора"]:
            error("Заключение куратора", "ИОМ рассмотрен: укажите заключение куратора")
        if raw["Заключение куратора"] and not reviewed:
            error("Рассмотрен куратором", "указано заключение: укажите дату рассмотрения")
        if reviewed and not raw["Куратор"]:
            error("Куратор", "ИОМ рассмотрен: укажите куратора (e-mail или ФИО)")
        if sheet.bad:
            continue
        key = (person, year)
        if key in plan.routes:
            error(
                "Учебный год",
                f"ИОМ этого педагога на {year}/{year + 1} учебный год уже в строке {plan.routes[key].row}",
            )
            continue
        plan.routes[key] = _Route(
            number, person, org, year, created, submitted, reviewed, verdict, curator, approved, completed
        )


def _check_order(error, dates: list[tuple[str, date | None]]) -> None:
    """Each date no earlier than the dates before it (created ≤ submitted ≤ reviewed ≤ …)."""
    latest: tuple[str, date] | None = None
    for column, day in dates:
        if day is None:
            continue
        if latest and day < latest[1]:
            error(column, f"{day:%d.%m.%Y} раньше даты «{latest[0]}» ({latest[1]:%d.%m.%Y})")
        else:
            latest = (column, day)


def _validate_activities(rows, directory: _Directory, plan: _Plan, report: ImportReport) -> None:
    today = timezone.localdate()
    sheet = _Sheet(SHEET_ACTIVITIES, directory, report)
    error = sheet.error
    for _number, raw in sheet.rows(rows):
        org, person = sheet.who(raw)
        route = None
        try:
            year = _academic_year(raw["Учебный год"])
            route = plan.routes.get((person, year))
            if person is not None and route is None:
                error(
                    "Учебный год", f"ИОМ этого педагога на {year}/{year + 1} учебный год нет на листе «ИОМ»"
                )
        except ValueError:
            error("Учебный год", f"«{raw['Учебный год']}»: нужен учебный год, например 2022/2023")
        title = raw["Мероприятие"]
        if not title:
            error("Мероприятие", "не заполнено")
        elif len(title) > 500:
            error("Мероприятие", "длиннее 500 символов")
        kind = KINDS.get(_key(raw["Вид"])) if raw["Вид"] else ""
        if kind is None:
            error(
                "Вид",
                f"«{raw['Вид']}»: допустимо " + ", ".join(f"«{lbl}»" for _, lbl in ActivityKind.choices),
            )
        level = LEVELS.get(_key(raw["Уровень"])) if raw["Уровень"] else ""
        if level is None:
            error(
                "Уровень",
                f"«{raw['Уровень']}»: допустимо " + ", ".join(f"«{lbl}»" for _, lbl in ActivityLevel.choices),
            )
        starts = _date_cell(raw, "Начало", error, today + timedelta(days=3660))
        ends = _date_cell(raw, "Окончание", error, today + timedelta(days=3660))
        if starts and ends and ends < starts:
            error("Окончание", f"{ends:%d.%m.%Y} раньше начала ({starts:%d.%m.%Y})")
        outcome = OUTCOMES.get(_key(raw["Выполнение"]))
        if outcome is None:
            error(
                "Выполнение",
                f"«{raw['Выполнение']}»: допустимо "
                + ", ".join(f"«{lbl}»" for _, lbl in ActivityOutcome.choices),
            )
        elif outcome == ActivityOutcome.DONE:
            if route is not None and route.approved is None:
                error(
                    "Выполнение",
                    "мероприятие выполнено, а ИОМ не утверждён: укажите дату утверждения на листе «ИОМ»",
                )
            if starts is None or starts > today:
                error("Начало", "выполненное мероприятие: укажите дату начала (не в будущем)")
        if sheet.bad:
            continue
        reason = raw["Причина невыполнения"] if outcome == ActivityOutcome.NOT_DONE else ""
        route.activities.append((title, kind, level, starts, ends, outcome, reason))


MANY = 2000  # more people than this: read the region's rows instead of a long IN list (cheaper to build)


def _batches(ids, path: str, region_id: int):
    """Filters that select the rows of these people (`path` leads from the row to its person): by id
    in batches of 5 000 for a few, by the region for many (a filter with tens of thousands of ids
    costs more to build than reading the region's rows; callers match rows to their keys anyway)."""
    ids = sorted(set(ids))
    prefix = f"{path}__" if path else ""
    if len(ids) > MANY:
        yield Q(**{f"{prefix}organization__municipality__region_id": region_id})
        return
    for chunk in _chunks(ids, 5000):
        yield Q(**{f"{path}_id__in" if path else "pk__in": chunk})


def _check_stored(plan: _Plan, report: ImportReport) -> None:
    """What earlier imports stored already (skipped), and a route the portal has otherwise (refused)."""
    for among in _batches({a.person_id for a in plan.attempts.values()}, "person", plan.region_id):
        stored = Attempt.objects.filter(among, is_external=True, status=AttemptStatus.FINAL)
        for pk, person, instrument, done in stored.values_list(
            "pk", "person_id", "instrument_id", "finalized_at"
        ):
            a = plan.attempts.get((person, instrument, timezone.localdate(done) if done else None))
            if a is not None:
                a.attempt_id = pk
    for among in _batches({r.person_id for r in plan.routes.values()}, "teacher", plan.region_id):
        stored = Route.objects.filter(among).exclude(status=S.CANCELLED)
        for person, year, created in stored.values_list("teacher_id", "academic_year", "created_at"):
            r = plan.routes.get((person, year))
            if r is None:
                continue
            if timezone.localdate(created) == r.created:
                r.skip = True
            else:
                report.errors.append(
                    RowError(
                        r.row,
                        "Учебный год",
                        f"в портале уже есть ИОМ этого педагога на {year}/{year + 1} учебный год "
                        f"(создан {timezone.localdate(created):%d.%m.%Y})",
                        sheet=SHEET_ROUTES,
                    )
                )


# --- The service --------------------------------------------------------------------------------


def history_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Import past diagnostics results, routes with their dates and their activities (sheets SHEETS).
    Returns the report; `report.errors` non-empty means nothing was written."""
    if getattr(actor, "pk", None) and not access.has_role(actor, Role.OPERATOR):
        raise DomainError("Загружать историю может только оператор ЦНППМ.", code="forbidden")
    region = _resolve_region(actor, region)
    report = ImportReport(kind="history", dry_run=dry_run)
    wb = open_workbook(file)
    try:
        sheets = {norm(name): name for name in wb.sheetnames}
        present = [title for title in SHEETS if norm(title) in sheets]
        if not present:
            raise DomainError(
                "В файле нет ни одного из листов: "
                + ", ".join(f"«{t}»" for t in SHEETS)
                + ". Используйте шаблон.",
                code="missing_sheets",
            )
        directory = _Directory(region)
        plan = _Plan(region.pk)
        readers = {
            SHEET_DIAGNOSTICS: _validate_diagnostics,
            SHEET_ROUTES: _validate_routes,
            SHEET_ACTIVITIES: _validate_activities,
        }
        for title in SHEETS:  # in this order: activities refer to routes
            if title in present:
                rows = _read_sheet(wb[sheets[norm(title)]], SHEETS[title], title)
                readers[title](rows, directory, plan, report)
    finally:
        wb.close()
    if not report.rows and not report.errors:
        raise DomainError("В файле нет ни одной строки с данными.", code="no_rows")
    if report.errors:
        return report
    _check_stored(plan, report)
    if report.errors:
        return report
    with transaction.atomic():
        _write(plan, actor, report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            event_record(
                actor=actor,
                target=region,
                verb="history_imported",
                new=report.summary(),
                comment=filename[:200],
            )
    return report


# --- Writing ------------------------------------------------------------------------------------


def _write(plan: _Plan, actor, report: ImportReport) -> None:
    new_attempts = _write_attempts(plan)
    entries = _entry_candidates(plan)
    new_routes = [r for r in plan.routes.values() if not r.skip]
    unlinked = _write_routes(new_routes, entries, actor, plan.region_id)
    report.created = len(new_attempts) + len(new_routes)
    report.unchanged = len(plan.attempts) - len(new_attempts) + len(plan.routes) - len(new_routes)
    report.details = {
        "диагностик добавлено": len(new_attempts),
        "ИОМ добавлено": len(new_routes),
        "мероприятий ИОМ добавлено": sum(len(r.activities) for r in new_routes),
        "уже загружено ранее (пропущено)": report.unchanged,
    }
    if unlinked:
        report.details["ИОМ без входной диагностики (не входят в показатели)"] = unlinked


def _write_attempts(plan: _Plan) -> list[_Attempt]:
    new = [a for a in plan.attempts.values() if a.attempt_id is None]
    if not new:
        return new
    numbers: dict[tuple[int, int], int] = {}
    for among in _batches({a.person_id for a in new}, "person", plan.region_id):
        for person, instrument, top in (
            Attempt.objects.filter(among)
            .values("person_id", "instrument_id")
            .annotate(top=Max("number"))
            .values_list("person_id", "instrument_id", "top")
        ):
            numbers[(person, instrument)] = top
    new.sort(key=lambda a: (a.person_id, a.instrument.pk, a.day))
    levels: dict[tuple[int, Decimal], str | None] = {}  # few distinct results: the level once each

    def level(instrument: Instrument, value: Decimal):
        found = levels.get((instrument.pk, value), levels)
        if found is levels:
            found = levels[(instrument.pk, value)] = instrument.level_for(value)
        return found

    rows = []
    for a, pk in zip(new, reserve_ids(Attempt, len(new)), strict=True):
        n = numbers.get((a.person_id, a.instrument.pk), 0) + 1
        numbers[(a.person_id, a.instrument.pk)] = n
        a.attempt_id = pk
        at = _moment(a.day)
        percent = a.percent
        rows.append(
            (
                pk,
                a.person_id,
                a.instrument.pk,
                n,
                a.organization_id,
                at,
                at,
                at,
                percent,
                level(a.instrument, percent),
                a.source[:200],
            )
        )
    fixed = (AttemptStatus.FINAL.value, FinishReason.EXTERNAL.value, True)
    insert_tuples(
        Attempt,
        ("id", "person", "instrument", "number", "organization", "started_at", "finished_at", "finalized_at")
        + ("percent", "level", "external_source", "status", "finish_reason", "is_external"),
        (row + fixed for row in rows),
    )
    insert_tuples(
        BlockResult,
        ("attempt", "block", "percent", "level"),
        (
            (a.attempt_id, block, value.quantize(SIX, ROUND_HALF_UP), level(a.instrument, value))
            for a in new
            for block, value in a.blocks.items()
        ),
    )
    return new


def _entry_candidates(plan: _Plan) -> dict[int, list[tuple[date, int]]]:
    """Per teacher of a new route: their final entry diagnostics (day, attempt id), oldest first."""
    people = {r.person_id for r in plan.routes.values() if not r.skip}
    found: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for among in _batches(people, "person", plan.region_id):
        for pk, person, done in (
            Attempt.objects.filter(among, status=AttemptStatus.FINAL, instrument__kind=InstrumentKind.ENTRY)
            .annotate(done=Coalesce("finalized_at", "finished_at"))
            .values_list("pk", "person_id", "done")
        ):
            if person in people:
                found[person].append((timezone.localdate(done), pk))
    for rows in found.values():
        rows.sort()
    return found


def _diagnostics_snapshots(attempt_ids: set[int], region_id: int) -> dict[int, list[dict]]:
    """Card section 2 of each entry attempt, as routes.selectors.diagnostics_rows gives it."""
    out: dict[int, list[dict]] = defaultdict(list)
    if len(attempt_ids) > MANY:
        filters = [Q(attempt__person__organization__municipality__region_id=region_id)]
    else:
        filters = [Q(attempt_id__in=chunk) for chunk in _chunks(sorted(attempt_ids), 5000)]
    for among in filters:
        rows = (
            BlockResult.objects.filter(among, block__is_scored=True)
            .order_by("attempt_id", "block__order", "block__name")
            .values_list(
                "attempt_id", "block_id", "block__code", "block__name", "percent", "level", "missed_topics"
            )
        )
        for attempt, block, code, name, percent, level, missed in rows:
            if attempt in attempt_ids:
                out[attempt].append(
                    {
                        "block": block,
                        "code": code,
                        "name": name,
                        "percent": str(percent),
                        "level": level,
                        "difficulties": list(missed or []),
                    }
                )
    return out


def _profiles(routes: list[_Route], region_id: int) -> dict[tuple[int, int], dict]:
    """Card section 1 of each route: the teacher's profile, with the organization at the time."""
    orgs = {
        o.pk: o
        for o in Organization.objects.filter(pk__in={r.organization_id for r in routes}).select_related(
            "municipality__region"
        )
    }
    by_person: dict[int, list[_Route]] = defaultdict(list)
    for r in routes:
        by_person[r.person_id].append(r)
    out = {}
    for among in _batches(by_person, "", region_id):
        subjects: dict[int, list[str]] = defaultdict(list)
        through = Person.subjects.through.objects.filter(
            **{f"person__{k}": v for k, v in among.children}
        ).order_by("subject__name")
        for person_id, name in through.values_list("person_id", "subject__name"):
            subjects[person_id].append(name)
        people = [p for p in Person.objects.filter(among) if p.pk in by_person]
        current = {
            o.pk: o
            for o in Organization.objects.filter(pk__in={p.organization_id for p in people}).select_related(
                "municipality__region"
            )
        }
        for person in people:
            person.organization = current[person.organization_id]  # one object per school, not per person
            base = profile_snapshot(person, subjects=subjects.get(person.pk, []))
            for r in by_person[person.pk]:
                org = orgs[r.organization_id]
                out[(r.person_id, r.year)] = {
                    **base,
                    "organization": org.full_name or org.short_name,
                    "organization_short": org.short_name,
                    "municipality": org.municipality.name,
                    "region": org.municipality.region.name,
                    "source": HISTORY_NOTE,
                }
    return out


# Status values as plain strings (COPY writes them as they are) and the events' comments, made once.
_S = {status: status.value for status in S}
_NOTES: dict[str, str] = {"": HISTORY_NOTE}


def _note(comment: str) -> str:
    note = _NOTES.get(comment)
    if note is None:
        note = _NOTES[comment] = f"{comment}; {HISTORY_NOTE}"
    return note


def _events(r: _Route) -> list[tuple[str, str, date, int, str]]:
    """The route's status changes as they happened: (from, to, day, step, comment with the note
    that it comes from historical data)."""
    draft, submitted, returned, approved = _S[S.DRAFT], _S[S.SUBMITTED], _S[S.RETURNED], _S[S.APPROVED]
    events = [("", draft, r.created, 0, _note("ИОМ создан"))]
    if r.submitted:
        events.append((draft, submitted, r.submitted, 1, HISTORY_NOTE))
    status = submitted
    if r.reviewed and r.verdict in (Verdict.MINOR, Verdict.MAJOR):
        events.append((submitted, returned, r.reviewed, 2, _note(Verdict(r.verdict).label)))
        status = returned
        if r.approved:
            events.append((returned, submitted, r.approved, 3, _note("подан повторно (дата не сохранилась)")))
            status = submitted
    if r.approved:
        comment = Verdict(r.verdict).label if r.verdict == Verdict.NO_CORRECTIONS else ""
        events.append((status, approved, r.approved, 4, _note(comment)))
        events.append((approved, _S[S.IN_PROGRESS], r.approved, 5, HISTORY_NOTE))
    if r.completed:
        events.append((_S[S.IN_PROGRESS], _S[S.COMPLETING], r.completed, 6, HISTORY_NOTE))
        events.append((_S[S.COMPLETING], _S[S.COMPLETED], r.completed, 7, HISTORY_NOTE))
    return events


EVENT_FIELDS = ("route", "actor", "from_status", "to_status", "comment", "at")


@lru_cache(maxsize=16384)
def _stamp(day: date, step: int) -> str:
    return copy_text(_moment(day, step))


def _insert_events(rows: list[tuple[int, str, str, date, int, str]], actor_id: int | None) -> None:
    """The status changes (route id, from, to, day, step, comment): six or more per route, the most
    rows of an import, so on PostgreSQL each line is formatted at once, not value by value (the
    statuses are plain values, the comments few and encoded once, the moments once per day)."""
    if not uses_copy():
        insert_tuples(
            RouteEvent,
            EVENT_FIELDS,
            ((pk, actor_id, old, new, note, _moment(day, step)) for pk, old, new, day, step, note in rows),
        )
        return
    actor = copy_text(actor_id)
    notes = {note: copy_text(note) for note in {row[5] for row in rows}}
    insert_texts(
        RouteEvent,
        EVENT_FIELDS,
        (
            f"{pk}\t{actor}\t{old}\t{new}\t{notes[note]}\t{_stamp(day, step)}"
            for pk, old, new, day, step, note in rows
        ),
    )


def _entry_for(r: _Route, entries: dict[int, list[tuple[date, int]]]) -> int | None:
    """The latest final entry diagnostics of the teacher up to the route's creation."""
    best = None
    for day, pk in entries.get(r.person_id, []):
        if day <= r.created:
            best = pk
    return best


def _write_routes(routes: list[_Route], entries: dict, actor, region_id: int) -> int:
    """The routes, then their status changes, reviews and activities; returns how many routes have
    no entry diagnostics (stored, but not counted by the indicators)."""
    if not routes:
        return 0
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    links = {(r.person_id, r.year): _entry_for(r, entries) for r in routes}
    snapshots = _diagnostics_snapshots({pk for pk in links.values() if pk}, region_id)
    profiles = _profiles(routes, region_id)
    now = timezone.now()
    route_rows, event_rows, review_rows, activity_rows = [], [], [], []
    for r, pk in zip(routes, reserve_ids(Route, len(routes)), strict=True):
        entry = links[(r.person_id, r.year)]
        events = _events(r)
        route_rows.append(
            (
                pk,
                r.person_id,
                r.year,
                r.organization_id,
                entry,
                events[-1][1],
                r.verdict,
                profiles.get((r.person_id, r.year), {}),
                snapshots.get(entry, []) if entry else [],
                _moment(r.created),
                now,
                _moment(r.submitted, 1) if r.submitted else None,
                _moment(r.approved, 4) if r.approved else None,
                _moment(r.completed, 7) if r.completed else None,
            )
        )
        event_rows.extend((pk, *event) for event in events)
        if r.reviewed:
            review_rows.append((pk, r.curator_id, r.verdict, _moment(r.reviewed, 2)))
        for n, activity in enumerate(r.activities, 1):
            activity_rows.append((pk, n, *activity))
    # In the order the rows refer to each other: a route before its events, reviews and activities.
    insert_tuples(
        Route,
        ("id", "teacher", "academic_year", "organization", "entry_attempt", "status", "verdict")
        + ("profile_snapshot", "diagnostics_snapshot", "created_at", "updated_at", "submitted_at")
        + ("approved_at", "completed_at"),
        route_rows,
    )
    _insert_events(event_rows, actor_id)
    insert_tuples(
        RouteReview,
        ("route", "curator", "verdict", "created_at", "comment"),
        (row + (HISTORY_NOTE,) for row in review_rows),
    )
    insert_tuples(RouteActivity, ("route", "order", *ACTIVITY_FIELDS), activity_rows)
    return sum(1 for pk in links.values() if pk is None)


# --- The template -------------------------------------------------------------------------------

HELP = (
    "Как заполнять",
    [
        "Загрузка истории: результаты диагностики и ИОМ прошлых лет с их датами. Каждое событие сохраняется "
        "с датой, когда оно произошло, и учитывается в показателях того периода.",
        "Любой лист можно не заполнять (или удалить), но хотя бы один должен быть. Первая строка — заголовки.",
        "Педагог находится по e-mail, без него — по ФИО в указанной организации или по ФИО, единственному в регионе. "
        "Сначала загрузите реестр педагогов и структуру региона.",
        "«Организация» — организация на момент события (где проходили диагностику, где создан ИОМ).",
        "Диагностика: одна строка — один блок; строки одного педагога, одной работы и одной даты "
        "составляют одну попытку. «Диагностика» — код или название работы в портале (внешнюю диагностику, "
        "например ФИОКО, заведите в портале как работу с её блоками), «Источник» — кто проводил.",
        "ИОМ: даты в виде ДД.ММ.ГГГГ, каждая не раньше предыдущей: создан ≤ подан ≤ рассмотрен ≤ утверждён ≤ "
        "завершён. Заключение куратора: "
        + ", ".join(f"«{lbl}»" for _, lbl in Verdict.choices)
        + "; куратор — "
        "e-mail или ФИО. Входной диагностикой ИОМ считается последняя входная диагностика педагога не позднее "
        "даты создания (с листа «Диагностика» или уже загруженная).",
        "Мероприятия ИОМ: педагог и учебный год указывают ИОМ с листа «ИОМ». Вид: "
        + ", ".join(f"«{lbl}»" for _, lbl in ActivityKind.choices)
        + ". Уровень: "
        + ", ".join(f"«{lbl}»" for _, lbl in ActivityLevel.choices)
        + ". Выполнение: "
        + ", ".join(f"«{lbl}»" for _, lbl in ActivityOutcome.choices)
        + ".",
        "Если хотя бы в одной строке ошибка, ничего не записывается; повторная загрузка того же файла ничего не "
        "добавляет.",
    ],
)


def history_template() -> bytes:
    from cnppm.xlsx import new_workbook

    wb = new_workbook()
    wb.remove(wb.active)
    for title, columns in SHEETS.items():
        _styled_header(wb.create_sheet(title), columns, [20 if len(c) < 12 else 26 for c in columns])
    ws = wb.create_sheet(HELP[0])
    ws.column_dimensions["A"].width = 140
    for line in HELP[1]:
        ws.append([line])
    return _save(wb)
