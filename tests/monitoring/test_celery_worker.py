"""A real Celery worker on Redis renders a requested report (integration test).

Runs when CELERY_BROKER_URL is set (the CI sets it with DATABASE_URL on PostgreSQL); the worker runs
in a thread of this process (celery.contrib.testing.worker.start_worker), so it shares the test
database settings; the test database is committed to (transaction=True) so that the worker sees the
rows. The task goes to a queue of its own so that no other worker on the same broker takes it."""
# ruff: noqa: F811

from __future__ import annotations

import io
import os
import time
import uuid

import pytest
from pypdf import PdfReader

from tests.monitoring.test_reports_data import report_world  # noqa: F401  (fixture)

BROKER = os.environ.get("CELERY_BROKER_URL", "")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not BROKER, reason="CELERY_BROKER_URL не задан: тест с настоящим воркером Celery требует брокера Redis"
)
def test_a_real_worker_renders_the_report(report_world, settings):
    from celery.contrib.testing.worker import start_worker

    from cnppm.celery import app
    from monitoring.choices import RunStatus
    from monitoring.models import ReportRun
    from monitoring.services.reports import report_request

    queue = f"h8-reports-test-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf.get(key)
        for key in ("task_always_eager", "broker_url", "task_routes", "task_default_queue", "result_backend")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False,
        broker_url=BROKER,
        result_backend=None,
        task_default_queue=queue,
        task_routes={"monitoring.tasks_reports.render_report_run": {"queue": queue}},
    )
    try:
        app.amqp.__dict__.pop("router", None)
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            run = report_request(
                actor=report_world["operator"].user, kind="analytic", format="pdf", period=report_world["q2"]
            )
            # Not rendered in-process: right after the request the run waits for the worker.
            assert ReportRun.objects.get(pk=run.pk).status in (RunStatus.QUEUED, RunStatus.RUNNING)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.status in (RunStatus.DONE, RunStatus.FAILED):
                    break
                time.sleep(0.5)
    finally:
        app.conf.update(saved)
        app.amqp.__dict__.pop("router", None)
    assert run.status == RunStatus.DONE, run.error or run.status
    assert run.started_at and run.finished_at
    with run.file.open("rb") as fh:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages).replace(
            "\u00a0", " "
        )
    assert "ИТОГО 208 4 1,9" in " ".join(text.split())
    assert ReportRun.objects.count() == 1
