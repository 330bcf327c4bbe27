"""Periodic tasks of diagnostics. The beat schedule (settings.CELERY_BEAT_SCHEDULE) calls
`diagnostics.tasks.close_expired_attempts` every minute."""

from celery import shared_task

from .services.attempts import attempts_close_expired


@shared_task(name="diagnostics.tasks.close_expired_attempts", acks_late=True, reject_on_worker_lost=True)
def close_expired_attempts() -> int:
    """Finish abandoned attempts past their deadline with what was saved; returns how many."""
    return attempts_close_expired()
