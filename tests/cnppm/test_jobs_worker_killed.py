"""A real Celery worker is killed with SIGKILL in the middle of a task (integration test, issue 8.7).

The worker runs in a process of its own (tests/slow_worker.py, whose rendering sleeps on purpose) on the
configured Redis broker and on the test database, which is why the test needs PostgreSQL: run it with
DATABASE_URL, CELERY_BROKER_URL and REDIS_URL set (the CI does). After the kill a second worker is
started and the sweeper is sent every second, as beat would every minute; the lease is 6 seconds.
Expected: the run ends done or failed with a reason within the lease plus a few seconds, an identical
request is answered by a new run once the dead one's heartbeat is stale, and no partial file remains."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from pypdf import PdfReader

BROKER = os.environ.get("CELERY_BROKER_URL", "")
LEASE = 6
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER or not os.environ.get("DATABASE_URL"),
        reason="CELERY_BROKER_URL и DATABASE_URL не заданы: воркер в отдельном процессе требует Redis и PostgreSQL",
    ),
]


def database_url() -> str:
    """The test database (test_<name>, per xdist worker) as a URL for the worker process."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Starts worker processes (each in its own process group) and kills them like a crash does."""

    def __init__(self, tmp_path: Path, queue: str):
        self.tmp_path, self.queue, self.procs = tmp_path, queue, []

    def start(self, *, slow: float = 0) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            "PRIVATE_MEDIA_ROOT": str(django_settings.PRIVATE_MEDIA_ROOT),
            "JOB_LEASE_SECONDS": str(LEASE),
            "JOB_HEARTBEAT_SECONDS": "0.5",
            "JOB_MAX_ATTEMPTS": "3",
            "SLOW_JOB_SECONDS": str(slow),
            "TEST_QUEUE": self.queue,
        }
        log = open(self.tmp_path / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115  (closed with the process)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.slow_worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """kill -9 of the whole worker (main process and its pool child), as the OOM killer or a
        container stop would: nothing gets to acknowledge, reject or clean up."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.kill(proc)

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log"))
        )


@pytest.fixture
def workers(tmp_path, settings):
    from cnppm.celery import app

    queue = f"h5-killed-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf.get(key)
        for key in ("task_always_eager", "broker_url", "task_routes", "task_default_queue", "result_backend")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_LEASE_SECONDS = LEASE
    app.conf.update(
        task_always_eager=False,
        broker_url=BROKER,
        result_backend=None,
        task_default_queue=queue,
        task_routes=None,
    )
    app.amqp.__dict__.pop("router", None)
    pool = Workers(tmp_path, queue)
    yield pool
    pool.stop_all()
    app.conf.update(saved)
    app.amqp.__dict__.pop("router", None)


def wait_for(predicate, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"не дождались: {what}\n{workers.logs()}")


def sweep_until(predicate, timeout: float, what: str, workers: Workers):
    """Send the sweeper to the worker every second (beat sends it every minute) until `predicate`."""
    from cnppm.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        app.send_task("cnppm.tasks.sweep_stale_jobs", queue=workers.queue)
        time.sleep(1)
    pytest.fail(f"не дождались: {what}\n{workers.logs()}")


def files_under(root) -> list[str]:
    found = []
    for base, _dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(base, n), root) for n in names]
    return sorted(found)


def test_report_run_survives_a_killed_worker(workers, world):
    from monitoring.choices import RunStatus
    from monitoring.models import ReportRun
    from monitoring.services.computation import period_get_or_create
    from monitoring.services.reports import report_request

    period = period_get_or_create("2022-Q2")
    request = {"actor": world["operator"].user, "kind": "analytic", "format": "pdf", "period": period}
    first_worker = workers.start(slow=120)
    run = report_request(**request)

    def beating_twice():
        seen = set()
        deadline = time.monotonic() + 150  # a worker boots slowly beside a loaded suite
        while time.monotonic() < deadline and len(seen) < 2:
            r = ReportRun.objects.get(pk=run.pk)
            if r.status == RunStatus.RUNNING and r.heartbeat_at:
                seen.add(r.heartbeat_at)
            time.sleep(0.2)
        return len(seen) >= 2

    # The worker renders (slowly) and its heartbeat moves while it does.
    wait_for(beating_twice, 200, "отчёт выполняется, отметки обработчика обновляются", workers)
    workers.kill(first_worker)
    killed_at = time.monotonic()

    # Right after the kill the heartbeat is still fresh: the identical request is the same run.
    assert report_request(**request).pk == run.pk

    # Once the heartbeat is stale the identical request is not swallowed: the dead run is failed
    # with the reason and a new run goes to the queue.
    time.sleep(LEASE + 0.5)
    second = report_request(**request)
    assert second.pk != run.pk
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "перестал отвечать" in run.error
    assert time.monotonic() - killed_at < LEASE + 5

    workers.start()
    second = sweep_until(
        lambda: ReportRun.objects.filter(pk=second.pk, status__in=("done", "failed")).first(),
        90,
        "новый отчёт сформирован вторым воркером",
        workers,
    )
    assert second.status == RunStatus.DONE, second.error
    print(f"report: new run done {time.monotonic() - killed_at:.1f} s after the kill (lease {LEASE} s)")
    with second.file.open("rb") as fh:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "2022-Q2" in text or "2022" in text
    assert files_under(django_settings.MEDIA_ROOT) == [second.file.name]


def test_card_archive_survives_a_killed_worker(workers, world):
    from cnppm.choices import Role
    from routes.exports import private_storage
    from routes.models import CardArchiveRun
    from routes.services.exports import card_archive_request
    from tests.cnppm.factories import make_person
    from tests.routes.factories import make_route

    make_route(world["teacher"])
    for i in range(3):
        make_route(make_person(Role.TEACHER, organization=world["o1"], last_name=f"Педагогова{i}"))
    root = private_storage().location
    first_worker = workers.start(slow=3)
    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    partial = Path(root, ".partial", f"routes.cardarchiverun-{run.pk}-1.part")

    # The worker is writing the ZIP of personal data: only the partial file exists.
    wait_for(partial.exists, 60, "архив формируется во временном файле", workers)
    run.refresh_from_db()
    assert run.status == "running" and not run.file
    workers.kill(first_worker)
    killed_at = time.monotonic()
    assert partial.exists()  # the crash left it behind; the sweeper must remove it

    workers.start()
    run = sweep_until(
        lambda: CardArchiveRun.objects.filter(pk=run.pk, status__in=("done", "failed")).first(),
        90,
        "архив завершён после повторной попытки",
        workers,
    )
    # Redelivered by the sweeper and built again by the second worker, in bounded time.
    assert (run.status, run.attempts, run.routes_done) == ("done", 2, 4), run.error
    elapsed = time.monotonic() - killed_at
    print(f"archive: done {elapsed:.1f} s after the kill (lease {LEASE} s)")
    assert elapsed < LEASE + 60
    assert not partial.exists()
    with zipfile.ZipFile(run.file.path) as zf:
        assert len(zf.namelist()) == 4 and zf.testzip() is None
    # Beside the archive only the cards' stored PDFs (one per card, issue 11.1): no partial file.
    assert [f for f in files_under(root) if not f.startswith("card_pdfs/")] == [run.file.name]
    assert len([f for f in files_under(root) if f.startswith("card_pdfs/")]) == 4

    # An identical request afterwards is a new run, built in turn.
    again = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    assert again.pk != run.pk
    again = wait_for(
        lambda: CardArchiveRun.objects.filter(pk=again.pk, status__in=("done", "failed")).first(),
        60,
        "второй архив",
        workers,
    )
    assert again.status == "done" and again.attempts == 1
    with zipfile.ZipFile(again.file.path) as zf:
        assert len(zf.namelist()) == 4  # the unchanged cards are zipped from storage
    assert not any(".partial" in f and f.endswith(".part") for f in files_under(root))
