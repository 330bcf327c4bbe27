"""Imports of the staff directory (openpyxl): the roster of people and the structure of the region
(municipalities, organizations, official headcounts).

Each import runs in two phases. First the whole file is read (openpyxl read-only mode) and every row
is validated in memory against lookups fetched up front (no per-row queries); all errors are
collected with row number and column. Only if there is none are the rows written, in batches
(bulk_create / bulk_update), inside one transaction, with an event row. A file-level problem (not an
XLSX, broken, too large, missing columns) raises `DomainError`; nothing is written in either case.

Accounts. A new account gets no password hash at import time: hashing a password with the default
hasher (PBKDF2, about 0.2 s each here) would take hours for a region of 100 000 teachers and minutes
even for a school list. Instead the account is created with an unusable password and
`must_change_password=True`, and the credentials XLSX carries a one-time activation link (an HMAC
token, like Django's password-reset token, valid `ACCOUNT_ACTIVATION_DAYS`, void once the password
is set). Following it, the person sets their own password, hashed with the default hasher; nobody
else ever sees it. The link can be issued again at any time until the account is activated.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, int_to_base36

from cnppm.russian import with_number

from . import access
from .choices import Education, MunicipalityKind, OrganizationKind, QualificationCategory, Role, SupportKind
from .models import Municipality, Organization, Person, ReferenceStatistic, Region, RoleAssignment, Subject
from .services import DomainError, event_record

BATCH = 2000

# --- Columns --------------------------------------------------------------------------------------

ROSTER_COLUMNS = (
    "Муниципалитет",
    "Организация",
    "Фамилия",
    "Имя",
    "Отчество",
    "Email",
    "Должность",
    "Образование",
    "Педагогический стаж",
    "Квалификационная категория",
    "Предметы",
    "Роль",
)
ROSTER_SHEET = "Реестр"

STRUCTURE_SHEETS: dict[str, tuple[str, ...]] = {
    "Муниципалитеты": ("Код", "Название", "Вид"),
    "Организации": ("Муниципалитет", "Краткое наименование", "Полное наименование", "Тип", "ШНОР"),
    "Статистика": (
        "Муниципалитет",
        "Год",
        "Педагогов всего",
        "Учителей школ",
        "Общеобразовательных организаций",
        "Организаций доп. образования",
        "Организаций СПО",
    ),
}
STAT_FIELDS = {
    "Педагогов всего": "teachers_total",
    "Учителей школ": "school_teachers_total",
    "Общеобразовательных организаций": "schools_total",
    "Организаций доп. образования": "additional_total",
    "Организаций СПО": "vocational_total",
}


def norm(value) -> str:
    """A cell or a name as a comparable key: trimmed, lower case, ё as е, single spaces."""
    return " ".join(str(value or "").split()).lower().replace("ё", "е")


def _choice_map(choices, extra: dict[str, str]) -> dict[str, str]:
    mapping = {norm(label): value for value, label in choices}
    mapping.update({norm(value): value for value, _ in choices})
    mapping.update({norm(k): v for k, v in extra.items()})
    return mapping


EDUCATION_MAP = _choice_map(
    Education.choices,
    {
        "высшее профессиональное": Education.HIGHER,
        "высшее педагогическое": Education.HIGHER,
        "спо": Education.SECONDARY_VOCATIONAL,
        "среднее специальное": Education.SECONDARY_VOCATIONAL,
        "среднее профессиональное педагогическое": Education.SECONDARY_VOCATIONAL,
    },
)
CATEGORY_MAP = _choice_map(
    QualificationCategory.choices,
    {
        "высшая категория": QualificationCategory.HIGHEST,
        "первая категория": QualificationCategory.FIRST,
        "соответствие": QualificationCategory.CONFORMITY,
        "соответствие должности": QualificationCategory.CONFORMITY,
        "сзд": QualificationCategory.CONFORMITY,
        "нет": QualificationCategory.NONE,
        "без категории": QualificationCategory.NONE,
        "": QualificationCategory.NONE,
    },
)
ROLE_MAP = _choice_map(
    Role.choices,
    {
        "учитель": Role.TEACHER,
        "педагогический работник": Role.TEACHER,
        "директор": Role.SCHOOL_HEAD,
        "руководитель": Role.SCHOOL_HEAD,
        "руководитель оо": Role.SCHOOL_HEAD,
        "ммс": Role.MUNICIPAL_METHODIST,
        "методист ммс": Role.MUNICIPAL_METHODIST,
        "муниципальный методист": Role.MUNICIPAL_METHODIST,
        "куратор": Role.CURATOR,
        "оператор": Role.OPERATOR,
        "министерство": Role.MINISTRY,
        "федеральный уровень": Role.FEDERAL,  # named only to be refused (roster_import)
    },
)
MUNICIPALITY_KIND_MAP = _choice_map(
    MunicipalityKind.choices,
    {
        "го": MunicipalityKind.CITY_OKRUG,
        "мо": MunicipalityKind.MUNICIPAL_OKRUG,
        "гоо": MunicipalityKind.REGIONAL_STATE,
    },
)
ORGANIZATION_KIND_MAP = _choice_map(
    OrganizationKind.choices,
    {
        "школа": OrganizationKind.SCHOOL,
        "оо": OrganizationKind.SCHOOL,
        "общеобразовательная": OrganizationKind.SCHOOL,
        "дополнительное образование": OrganizationKind.ADDITIONAL,
        "до": OrganizationKind.ADDITIONAL,
        "спо": OrganizationKind.VOCATIONAL,
        "ммс": OrganizationKind.METHODICAL_SERVICE,
        "цнппм": OrganizationKind.CENTRE,
    },
)
YES = {"да", "1", "true", "yes", "+", "x", "х"}
NO = {"", "нет", "0", "false", "no", "-"}


# --- Reports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = f"лист «{self.sheet}», " if self.sheet else ""
        return f"{where}строка {self.row}, столбец «{self.column}»: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did. `errors` non-empty means nothing was written."""

    kind: str
    dry_run: bool = False
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_created: int = 0
    details: dict[str, int] = field(default_factory=dict)
    new_user_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"Найдено ошибок: {len(self.errors)}. Ничего не записано."
        verb = "будет" if self.dry_run else ""
        parts = [f"строк: {self.rows}"]
        if self.kind == "roster":
            parts += [
                f"{verb} создано карточек: {self.created}".strip(),
                f"{verb} обновлено: {self.updated}".strip(),
                f"без изменений: {self.unchanged}",
                f"{verb} создано учётных записей: {self.accounts_created}".strip(),
            ]
        else:
            parts += [f"{label}: {n}" for label, n in self.details.items()]
        prefix = "Проверка прошла успешно, ничего не записано" if self.dry_run else "Импорт выполнен"
        return f"{prefix}: " + ", ".join(parts) + "."


# --- Reading --------------------------------------------------------------------------------------


def open_workbook(file):
    """Open an uploaded or local XLSX with the one bounded reader (size, zip and sheet limits)."""
    from .spreadsheets import open_workbook as open_bounded

    return open_bounded(file)


def _cell(value) -> str:
    if type(value) is str:  # most cells: one test, not four (imports read hundreds of thousands)
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, int):
        return str(value)
    return " ".join(str(value).split())


def _read_sheet(ws, columns: tuple[str, ...], sheet_label: str = "") -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: text}) for each non-empty data row; the first row is the header."""
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise DomainError(
            f"{sheet_label or 'Лист'}: нет строки заголовков. Используйте шаблон.", code="no_header"
        )
    positions: dict[str, int] = {}
    for i, title in enumerate(header):
        key = norm(title)
        if key and key not in positions:
            positions[key] = i
    missing = [c for c in columns if norm(c) not in positions]
    if missing:
        where = f"На листе «{sheet_label}» нет" if sheet_label else "В файле нет"
        raise DomainError(
            f"{where} обязательных столбцов: {', '.join(missing)}. Используйте шаблон: первая строка — "
            "заголовки столбцов.",
            code="missing_columns",
        )
    index = [positions[norm(c)] for c in columns]
    width = max(index) + 1
    pick = itemgetter(*index) if len(index) > 1 else (lambda values: (values[index[0]],))
    for number, values in enumerate(rows, start=2):
        if values is None:
            continue
        if len(values) < width:
            values = (*values, *(None,) * (width - len(values)))
        cells = list(map(_cell, pick(values)))
        if any(cells):
            yield number, dict(zip(columns, cells, strict=True))


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;,\n]", text) if p.strip()]


def _int_or_error(text: str, *, low: int, high: int) -> int | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"\d+", text):
        raise ValueError
    value = int(text)
    if not low <= value <= high:
        raise ValueError
    return value


def _resolve_region(actor, region: Region | None) -> Region:
    """The region an import writes into. A person importing: the region they named if it is theirs,
    else their only region (`access.write_region`; several regions must choose, never "the first").
    A management command (no actor): the region named, else the portal's only region."""
    if actor is not None and getattr(actor, "pk", None):
        if region is not None and region.pk not in access.region_ids_for_write(actor):
            raise DomainError("Регион не найден среди ваших регионов.", code="not_found")
        return region or access.write_region(actor)
    if region is not None:
        return region
    regions = list(Region.objects.all()[:2])
    if len(regions) == 1:
        return regions[0]
    if not regions:
        raise DomainError("В портале ещё нет региона: создайте его в администрировании.", code="no_region")
    raise DomainError("В портале несколько регионов: укажите, в какой загружать данные.", code="many_regions")


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- Roster ---------------------------------------------------------------------------------------

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def _translit(text: str) -> str:
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]", "", out.replace("-", ""))


def _username_base(last: str, first: str, middle: str) -> str:
    initials = "".join(_translit(p)[:1] for p in (first, middle) if p)
    base = _translit(last) or "user"
    return f"{base[:20]}.{initials}" if initials else base[:20]


@dataclass
class _RosterRow:
    number: int
    organization: Organization
    last_name: str
    first_name: str
    middle_name: str
    email: str
    position: str
    education: str
    experience_years: int | None
    qualification_category: str
    subject_ids: set[int]
    roles: list[str]

    @property
    def name_key(self) -> tuple:
        return (self.organization.pk, norm(self.last_name), norm(self.first_name), norm(self.middle_name))


PERSON_FIELDS = (
    "organization_id",
    "last_name",
    "first_name",
    "middle_name",
    "email",
    "position",
    "education",
    "experience_years",
    "qualification_category",
    "is_manager",
)


def roster_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Import a roster XLSX (columns ROSTER_COLUMNS). Validates every row first; writes nothing when a
    row is invalid. Matches existing people by e-mail, else by full name and organization, so a
    re-import creates no duplicates. New people get an account with `must_change_password=True`."""
    region = _resolve_region(actor, region)
    wb = open_workbook(file)
    try:
        ws = wb[ROSTER_SHEET] if ROSTER_SHEET in wb.sheetnames else wb.worksheets[0]
        report = ImportReport(kind="roster", dry_run=dry_run)
        rows = _roster_validate(ws, region, report)
    finally:
        wb.close()
    if report.errors or not rows:
        if not rows and not report.errors:
            raise DomainError("В файле нет ни одной строки с данными.", code="no_rows")
        return report
    with transaction.atomic():
        _roster_write(rows, region, report, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
        else:
            event_record(
                actor=actor,
                target=region,
                verb="roster_imported",
                new=report.summary(),
                comment=filename[:200],
            )
    return report


def _roster_validate(ws, region: Region, report: ImportReport) -> list[_RosterRow]:
    municipalities = {}
    for m in Municipality.objects.filter(region=region):
        municipalities[norm(m.name)] = m
        municipalities.setdefault(norm(m.code), m)
    organizations: dict[tuple[int, str], Organization] = {}
    for o in Organization.objects.filter(municipality__region=region):
        organizations[(o.municipality_id, norm(o.short_name))] = o
        organizations.setdefault((o.municipality_id, norm(o.full_name)), o)
    subjects = {}
    for s in Subject.objects.all():
        subjects[norm(s.name)] = s.pk
        subjects.setdefault(norm(s.code), s.pk)

    rows: list[_RosterRow] = []
    seen_emails: dict[str, int] = {}
    seen_names: dict[tuple, int] = {}
    errors = report.errors

    for number, raw in _read_sheet(ws, ROSTER_COLUMNS):
        report.rows += 1
        bad = False

        def error(column: str, message: str, number=number) -> None:
            nonlocal bad
            bad = True
            errors.append(RowError(number, column, message))

        municipality = municipalities.get(norm(raw["Муниципалитет"]))
        organization = None
        if not raw["Муниципалитет"]:
            error("Муниципалитет", "не заполнено")
        elif municipality is None:
            error("Муниципалитет", f"«{raw['Муниципалитет']}» нет в справочнике региона {region.name}")
        if not raw["Организация"]:
            error("Организация", "не заполнено")
        elif municipality is not None:
            organization = organizations.get((municipality.pk, norm(raw["Организация"])))
            if organization is None:
                error(
                    "Организация",
                    f"«{raw['Организация']}» не найдена в муниципалитете «{municipality.name}»; "
                    "сначала загрузите её импортом структуры",
                )
        for column in ("Фамилия", "Имя"):
            if not raw[column]:
                error(column, "не заполнено")
            elif len(raw[column]) > 100:
                error(column, "длиннее 100 символов")
        if len(raw["Отчество"]) > 100:
            error("Отчество", "длиннее 100 символов")
        email = raw["Email"].lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                error("Email", f"«{raw['Email']}» не похож на адрес электронной почты")
            else:
                if email in seen_emails:
                    error("Email", f"{raw['Email']} уже указан в строке {seen_emails[email]}")
                else:
                    seen_emails[email] = number
        if len(raw["Должность"]) > 200:
            error("Должность", "длиннее 200 символов")
        education = ""
        if raw["Образование"]:
            education = EDUCATION_MAP.get(norm(raw["Образование"]), "")
            if not education:
                error(
                    "Образование",
                    f"«{raw['Образование']}»: допустимо «высшее», «среднее профессиональное», «иное»",
                )
        experience = None
        if raw["Педагогический стаж"]:
            try:
                experience = _int_or_error(raw["Педагогический стаж"], low=0, high=70)
            except ValueError:
                error(
                    "Педагогический стаж", f"«{raw['Педагогический стаж']}»: нужно целое число лет от 0 до 70"
                )
        category = CATEGORY_MAP.get(norm(raw["Квалификационная категория"]))
        if category is None:
            error(
                "Квалификационная категория",
                f"«{raw['Квалификационная категория']}»: допустимо «высшая», «первая», "
                "«соответствие занимаемой должности», «без категории»",
            )
        subject_ids = set()
        for name in _split_list(raw["Предметы"]):
            pk = subjects.get(norm(name))
            if pk is None:
                error("Предметы", f"«{name}» нет в справочнике предметных областей")
            else:
                subject_ids.add(pk)
        roles = []
        for name in _split_list(raw["Роль"]) or ["педагог"]:
            role = ROLE_MAP.get(norm(name))
            if role is None:
                error(
                    "Роль",
                    f"«{name}»: неизвестная роль; допустимо: "
                    + ", ".join(str(lbl) for value, lbl in Role.choices if value != Role.FEDERAL),
                )
            elif role == Role.FEDERAL:
                # A region's roster never grants a view across every region (issue 10.3).
                error("Роль", f"«{name}»: федеральный уровень назначается только в администрировании портала")
            elif role not in roles:
                roles.append(role)
        if bad:
            continue
        row = _RosterRow(
            number=number,
            organization=organization,
            last_name=raw["Фамилия"],
            first_name=raw["Имя"],
            middle_name=raw["Отчество"],
            email=email,
            position=raw["Должность"],
            education=education,
            experience_years=experience,
            qualification_category=category,
            subject_ids=subject_ids,
            roles=roles,
        )
        if row.name_key in seen_names and not email:
            errors.append(
                RowError(
                    number,
                    "Фамилия",
                    f"этот человек этой организации уже указан в строке {seen_names[row.name_key]}",
                )
            )
            continue
        seen_names.setdefault(row.name_key, number)
        rows.append(row)
    return rows


def _roster_write(rows: list[_RosterRow], region: Region, report: ImportReport, *, dry_run: bool) -> None:
    User = get_user_model()
    now = timezone.now()
    org_ids = {r.organization.pk for r in rows}
    emails = [r.email for r in rows if r.email]

    # Existing people that may match: those of the organizations in the file, and anyone with one of
    # the file's e-mails (e-mails are unique across the portal, a person may have moved).
    existing: dict[int, Person] = {
        p.pk: p
        for p in Person.objects.filter(organization_id__in=org_ids).only("pk", "user_id", *PERSON_FIELDS)
    }
    by_email = {p.email.lower(): p for p in existing.values() if p.email}
    wanted = set(emails) - set(by_email)
    if wanted:  # one scan of the e-mails, compared case-insensitively in memory
        elsewhere = [
            pk
            for pk, email in Person.objects.exclude(email="").values_list("pk", "email")
            if email.lower() in wanted
        ]
        for chunk in _chunks(elsewhere):
            for p in Person.objects.filter(pk__in=chunk).only("pk", "user_id", *PERSON_FIELDS):
                existing[p.pk] = p
                by_email[p.email.lower()] = p
    by_name: dict[tuple, Person] = {}
    for p in existing.values():
        key = (p.organization_id, norm(p.last_name), norm(p.first_name), norm(p.middle_name))
        by_name.setdefault(key, p)
    wanted = set(emails)
    users_by_email = {
        email.lower(): pk
        for pk, email in User.objects.exclude(email="").values_list("pk", "email")
        if email.lower() in wanted
    }

    matched: dict[int, int] = {}  # row number → person pk
    creates: list[tuple[_RosterRow, Person]] = []
    updates: list[Person] = []
    claimed: set[int] = set()
    for r in rows:
        person = by_email.get(r.email) if r.email else None
        if person is None:
            candidate = by_name.get(r.name_key)
            if candidate is not None and (
                not r.email or not candidate.email or candidate.email.lower() == r.email
            ):
                person = candidate
        if person is not None and person.pk in claimed:
            report.errors.append(
                RowError(r.number, "Фамилия", "эта строка и другая строка файла относятся к одному человеку")
            )
            continue
        if (
            r.email
            and r.email in users_by_email
            and (person is None or person.user_id != users_by_email[r.email])
        ):
            report.errors.append(
                RowError(r.number, "Email", f"{r.email} уже занят другой учётной записью портала")
            )
            continue
        values = {
            "organization_id": r.organization.pk,
            "last_name": r.last_name,
            "first_name": r.first_name,
            "middle_name": r.middle_name,
            "email": r.email or (person.email if person else ""),
            "position": r.position,
            "education": r.education,
            "experience_years": r.experience_years,
            "qualification_category": r.qualification_category,
            "is_manager": Role.SCHOOL_HEAD in r.roles or (person.is_manager if person else False),
        }
        if person is None:
            creates.append((r, Person(**values, created_at=now, updated_at=now)))
            continue
        claimed.add(person.pk)
        matched[r.number] = person.pk
        changed = [f for f, v in values.items() if getattr(person, f) != v]
        if changed:
            for f in changed:
                setattr(person, f, values[f])
            person.updated_at = now
            updates.append(person)
        else:
            report.unchanged += 1
    if report.errors:
        return

    # Accounts for new people and for matched people who have none yet.
    taken = {u.lower() for u in User.objects.values_list("username", flat=True)}
    new_users: list = []
    owners: list[Person] = []

    next_suffix: dict[str, int] = {}

    def new_user(person: Person) -> None:
        base = _username_base(person.last_name, person.first_name, person.middle_name)
        n = next_suffix.get(base, 1)  # namesakes are common: continue from the last number used
        username = base if n == 1 else f"{base}{n}"
        while username in taken:
            n += 1
            username = f"{base}{n}"
        next_suffix[base] = n
        taken.add(username)
        new_users.append(
            User(
                username=username,
                email=person.email,
                first_name=person.first_name[:150],
                last_name=person.last_name[:150],
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                must_change_password=True,
                date_joined=now,
            )
        )
        owners.append(person)

    for _, person in creates:
        new_user(person)
    for person in updates:
        if person.user_id is None:
            new_user(person)
    updated_ids = {p.pk for p in updates}
    unchanged_without_user = [
        existing[pk] for pk in matched.values() if existing[pk].user_id is None and pk not in updated_ids
    ]
    for person in unchanged_without_user:
        new_user(person)

    _insert(User, new_users)
    ids = dict(User.objects.filter(date_joined=now, must_change_password=True).values_list("username", "pk"))
    for u in new_users:
        u.pk = u.id = ids[u.username]
    for person, user in zip(owners, new_users, strict=True):
        person.user_id = user.pk
    report.accounts_created = len(new_users)
    report.new_user_ids = [u.pk for u in new_users]

    new_people = [p for _, p in creates]
    _insert(Person, new_people)
    ids = dict(Person.objects.filter(created_at=now).values_list("user_id", "pk"))
    for p in new_people:
        p.pk = p.id = ids[p.user_id]
    for r, person in creates:
        matched[r.number] = person.pk
    to_save = updates + unchanged_without_user
    Person.objects.bulk_update(to_save, [*PERSON_FIELDS, "user_id", "updated_at"], batch_size=BATCH)
    report.created = len(creates)
    report.updated = len(updates)

    _roster_write_roles(rows, matched, region)
    # A changed subject list (the person's, or the areas a curator or tutor supports) is an update too:
    # the summary counts people whose anything changed, once each.
    subjects_changed = _roster_write_subjects(rows, matched) | _roster_write_support_subjects(rows, matched)
    newly_updated = (subjects_changed & claimed) - updated_ids
    report.updated += len(newly_updated)
    report.unchanged -= len(newly_updated)


def _insert(model, objs: list) -> None:
    """Insert many new rows with one prepared statement (executemany), in batches. Django's
    bulk_create is bound by SQLite's 999-parameter limit (about 60 people per INSERT) and prepares
    every value; here only dates are converted (auto_now fields filled). Ids are not returned: callers read them back by a
    key they set (the import's timestamp). No signals are sent, as with bulk_create."""
    if not objs:
        return
    from django.db import connection
    from django.db.models import DateField

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    convert = [isinstance(f, DateField) for f in fields]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    rows = [
        tuple(
            _db_date(f, obj, connection) if conv else getattr(obj, f.attname)
            for f, conv in zip(fields, convert, strict=True)
        )
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def _db_date(field, obj, connection):
    value = getattr(obj, field.attname)
    if value is None:  # auto_now / auto_now_add not set by the caller
        value = field.pre_save(obj, True)
    return field.get_db_prep_save(value, connection)


def _role_scope(role: str, organization: Organization, region: Region) -> dict:
    if role == Role.SCHOOL_HEAD:
        return {"organization_id": organization.pk}
    if role == Role.MUNICIPAL_METHODIST:
        return {"municipality_id": organization.municipality_id}
    if role in (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY):
        return {"region_id": region.pk}
    return {}


def _support_kind(role: str, organization: Organization) -> str:
    if role not in (Role.CURATOR, Role.TUTOR):
        return ""
    if organization.kind == OrganizationKind.CENTRE:
        return SupportKind.CENTRE_STAFF
    return SupportKind.MUNICIPAL


def _roster_write_roles(rows: list[_RosterRow], matched: dict[int, int], region: Region) -> None:
    person_ids = list(matched.values())
    have = set()
    for chunk in _chunks(person_ids):
        have.update(
            RoleAssignment.objects.filter(person_id__in=chunk).values_list(
                "person_id", "role", "organization_id", "municipality_id", "region_id"
            )
        )
    new = []
    for r in rows:
        pid = matched[r.number]
        for role in r.roles:
            scope = _role_scope(role, r.organization, region)
            key = (
                pid,
                role,
                scope.get("organization_id"),
                scope.get("municipality_id"),
                scope.get("region_id"),
            )
            if key in have:
                continue
            have.add(key)
            new.append(
                RoleAssignment(
                    person_id=pid, role=role, support_kind=_support_kind(role, r.organization), **scope
                )
            )
    _insert(RoleAssignment, new)


def _roster_write_subjects(rows: list[_RosterRow], matched: dict[int, int]) -> set[int]:
    """Subjects given in the file replace the person's subjects; an empty cell leaves them as they are.
    Returns the ids of the people whose subjects changed."""
    Through = Person.subjects.through
    wanted = {matched[r.number]: r.subject_ids for r in rows if r.subject_ids}
    current: dict[int, dict[int, int]] = defaultdict(dict)
    ids = list(wanted)
    for chunk in _chunks(ids):
        for pk, person_id, subject_id in Through.objects.filter(person_id__in=chunk).values_list(
            "pk", "person_id", "subject_id"
        ):
            current[person_id][subject_id] = pk
    to_delete, to_add = [], []
    changed: set[int] = set()
    for person_id, subject_ids in wanted.items():
        have = current.get(person_id, {})
        gone = [pk for sid, pk in have.items() if sid not in subject_ids]
        added = [Through(person_id=person_id, subject_id=sid) for sid in subject_ids if sid not in have]
        if gone or added:
            changed.add(person_id)
        to_delete += gone
        to_add += added
    for chunk in _chunks(to_delete):
        Through.objects.filter(pk__in=chunk).delete()
    _insert(Through, to_add)
    return changed


def _roster_write_support_subjects(rows: list[_RosterRow], matched: dict[int, int]) -> set[int]:
    """For curators and tutors the file's subjects are also the areas they support (their role's
    subjects, which the assignment matches against): a re-import replaces them; an empty cell leaves
    them. Returns the ids of the people whose supported areas changed."""
    support_roles = (Role.CURATOR, Role.TUTOR)
    wanted = {
        matched[r.number]: r.subject_ids
        for r in rows
        if r.subject_ids and any(role in support_roles for role in r.roles)
    }
    Through = RoleAssignment.subjects.through
    assignments: dict[int, int] = {}  # role assignment → person
    current: dict[int, dict[int, int]] = defaultdict(dict)  # role assignment → subject → through pk
    for chunk in _chunks(list(wanted)):
        assignments.update(
            RoleAssignment.objects.filter(person_id__in=chunk, role__in=support_roles).values_list(
                "pk", "person_id"
            )
        )
    for chunk in _chunks(list(assignments)):
        for pk, ra_id, subject_id in Through.objects.filter(roleassignment_id__in=chunk).values_list(
            "pk", "roleassignment_id", "subject_id"
        ):
            current[ra_id][subject_id] = pk
    to_delete, to_add, changed = [], [], set()
    for ra_id, person_id in assignments.items():
        subject_ids = wanted[person_id]
        have = current.get(ra_id, {})
        gone = [pk for sid, pk in have.items() if sid not in subject_ids]
        added = [Through(roleassignment_id=ra_id, subject_id=sid) for sid in subject_ids if sid not in have]
        if gone or added:
            changed.add(person_id)
        to_delete += gone
        to_add += added
    for chunk in _chunks(to_delete):
        Through.objects.filter(pk__in=chunk).delete()
    _insert(Through, to_add)
    return changed


# --- Structure ------------------------------------------------------------------------------------


def structure_import(
    *, actor, file, region: Region | None = None, dry_run: bool = False, filename: str = ""
) -> ImportReport:
    """Import municipalities, organizations and official headcounts (sheets STRUCTURE_SHEETS; any may
    be absent, at least one present). Upserts by municipality code or name, organization short name
    within its municipality, and (municipality, year)."""
    region = _resolve_region(actor, region)
    wb = open_workbook(file)
    report = ImportReport(kind="structure", dry_run=dry_run)
    try:
        sheets = {norm(name): name for name in wb.sheetnames}
        present = {title: wb[sheets[norm(title)]] for title in STRUCTURE_SHEETS if norm(title) in sheets}
        if not present:
            raise DomainError(
                "В файле нет ни одного из листов: "
                + ", ".join(f"«{t}»" for t in STRUCTURE_SHEETS)
                + ". Используйте шаблон.",
                code="missing_sheets",
            )
        data = {title: list(_read_sheet(ws, STRUCTURE_SHEETS[title], title)) for title, ws in present.items()}
    finally:
        wb.close()
    report.rows = sum(len(v) for v in data.values())
    if not report.rows:
        raise DomainError("В файле нет ни одной строки с данными.", code="no_rows")
    plan = _structure_validate(data, region, report)
    if report.errors:
        return report
    with transaction.atomic():
        _structure_write(plan, region, report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            event_record(
                actor=actor,
                target=region,
                verb="structure_imported",
                new=report.summary(),
                comment=filename[:200],
            )
    return report


@dataclass
class _StructurePlan:
    municipalities: list[dict] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    statistics: list[dict] = field(default_factory=list)


def _structure_validate(data: dict, region: Region, report: ImportReport) -> _StructurePlan:
    plan = _StructurePlan()
    known: dict[str, str] = {}  # norm(name or code) → municipality key (its code)
    for m in Municipality.objects.filter(region=region):
        known[norm(m.name)] = m.code
        known[norm(m.code)] = m.code
    other_codes = set(Municipality.objects.exclude(region=region).values_list("code", flat=True))

    def err(sheet, row, column, message):
        report.errors.append(RowError(row, column, message, sheet=sheet))

    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for number, raw in data.get("Муниципалитеты", []):
        s = "Муниципалитеты"
        bad = False
        code, name = raw["Код"], raw["Название"]
        kind = MUNICIPALITY_KIND_MAP.get(norm(raw["Вид"]))
        for column, value, limit in (("Код", code, 40), ("Название", name, 200)):
            if not value:
                err(s, number, column, "не заполнено")
                bad = True
            elif len(value) > limit:
                err(s, number, column, f"длиннее {limit} символов")
                bad = True
        if kind is None:
            err(
                s,
                number,
                "Вид",
                f"«{raw['Вид']}»: допустимо " + ", ".join(f"«{lbl}»" for _, lbl in MunicipalityKind.choices),
            )
            bad = True
        if code in other_codes:
            err(s, number, "Код", f"код {code} уже занят муниципалитетом другого региона")
            bad = True
        if code and norm(code) in seen_codes:
            err(s, number, "Код", f"код {code} уже указан в строке {seen_codes[norm(code)]}")
            bad = True
        if name and norm(name) in seen_names:
            err(s, number, "Название", f"«{name}» уже указан в строке {seen_names[norm(name)]}")
            bad = True
        if not bad and norm(name) in known and norm(code) in known and known[norm(name)] != known[norm(code)]:
            err(
                s, number, "Название", f"«{name}» уже есть в справочнике с другим кодом ({known[norm(name)]})"
            )
            bad = True
        if bad:
            continue
        seen_codes[norm(code)] = number
        seen_names[norm(name)] = number
        # An existing municipality is found by code, else by name (then its code is kept).
        existing_code = known.get(norm(code)) or known.get(norm(name))
        plan.municipalities.append(
            {"code": existing_code or code, "new_code": code, "name": name, "kind": kind}
        )
        known[norm(name)] = existing_code or code
        known[norm(code)] = existing_code or code

    seen_orgs: dict[tuple, int] = {}
    for number, raw in data.get("Организации", []):
        s = "Организации"
        bad = False
        muni = known.get(norm(raw["Муниципалитет"]))
        if not raw["Муниципалитет"]:
            err(s, number, "Муниципалитет", "не заполнено")
            bad = True
        elif muni is None:
            err(
                s,
                number,
                "Муниципалитет",
                f"«{raw['Муниципалитет']}» нет ни в справочнике, ни на листе «Муниципалитеты»",
            )
            bad = True
        short, full = raw["Краткое наименование"], raw["Полное наименование"] or raw["Краткое наименование"]
        if not short:
            err(s, number, "Краткое наименование", "не заполнено")
            bad = True
        elif len(short) > 200:
            err(s, number, "Краткое наименование", "длиннее 200 символов")
            bad = True
        if len(full) > 500:
            err(s, number, "Полное наименование", "длиннее 500 символов")
            bad = True
        kind = ORGANIZATION_KIND_MAP.get(norm(raw["Тип"]))
        if kind is None:
            err(
                s,
                number,
                "Тип",
                f"«{raw['Тип']}»: допустимо " + ", ".join(f"«{lbl}»" for _, lbl in OrganizationKind.choices),
            )
            bad = True
        low = norm(raw["ШНОР"])
        if low not in YES | NO:
            err(s, number, "ШНОР", f"«{raw['ШНОР']}»: укажите «да» или «нет»")
            bad = True
        key = (muni, norm(short))
        if not bad and key in seen_orgs:
            err(s, number, "Краткое наименование", f"«{short}» уже указана в строке {seen_orgs[key]}")
            bad = True
        if bad:
            continue
        seen_orgs[key] = number
        plan.organizations.append(
            {
                "municipality": muni,
                "short_name": short,
                "full_name": full,
                "kind": kind,
                "low_results": low in YES,
            }
        )

    seen_stats: dict[tuple, int] = {}
    this_year = timezone.localdate().year
    for number, raw in data.get("Статистика", []):
        s = "Статистика"
        bad = False
        muni = known.get(norm(raw["Муниципалитет"]))
        if not raw["Муниципалитет"]:
            err(s, number, "Муниципалитет", "не заполнено")
            bad = True
        elif muni is None:
            err(
                s,
                number,
                "Муниципалитет",
                f"«{raw['Муниципалитет']}» нет ни в справочнике, ни на листе «Муниципалитеты»",
            )
            bad = True
        year = None
        try:
            year = _int_or_error(raw["Год"], low=2000, high=this_year + 1)
        except ValueError:
            err(s, number, "Год", f"«{raw['Год']}»: нужен год от 2000 до {this_year + 1}")
            bad = True
        values = {}
        for column, fname in STAT_FIELDS.items():
            if not raw[column]:
                values[fname] = None
                continue
            try:
                values[fname] = _int_or_error(raw[column], low=0, high=10_000_000)
            except ValueError:
                err(s, number, column, f"«{raw[column]}»: нужно целое неотрицательное число")
                bad = True
        if not bad and (muni, year) in seen_stats:
            err(
                s,
                number,
                "Год",
                f"статистика за {year} год по этому муниципалитету уже в строке {seen_stats[(muni, year)]}",
            )
            bad = True
        if bad:
            continue
        seen_stats[(muni, year)] = number
        plan.statistics.append({"municipality": muni, "year": year, **values})
    return plan


def _structure_write(plan: _StructurePlan, region: Region, report: ImportReport) -> None:
    counts = {"муниципалитетов создано": 0, "муниципалитетов обновлено": 0}
    munis = {m.code: m for m in Municipality.objects.filter(region=region)}
    new, changed = [], []
    for row in plan.municipalities:
        m = munis.get(row["code"])
        if m is None:
            m = Municipality(region=region, code=row["new_code"], name=row["name"], kind=row["kind"])
            munis[m.code] = m
            new.append(m)
        elif (m.name, m.kind) != (row["name"], row["kind"]):
            m.name, m.kind = row["name"], row["kind"]
            changed.append(m)
    Municipality.objects.bulk_create(new, batch_size=BATCH)
    Municipality.objects.bulk_update(changed, ["name", "kind"], batch_size=BATCH)
    if new and any(m.pk is None for m in new):
        munis = {m.code: m for m in Municipality.objects.filter(region=region)}
    counts["муниципалитетов создано"], counts["муниципалитетов обновлено"] = len(new), len(changed)

    orgs = {
        (o.municipality_id, norm(o.short_name)): o
        for o in Organization.objects.filter(municipality__region=region)
    }
    new, changed = [], []
    for row in plan.organizations:
        m = munis[row["municipality"]]
        o = orgs.get((m.pk, norm(row["short_name"])))
        fields = {"full_name": row["full_name"], "kind": row["kind"], "low_results": row["low_results"]}
        if o is None:
            o = Organization(municipality=m, short_name=row["short_name"], **fields)
            orgs[(m.pk, norm(o.short_name))] = o
            new.append(o)
        elif any(getattr(o, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(o, k, v)
            changed.append(o)
    Organization.objects.bulk_create(new, batch_size=BATCH)
    Organization.objects.bulk_update(changed, ["full_name", "kind", "low_results"], batch_size=BATCH)
    counts["организаций создано"], counts["организаций обновлено"] = len(new), len(changed)

    stats = {
        (s.municipality_id, s.year): s for s in ReferenceStatistic.objects.filter(municipality__region=region)
    }
    new, changed = [], []
    fnames = list(STAT_FIELDS.values())
    for row in plan.statistics:
        m = munis[row["municipality"]]
        st = stats.get((m.pk, row["year"]))
        if st is None:
            new.append(ReferenceStatistic(municipality=m, year=row["year"], **{f: row[f] for f in fnames}))
        elif any(getattr(st, f) != row[f] for f in fnames):
            for f in fnames:
                setattr(st, f, row[f])
            changed.append(st)
    ReferenceStatistic.objects.bulk_create(new, batch_size=BATCH)
    ReferenceStatistic.objects.bulk_update(changed, fnames, batch_size=BATCH)
    counts["записей статистики создано"], counts["записей статистики обновлено"] = len(new), len(changed)
    report.created = sum(v for k, v in counts.items() if k.endswith("создано"))
    report.updated = sum(v for k, v in counts.items() if k.endswith("обновлено"))
    report.details = counts


# --- Templates ------------------------------------------------------------------------------------


def _styled_header(ws, columns: Iterable[str], widths: Iterable[int] | None = None) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for i, width in enumerate(widths or [24] * len(list(columns)), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def _save(wb) -> bytes:
    from .xlsx import workbook_bytes  # every cell made inert (no formulas from imported names)

    return workbook_bytes(wb)


def roster_template(*, region: Region | None = None) -> bytes:
    """The roster template: the header row, a sheet of allowed values from the directory, and drop-down
    lists on the fixed columns taken from that sheet."""
    from .xlsx import list_validation, new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = ROSTER_SHEET
    _styled_header(ws, ROSTER_COLUMNS, [26, 34, 18, 16, 20, 28, 22, 24, 12, 30, 34, 26])
    ref = wb.create_sheet("Справочники")
    ref.append(
        [
            "Муниципалитет",
            "Организация",
            "Предметы",
            "Роль",
            "Образование",
            "Квалификационная категория",
            "Муниципалитеты",
        ]
    )
    orgs = Organization.objects.select_related("municipality").order_by("municipality__name", "short_name")
    if region is not None:
        orgs = orgs.filter(municipality__region=region)
    columns = [
        [(o.municipality.name, o.short_name) for o in orgs],
        list(Subject.objects.values_list("name", flat=True)),
        [str(label) for _, label in Role.choices],
        [str(label) for _, label in Education.choices],
        [str(label) for _, label in QualificationCategory.choices],
        list(dict.fromkeys(o.municipality.name for o in orgs)),
    ]
    height = max(len(c) for c in columns)
    for i in range(height):
        org = columns[0][i] if i < len(columns[0]) else ("", "")
        ref.append([org[0], org[1], *(c[i] if i < len(c) else "" for c in columns[1:])])
    _roster_lists(ws, columns, list_validation)
    note = wb.create_sheet("Пояснения")
    for line in (
        "Заполняйте лист «Реестр», по одной строке на человека, начиная со второй строки.",
        "Обязательны: Муниципалитет, Организация, Фамилия, Имя. Организация должна быть в справочнике "
        "(лист «Справочники» или импорт структуры).",
        "Предметы и роли — через запятую. Пустая роль означает «педагог».",
        "Педагогический стаж — целое число лет. Повторная загрузка файла не создаёт дублей: человек "
        "находится по e-mail, а без него — по ФИО и организации.",
        "Новым людям создаются учётные записи; ссылки для входа выдаёт оператор (файл учётных данных).",
    ):
        note.append([line])
    note.column_dimensions["A"].width = 120
    return _save(wb)


def _roster_lists(ws, columns, list_validation) -> None:
    """Drop-down lists on the roster's fixed columns, from the «Справочники» sheet: municipality,
    organization, education, category strictly; role and subjects only as a hint (a cell may list
    several, separated by commas)."""
    from openpyxl.utils import get_column_letter

    def source(ref_col: int, n: int) -> str:
        letter = get_column_letter(ref_col)
        return f"'Справочники'!${letter}$2:${letter}${max(n, 1) + 1}"

    orgs, subjects, roles, educations, categories, municipalities = columns
    where = {name: get_column_letter(i) for i, name in enumerate(ROSTER_COLUMNS, start=1)}
    for column, ref_col, n, strict in (
        ("Муниципалитет", 7, len(municipalities), True),
        ("Организация", 2, len(orgs), True),
        ("Образование", 5, len(educations), True),
        ("Квалификационная категория", 6, len(categories), True),
        ("Роль", 4, len(roles), False),
        ("Предметы", 3, len(subjects), False),
    ):
        list_validation(ws, where[column], source(ref_col, n), strict=strict)


def structure_template() -> bytes:
    from .xlsx import new_workbook

    wb = new_workbook()
    first = True
    for title, columns in STRUCTURE_SHEETS.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        _styled_header(ws, columns, [max(18, len(c) + 4) for c in columns])
    note = wb.create_sheet("Пояснения")
    for line in (
        "Вид муниципалитета: " + "; ".join(str(lbl) for _, lbl in MunicipalityKind.choices) + ".",
        "Тип организации: " + "; ".join(str(lbl) for _, lbl in OrganizationKind.choices) + ".",
        "ШНОР: «да» для школ с низкими результатами обучения, иначе «нет» или пусто.",
        "Статистика — официальные численности за год (не реестр портала): они служат знаменателем долей.",
        "Муниципалитет на листах «Организации» и «Статистика» — название или код.",
        "Любой лист можно удалить, если эти данные не загружаются.",
    ):
        note.append([line])
    note.column_dimensions["A"].width = 120
    return _save(wb)


# --- Activation links and the credentials file ------------------------------------------------------

ACTIVATION_DAYS_DEFAULT = 30


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """A one-time token for an imported account: void once a password is set (the hash changes) or
    after ACCOUNT_ACTIVATION_DAYS."""

    key_salt = "cnppm.importers.ActivationTokenGenerator"

    @property
    def timeout_seconds(self) -> int:
        return int(getattr(settings, "ACCOUNT_ACTIVATION_DAYS", ACTIVATION_DAYS_DEFAULT)) * 24 * 3600

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                return (self._num_seconds(self._now()) - ts) <= self.timeout_seconds
        return False


activation_tokens = ActivationTokenGenerator()


def activation_path(user) -> str:
    return reverse(
        "account_activate",
        kwargs={"uidb36": int_to_base36(user.pk), "token": activation_tokens.make_token(user)},
    )


def pending_accounts(*, actor, region: Region | None = None, organization_id=None):
    """People in the actor's scope whose imported account is not activated yet."""
    qs = (
        access.people(actor)
        .filter(user__must_change_password=True, user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("user", "organization__municipality")
        .order_by(
            "organization__municipality__name", "organization__short_name", "last_name", "first_name", "id"
        )
    )
    if region is not None:
        qs = qs.filter(organization__municipality__region=region)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    return qs


def credentials_workbook(people: Iterable[Person], *, base_url: str) -> tuple[bytes, int]:
    """The credentials XLSX: login and a personal one-time activation link per person. Returns the
    file and the number of rows."""
    from .xlsx import new_workbook

    wb = new_workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("Учётные данные")
    days = int(getattr(settings, "ACCOUNT_ACTIVATION_DAYS", ACTIVATION_DAYS_DEFAULT))
    ws.append(
        [
            "Муниципалитет",
            "Организация",
            "ФИО",
            "Email",
            "Логин",
            f"Ссылка для входа (одноразовая, действует {with_number(days, 'день')})",
        ]
    )
    base = base_url.rstrip("/")
    n = 0
    for p in people:
        ws.append(
            [
                p.organization.municipality.name,
                p.organization.short_name,
                p.full_name,
                p.email,
                p.user.username,
                base + activation_path(p.user),
            ]
        )
        n += 1
    return _save(wb), n


@transaction.atomic
def account_activate(*, user, token: str, password: str):
    """The person behind an imported account sets their password by the one-time link."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not activation_tokens.check_token(user, token):
        raise DomainError(
            "Ссылка недействительна: она уже использована или устарела. Обратитесь к оператору ЦНППМ."
        )
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    event_record(
        actor=user, target=user, verb="account_activated", field="must_change_password", old=True, new=False
    )
    return user
