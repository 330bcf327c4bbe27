"""Periodic tasks of diagnostics. The beat schedule (settings.CELERY_BEAT_SCHEDULE) calls
`diagnostics.tasks.close_expired_attempts` every minute and
`diagnostics.tasks.discard_stale_item_drafts` every hour."""

from celery import shared_task

from .services.attempts import attempts_close_expired


@shared_task(name="diagnostics.tasks.close_expired_attempts", acks_late=True, reject_on_worker_lost=True)
def close_expired_attempts() -> int:
    """Finish abandoned attempts past their deadline with what was saved; returns how many."""
    return attempts_close_expired()


@shared_task(name="diagnostics.tasks.discard_stale_item_drafts", acks_late=True, reject_on_worker_lost=True)
def discard_stale_item_drafts() -> int:
    """Drop item-bank uploads left unconfirmed past DRAFT_TTL with their stored files (otherwise they
    went only at the next upload, which may never come); returns how many."""
    from .services.item_import import drafts_discard_stale

    return drafts_discard_stale()
