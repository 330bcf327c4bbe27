"""Writes of the reports: request a report run (the Celery task renders it after the transaction
commits) and execute a run (render the file, store it, record the outcome)."""

from __future__ import annotations

from django.db import transaction

from cnppm import disclosure, jobs
from cnppm.services import DomainError, event_record

from ..choices import ReportAudience, ReportFormat
from ..models import Period, ReportRun


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
    while the first is still queued or running returns the first. An aggregate-only actor (the
    ministry) gets the de-identified rendering, a run of its own (`audience`)."""
    from ..reports import report_class

    if format not in ReportFormat.values:
        raise DomainError("Выберите формат отчёта: PDF или XLSX.")
    cls = report_class(kind)
    report = cls(period=period, municipality=municipality, compare_with=compare_with)
    if not report.scope_allows(actor):
        raise DomainError("Этот отчёт вам недоступен: период или муниципалитет вне вашей области доступа.")
    audience = report_audience(actor)
    same = ReportRun.objects.filter(
        kind=kind,
        format=format,
        audience=audience,
        period=period,
        municipality=report.municipality,
        compare_with=report.compare_with,
    )
    # A run whose worker died (stale heartbeat) does not swallow the request: it is failed.
    jobs.supersede_stale(same)
    pending = same.filter(jobs.live_q()).first()
    if pending is not None:
        return pending
    run = ReportRun.objects.create(
        kind=kind,
        format=format,
        audience=audience,
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


def report_audience(actor) -> str:
    """The rendering an actor gets: de-identified for aggregate-only viewers (cnppm.disclosure)."""
    return ReportAudience.AGGREGATE if disclosure.aggregate_only(actor) else ReportAudience.FULL


def report_build(run: ReportRun):
    from ..reports import report_class

    return report_class(run.kind)(
        period=run.period, municipality=run.municipality, compare_with=run.compare_with, audience=run.audience
    )


def report_computation(period: Period):
    """The computation a report prints: the period's latest one; a period never computed (and open)
    is computed first, so that the file and the dashboard read the same snapshots."""
    from ..selectors import current_computation
    from .computation import computation_execute, computation_request

    run, _ = current_computation(period)
    if run is not None or period.is_closed:
        return run
    try:
        run = computation_request(actor=None, period=period, enqueue=False)
    except DomainError:
        return None  # another computation is running: the report computes live and says so
    return computation_execute(run_id=run.pk)


def report_run_execute(*, run_id: int) -> ReportRun:
    """Render the run's report and store the file in `ReportRun.file` (written to a partial path,
    moved into place when complete), recording running → done, or failed with the error. A run that is
    finished, or being rendered by a live worker, is left as it is (a redelivered task); a run whose
    worker died is taken over (cnppm.jobs)."""
    with jobs.run_guard(ReportRun, run_id, error_prefix="Не удалось сформировать отчёт: ") as lease:
        if lease is not None:
            run = ReportRun.objects.select_related(
                "period", "period__region", "municipality", "compare_with"
            ).get(pk=run_id)
            computation = report_computation(run.period)
            report = report_build(run)
            context = report.build_context()
            content = report.render(run.format, context)
            storage = run.file.storage
            partial = lease.partial_path(storage)
            with open(partial, "wb") as fh:
                fh.write(content)
            name = lease.place(
                storage, partial, run.file.field.generate_filename(run, report.filename(run.format))
            )
            lease.finish(
                file=name,
                computation=context["computation"] or computation,
                computed_at=report.source.computed_at,
            )
    return ReportRun.objects.get(pk=run_id)
