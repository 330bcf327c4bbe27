"""Periodic tasks of the project. The beat schedule (settings.CELERY_BEAT_SCHEDULE) calls
`cnppm.tasks.sweep_stale_jobs` every minute."""

from celery import shared_task


@shared_task(name="cnppm.tasks.sweep_stale_jobs", acks_late=True, reject_on_worker_lost=True)
def sweep_stale_jobs() -> dict[str, int]:
    """Runs whose worker died (stale heartbeat): requeued for another attempt, or failed with the reason."""
    from .jobs import sweep

    return sweep()
