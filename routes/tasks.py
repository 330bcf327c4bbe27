"""Background jobs of the routes app. Tasks take ids, run after the transaction commits, and record
their run; the work itself lives in services."""

from celery import shared_task


@shared_task(name="routes.tasks.card_archive_build", acks_late=True, reject_on_worker_lost=True)
def card_archive_build(run_id: int) -> str:
    """Plan the ZIP of ИОМ cards of one archive run (routes.CardArchiveRun): cards whose stored PDF
    is current are taken as they are, the stale ones are laid out by a chord of chunks, then merged."""
    from .services.exports import card_archive_run

    return card_archive_run(run_id=run_id).status


@shared_task(name="routes.tasks.card_archive_chunk", acks_late=True, reject_on_worker_lost=True)
def card_archive_chunk(run_id: int, attempt: int, route_ids: list[int]) -> int:
    """One chunk of an archive's stale cards: lay them out and store them; returns how many."""
    from .services.exports import card_archive_chunk as chunk

    return chunk(run_id=run_id, attempt=attempt, route_ids=route_ids)


@shared_task(name="routes.tasks.card_archive_merge", acks_late=True, reject_on_worker_lost=True)
def card_archive_merge(run_id: int, attempt: int) -> str:
    """The chord's body: zip the stored PDFs of the archive's cards into its file."""
    from .services.exports import card_archive_merge as merge

    return merge(run_id=run_id, attempt=attempt)


@shared_task(name="routes.tasks.card_pdf_render", acks_late=True, ignore_result=True)
def card_pdf_render(route_id: int) -> bool:
    """Lay out a changed card's PDF once its edits settled (debounced by card_pdf_schedule)."""
    from .services.card_pdfs import card_pdf_refresh

    return card_pdf_refresh(route_id)
