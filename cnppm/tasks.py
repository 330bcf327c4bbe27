"""Periodic tasks of the project. The beat schedule (settings.CELERY_BEAT_SCHEDULE) calls
`cnppm.tasks.sweep_stale_jobs` every minute and `cnppm.tasks.depersonalise_withdrawn` daily."""

from celery import shared_task


@shared_task(name="cnppm.tasks.sweep_stale_jobs", acks_late=True, reject_on_worker_lost=True)
def sweep_stale_jobs() -> dict[str, int]:
    """Runs whose worker died (stale heartbeat): requeued for another attempt, or failed with the reason;
    and the files of dry-run imports left unconfirmed past their time (cnppm.import_jobs.CONFIRM_TTL)."""
    from .import_jobs import dry_runs_discard_expired
    from .jobs import sweep

    result = sweep()
    result["dry_runs_discarded"] = dry_runs_discard_expired()
    return result


@shared_task(name="cnppm.tasks.import_job_run", acks_late=True, reject_on_worker_lost=True)
def import_job_run(job_id: int) -> str:
    """Run one uploaded file's import (cnppm.ImportJob); a redelivered finished job does nothing."""
    from .import_jobs import import_job_execute

    return import_job_execute(job_id)


@shared_task(name="cnppm.tasks.depersonalise_withdrawn", acks_late=True, reject_on_worker_lost=True)
def depersonalise_withdrawn() -> int:
    """Daily (beat): depersonalise who withdrew consent more than CONSENT_DESTRUCTION_DAYS ago and has
    not consented again (152-ФЗ ст. 21 ч. 5). Idempotent: the depersonalised are not due any more."""
    from .depersonalisation import depersonalise_due

    return depersonalise_due()
