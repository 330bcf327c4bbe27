"""What the two import commands share: region lookup, running a service, printing its report."""

from __future__ import annotations

from django.core.management.base import CommandError

from cnppm.models import Region
from cnppm.services import DomainError


def region_option(code: str | None) -> Region | None:
    if not code:
        return None
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise CommandError(f"Регион с кодом «{code}» не найден.") from None


def run(command, service, path: str, *, dry_run: bool, region: Region | None, max_errors: int = 200):
    try:
        with open(path, "rb") as fh:
            report = service(actor=None, file=fh, dry_run=dry_run, region=region, filename=path)
    except FileNotFoundError:
        raise CommandError(f"Файл не найден: {path}") from None
    except IsADirectoryError:
        raise CommandError(f"Это каталог, а не файл: {path}") from None
    except DomainError as exc:
        raise CommandError(exc.message) from None
    if report.errors:
        for error in report.errors[:max_errors]:
            command.stderr.write(str(error))
        if len(report.errors) > max_errors:
            command.stderr.write(f"… и ещё ошибок: {len(report.errors) - max_errors}")
        raise CommandError(report.summary())
    command.stdout.write(command.style.SUCCESS(report.summary()))
    return report
