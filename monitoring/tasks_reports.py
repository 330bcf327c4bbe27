"""The Celery task that renders a requested report (enqueued by services.reports.report_request after
the transaction commits). Imported by monitoring.tasks so that autodiscovery registers it."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.tasks_reports.render_report_run", acks_late=True, reject_on_worker_lost=True)
def render_report_run(run_id: int) -> str:
    from .services.reports import report_run_execute

    return report_run_execute(run_id=run_id).status
