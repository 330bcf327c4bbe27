"""External results (a diagnostic held elsewhere, e.g. by ФИОКО): an XLSX with one row per person and
one column per competence block. They become final attempts marked external, with block results,
and count in statistics and routes like the portal's own.

Matching people: by e-mail; without one, by full name and organization (short or full name). The
person must be inside the importing user's scope. All or nothing: every error names its row and
column. Re-importing the same file updates the external attempt instead of adding another."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from cnppm import access
from cnppm.models import Person
from cnppm.services import event_record

from ..choices import AttemptStatus, FinishReason
from ..importers.common import ImportFailed, fold
from ..importers.xlsx import open_workbook, sheet_rows
from ..models import Attempt, BlockResult, Instrument
from .authoring import _require_operator

FIXED_COLUMNS = [
    ("email", "E-mail", False),
    ("last_name", "Фамилия", False),
    ("first_name", "Имя", False),
    ("middle_name", "Отчество", False),
    ("organization", "Организация", False),
    ("source", "Источник", False),
    ("date", "Дата", False),
]
TOTAL_TITLES = {"итог, %", "итог", "общий результат, %", "общий результат"}
HUNDRED = Decimal("100")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _percent(value) -> Decimal:
    text = _text(value).replace("%", "").replace(",", ".").strip()
    number = Decimal(text)
    if not (Decimal("0") <= number <= HUNDRED):
        raise ValueError
    return number.quantize(Decimal("0.01"))


def _date(value):
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time(12)))
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return timezone.make_aware(
                dt.datetime.combine(dt.datetime.strptime(text, fmt).date(), dt.time(12))
            )
        except ValueError:
            continue
    raise ValueError


def _read(data: bytes, instrument: Instrument):
    wb = open_workbook(data)
    ws = wb.worksheets[0]
    header = next(sheet_rows(ws, min_row=1, max_row=1), None) or ()
    fixed = {fold(title): key for key, title, _ in FIXED_COLUMNS}
    blocks = list(instrument.blocks.filter(is_scored=True))
    by_block = {}
    for b in blocks:
        by_block[fold(b.name)] = b
        by_block[fold(b.code)] = b
    cols, block_cols, total_col, errors = {}, {}, None, []
    for idx, cell in enumerate(header):
        title = _text(cell)
        if not title:
            continue
        key = fold(re.sub(r",?\s*%$", "", title))
        if fold(title) in fixed:
            cols[fixed[fold(title)]] = idx
        elif fold(title) in TOTAL_TITLES:
            total_col = idx
        elif key in by_block:
            block_cols[idx] = by_block[key]
        else:
            errors.append(
                f"Столбец {idx + 1} «{title}»: не поле и не блок этой работы "
                f"(блоки: {', '.join(b.name for b in blocks) or 'у работы нет блоков'})."
            )
    if "email" not in cols and not {"last_name", "first_name", "organization"} <= set(cols):
        errors.append("Нужен столбец «E-mail» или столбцы «Фамилия», «Имя», «Организация».")
    if not block_cols:
        errors.append("Нет ни одного столбца с результатом по блоку (заголовок — название или код блока).")
    if errors:
        raise ImportFailed(errors)
    rows = [
        (n, row)
        for n, row in enumerate(sheet_rows(ws, min_row=2), start=2)
        if any(v not in (None, "") for v in row)
    ]
    wb.close()
    return cols, block_cols, total_col, rows


def _people_index(user, rows, cols):
    """Load every candidate person once: by e-mail and by (surname, name) in the user's scope."""
    scope_qs = access.people(user) if user is not None else Person.objects.all()
    emails = {_text(r[cols["email"]]).lower() for _, r in rows if "email" in cols and _text(r[cols["email"]])}
    surnames = {
        _text(r[cols["last_name"]]) for _, r in rows if "last_name" in cols and _text(r[cols["last_name"]])
    }
    people = list(
        scope_qs.annotate(email_lower=Lower("email"))
        .filter(Q(email_lower__in=emails) | Q(last_name__in=surnames))
        .select_related("organization")
    )
    by_email, by_name = {}, {}
    for p in people:
        if p.email:
            by_email[p.email.lower()] = p
        by_name.setdefault((fold(p.last_name), fold(p.first_name), fold(p.middle_name)), []).append(p)
    return by_email, by_name


@transaction.atomic
def results_import(*, actor, instrument: Instrument, data: bytes, source: str = "") -> dict:
    """Import external results; returns {"created": n, "updated": m}. ImportFailed lists the errors."""
    _require_operator(actor)
    cols, block_cols, total_col, rows = _read(data, instrument)
    if not rows:
        raise ImportFailed(["В файле нет строк с результатами."])
    by_email, by_name = _people_index(actor, rows, cols)
    titles = {key: title for key, title, _ in FIXED_COLUMNS}
    errors, parsed, seen = [], [], {}
    for row_no, row in rows:

        def get(key, row=row):
            idx = cols.get(key)
            return _text(row[idx]) if idx is not None and idx < len(row) else ""

        person = None
        email = get("email")
        if email:
            person = by_email.get(email.lower())
            if person is None:
                errors.append(
                    f"Строка {row_no}, столбец «{titles['email']}»: нет участника с e-mail {email} в вашей области доступа."
                )
                continue
        else:
            name = (fold(get("last_name")), fold(get("first_name")), fold(get("middle_name")))
            org = fold(get("organization"))
            if not name[0] or not name[1] or not org:
                errors.append(f"Строка {row_no}: укажите e-mail или фамилию, имя и организацию участника.")
                continue
            candidates = [
                p
                for p in by_name.get(name, [])
                if org in (fold(p.organization.short_name), fold(p.organization.full_name))
            ]
            if len(candidates) != 1:
                who = " ".join(x for x in (get("last_name"), get("first_name"), get("middle_name")) if x)
                problem = "не найден" if not candidates else "найдено несколько человек"
                errors.append(
                    f"Строка {row_no}: участник «{who}» из «{get('organization')}» {problem}; укажите e-mail."
                )
                continue
            person = candidates[0]
        if person.pk in seen:
            errors.append(
                f"Строка {row_no}: участник {person.full_name} уже есть в строке {seen[person.pk]}."
            )
            continue
        seen[person.pk] = row_no
        block_values = {}
        for idx, block in block_cols.items():
            raw = row[idx] if idx < len(row) else None
            if _text(raw) == "":
                errors.append(f"Строка {row_no}, столбец «{block.name}»: нет результата.")
                continue
            try:
                block_values[block] = _percent(raw)
            except (InvalidOperation, ValueError):
                errors.append(
                    f"Строка {row_no}, столбец «{block.name}»: «{_text(raw)}» — не процент от 0 до 100."
                )
        total = None
        if total_col is not None and _text(row[total_col] if total_col < len(row) else None):
            try:
                total = _percent(row[total_col])
            except (InvalidOperation, ValueError):
                errors.append(f"Строка {row_no}, столбец «Итог, %»: не процент от 0 до 100.")
        when = timezone.now()
        if get("date"):
            try:
                when = _date(row[cols["date"]])
            except ValueError:
                errors.append(f"Строка {row_no}, столбец «Дата»: «{get('date')}» — дата в виде ДД.ММ.ГГГГ.")
        if len(block_values) == len(block_cols):
            if total is None:
                total = (sum(block_values.values()) / len(block_values)).quantize(Decimal("0.01"))
            parsed.append(
                (person, block_values, total, when, get("source") or source or "внешняя диагностика")
            )
    if errors:
        raise ImportFailed(errors)

    existing = {
        a.person_id: a
        for a in Attempt.objects.select_for_update().filter(
            instrument=instrument, is_external=True, person_id__in=[p.pk for p, *_ in parsed]
        )
    }
    numbers = dict(
        Attempt.objects.filter(instrument=instrument, person_id__in=[p.pk for p, *_ in parsed])
        .values("person_id")
        .annotate(m=Max("number"))
        .values_list("person_id", "m")
    )
    created = updated = 0
    results = []
    for person, block_values, total, when, src in parsed:
        attempt = existing.get(person.pk)
        fields = {
            "status": AttemptStatus.FINAL,
            "finish_reason": FinishReason.EXTERNAL,
            "percent": total,
            "level": instrument.level_for(total),
            "started_at": when,
            "finished_at": when,
            "finalized_at": when,
            "external_source": src[:200],
        }
        if attempt is None:
            attempt = Attempt.objects.create(
                person=person,
                instrument=instrument,
                organization=person.organization,
                number=numbers.get(person.pk, 0) + 1,
                is_external=True,
                **fields,
            )
            created += 1
        else:
            for f, v in fields.items():
                setattr(attempt, f, v)
            attempt.save(update_fields=list(fields))
            attempt.block_results.all().delete()
            updated += 1
        results.extend(
            BlockResult(attempt=attempt, block=block, percent=value, level=instrument.level_for(value))
            for block, value in block_values.items()
        )
    BlockResult.objects.bulk_create(results)
    event_record(
        actor=actor,
        target=instrument,
        verb="external_results_imported",
        new=f"добавлено {created}, обновлено {updated}",
    )
    return {"created": created, "updated": updated}
