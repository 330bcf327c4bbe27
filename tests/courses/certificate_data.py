"""Data of the certificate tests (helper 8): a programme of the Centre and completed training records,
built directly (only what a test needs)."""

from __future__ import annotations

from datetime import date

from courses.choices import DocumentKind, ProgrammeForm, TrainingSource
from courses.models import Programme, TrainingRecord


def programme(region, **kwargs) -> Programme:
    data = {
        "region": region,
        "title": "Цифровые инструменты и сервисы в профессиональной деятельности педагога",
        "kind": "qualification",
        "hours": 36,
        "form": ProgrammeForm.DISTANCE,
        "document_kind": DocumentKind.QUALIFICATION_CERTIFICATE,
        "status": "open",
    }
    data.update(kwargs)
    return Programme.objects.create(**data)


def record(
    person, prog: Programme, *, ends_on=date(2026, 3, 20), organization=None, **kwargs
) -> TrainingRecord:
    data = {
        "person": person,
        "programme": prog,
        "title": prog.title,
        "kind": prog.kind,
        "provider": "ЦНППМ",
        "hours": prog.hours,
        "starts_on": date(ends_on.year, ends_on.month, 1),
        "ends_on": ends_on,
        "organization": organization or person.organization,
        "source": TrainingSource.COURSE,
    }
    data.update(kwargs)
    return TrainingRecord.objects.create(**data)
