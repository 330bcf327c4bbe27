"""The Celery task that renders a batch of certificate PDFs (enqueued by
courses.services.certificates after the transaction commits). Imported by courses.tasks so that
autodiscovery registers it."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="courses.tasks_certificates.certificate_pdfs_render", acks_late=True, reject_on_worker_lost=True
)
def certificate_pdfs_render(run_id: int) -> str:
    from .services.certificates import certificate_pdf_run_execute

    return certificate_pdf_run_execute(run_id=run_id)
