"""A new region in the installation (issue 10.3): `region_create` writes the region, and with a
structure file its municipalities, organizations and official figures (cnppm.importers
.structure_import) in the same transaction: all or nothing. `manage.py create_region` calls it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from .models import Region
from .services import DomainError, event_record

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")


class _Rollback(Exception):
    """Raised inside the transaction to undo the region when its structure file has errors."""


@dataclass
class RegionCreated:
    region: Region | None
    report: object | None = None  # the structure import's ImportReport

    @property
    def errors(self) -> list:
        return list(getattr(self.report, "errors", []) or [])


def _validate(name: str, code: str, tz: str) -> None:
    if not name:
        raise DomainError("Укажите название региона.")
    if not CODE_RE.match(code):
        raise DomainError(
            f"Неверный код региона «{code}»: латинские буквы, цифры, дефис и подчёркивание, до 20 знаков."
        )
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            f"Неизвестный часовой пояс «{tz}»; пример: Europe/Moscow, Asia/Vladivostok."
        ) from None
    if Region.objects.filter(code__iexact=code).exists():
        raise DomainError(f"Регион с кодом «{code}» уже есть.")
    if Region.objects.filter(name__iexact=name).exists():
        raise DomainError(f"Регион «{name}» уже есть.")


def region_create(
    *, actor, name: str, code: str, timezone: str = "Europe/Moscow", structure=None, filename: str = ""
) -> RegionCreated:
    """Create a region (and, given an open structure XLSX, its municipalities and organizations).
    A structure file with errors leaves nothing behind, the region included; the errors are returned
    in the result's report. Bad name, code or time zone: DomainError in Russian."""
    from .importers import structure_import

    name, code, timezone = (name or "").strip(), (code or "").strip(), (timezone or "").strip()
    _validate(name, code, timezone)
    result = RegionCreated(region=None)
    try:
        with transaction.atomic():
            region = Region.objects.create(name=name, code=code, timezone=timezone)
            event_record(actor=actor, target=region, verb="region_created", new=f"{code}: {name}")
            if structure is not None:
                result.report = structure_import(actor=None, file=structure, region=region, filename=filename)
                if result.report.errors:
                    raise _Rollback
            result.region = region
    except _Rollback:
        result.region = None
    return result
