"""Celery tasks of the monitoring: compute a requested run, and the nightly recomputation of the
current periods (beat calls `monitoring.tasks.compute_current_period`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.tasks.compute_period", acks_late=True, reject_on_worker_lost=True)
def compute_period(run_id: int) -> str:
    from .services.computation import computation_execute

    run = computation_execute(run_id=run_id)
    return run.status


@shared_task(name="monitoring.tasks.compute_current_period", acks_late=True, reject_on_worker_lost=True)
def compute_current_period() -> list[str]:
    """Recompute every open period containing today (quarter, half-year, year, wave) for each
    region. Closed periods and periods already being computed are skipped."""
    from cnppm.models import Region
    from cnppm.services import DomainError

    from .services.computation import (
        computation_execute,
        computation_request,
        current_period_codes,
        period_get_or_create,
    )

    done = []
    for region in Region.objects.all():
        for code in current_period_codes():
            period = period_get_or_create(code, region=region)
            if period.is_closed:
                continue
            try:
                run = computation_request(actor=None, period=period, enqueue=False)
            except DomainError:
                continue
            computation_execute(run_id=run.pk)
            done.append(f"{region.code}:{code}")
    return done


from . import tasks_reports  # noqa: E402, F401  (the report task, engineer B)
