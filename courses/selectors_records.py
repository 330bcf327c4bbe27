"""Reads of training records for the person's profile and the ИОМ card (issue 12.5): the courses of
the last three years come from the records (courses finished on the portal, imported archive,
external training entered), and the typed text of the profile keeps what was taken elsewhere before
the portal."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from .models import TrainingRecord

YEARS = 3


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def recent_qualification_records(person_id: int, *, until: date, years: int = YEARS) -> QuerySet:
    """Qualification programmes the person completed in the `years` years up to `until` (inclusive)."""
    return (
        TrainingRecord.objects.filter(
            person_id=person_id,
            is_qualification_programme=True,
            ends_on__gt=_years_before(until, years),
            ends_on__lte=until,
        )
        .select_related("certificate")
        .order_by("-ends_on", "-pk")
    )


def record_line(record: TrainingRecord) -> str:
    """«Title» (provider, 36 ч., 01.02.2026–20.03.2026), удостоверение № …: one course as the card lists it."""
    parts = [p for p in (record.provider, f"{record.hours} ч." if record.hours else "") if p]
    parts.append(f"{record.starts_on:%d.%m.%Y}–{record.ends_on:%d.%m.%Y}")
    line = f"«{record.title}» ({', '.join(parts)})"
    if record.certificate_id:
        line += f", удостоверение № {record.certificate.registration_number}"
    elif record.document_number:
        line += f", документ {record.document_number}"
    return line


def courses_last_3_years(person_id: int, *, until: date, typed: str = "") -> str:
    """Card section 1 «Курсы повышения квалификации (за последние 3 года)»: the records, newest first,
    one per line, then the typed text (courses before the portal) when there is any."""
    lines = [record_line(r) for r in recent_qualification_records(person_id, until=until)]
    typed = (typed or "").strip()
    if typed:
        lines.append(typed)
    return "\n".join(lines)
