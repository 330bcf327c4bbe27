"""Background jobs of the routes app. Tasks take ids, run after the transaction commits, and record
their run; the work itself lives in services."""

from celery import shared_task


@shared_task(name="routes.tasks.card_archive_build", acks_late=True, reject_on_worker_lost=True)
def card_archive_build(run_id: int) -> str:
    """Build the ZIP of ИОМ cards of one archive run (routes.CardArchiveRun)."""
    from .services.exports import card_archive_run

    return card_archive_run(run_id=run_id).status
