"""Writes of the reports: request a report run (the Celery task renders it after the transaction
commits) and execute a run (render the file, store it, record the outcome)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cnppm.services import DomainError, event_record

from ..choices import ReportFormat, RunStatus
from ..models import Period, ReportRun

log = logging.getLogger(__name__)


@transaction.atomic
def report_request(
    *,
    actor,
    kind: str,
    format: str,
    period: Period,
    municipality=None,
    compare_with: Period | None = None,
    enqueue: bool = True,
) -> ReportRun:
    """Queue a report for a period (and municipality / comparison period). Validates the kind, the
    format, what the report takes and that the actor's scope allows it; a second identical request
    while the first is still queued or running returns the first."""
    from ..reports import report_class

    if format not in ReportFormat.values:
        raise DomainError("Выберите формат отчёта: PDF или XLSX.")
    cls = report_class(kind)
    report = cls(period=period, municipality=municipality, compare_with=compare_with)
    if not report.scope_allows(actor):
        raise DomainError("Этот отчёт вам недоступен: период или муниципалитет вне вашей области доступа.")
    pending = ReportRun.objects.filter(
        kind=kind,
        format=format,
        period=period,
        municipality=report.municipality,
        compare_with=report.compare_with,
        status__in=(RunStatus.QUEUED, RunStatus.RUNNING),
    ).first()
    if pending is not None:
        return pending
    run = ReportRun.objects.create(
        kind=kind,
        format=format,
        period=period,
        municipality=report.municipality,
        compare_with=report.compare_with,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    event_record(actor=actor, target=run, verb="report_requested", new=f"{kind} {period.code} {format}")
    if enqueue:
        from ..tasks_reports import render_report_run

        transaction.on_commit(lambda: render_report_run.delay(run.pk))
    return run


def report_build(run: ReportRun):
    from ..reports import report_class

    return report_class(run.kind)(
        period=run.period, municipality=run.municipality, compare_with=run.compare_with
    )


def report_run_execute(*, run_id: int) -> ReportRun:
    """Render the run's report, store the file in `ReportRun.file`, and record running → done, or
    failed with the error. A run already done is left as it is (a redelivered task)."""
    run = ReportRun.objects.select_related("period", "period__region", "municipality", "compare_with").get(
        pk=run_id
    )
    if run.status == RunStatus.DONE:
        return run
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(), error="")
    try:
        report = report_build(run)
        content = report.render(run.format)
        run.file.save(report.filename(run.format), ContentFile(content), save=False)
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["file", "status", "finished_at"])
    except Exception as exc:  # the run records the failure; the page shows it
        message = (
            exc.message
            if isinstance(exc, DomainError)
            else f"Не удалось сформировать отчёт: {type(exc).__name__}: {exc}"
        )
        if not isinstance(exc, DomainError):
            log.exception("report run %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=message[:2000]
        )
    run.refresh_from_db()
    return run
