"""The lease of background runs (cnppm.jobs), without a worker: fresh and stale heartbeats, takeover by
a redelivered task, fencing of an attempt that lost its lease, the sweeper's retry and failure, the
identical request that is not swallowed by a dead run, and files that appear whole or not at all."""

import os
import time
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from cnppm import jobs
from cnppm.services import DomainError
from monitoring.choices import RunStatus
from monitoring.models import ComputationRun, ReportRun
from monitoring.services.computation import computation_request, period_get_or_create
from monitoring.services.reports import report_request
from routes.exports import private_storage
from routes.models import CardArchiveRun
from routes.services.exports import card_archive_request, card_archive_run
from tests.routes.factories import make_route

LEASE = 60


@pytest.fixture(autouse=True)
def _lease(settings):
    settings.JOB_LEASE_SECONDS = LEASE
    settings.JOB_MAX_ATTEMPTS = 3


def make_running(model, pk, *, attempts=1, seconds_ago=0):
    """Pretend a worker started the run `seconds_ago` and last reported then."""
    when = timezone.now() - timedelta(seconds=seconds_ago)
    model.objects.filter(pk=pk).update(
        status="running", attempts=attempts, started_at=when, heartbeat_at=when
    )


def files_under(root) -> list[str]:
    """Files a job left, beside the card PDFs stored per version (routes.card_pdf), which an
    archive run lays out on purpose and keeps."""
    found = []
    for base, _dirs, names in os.walk(root):
        found += [os.path.relpath(os.path.join(base, n), root) for n in names]
    return sorted(f for f in found if not f.startswith("card_pdfs/"))


def leave_partial(model, pk, attempt=1) -> str:
    """A partial file as a killed attempt leaves it (a ZIP cut in the middle)."""
    lease = jobs.Lease(model, pk, attempt)
    path = lease.partial_path(private_storage())
    with open(path, "wb") as fh:
        fh.write(b"PK\x03\x04 half an archive")
    return path


@pytest.fixture
def archive(world):
    make_route(world["teacher"])
    return card_archive_request(actor=world["operator"].user, organization=world["o1"])


# --- fresh and stale -----------------------------------------------------------------------


def test_fresh_and_stale_heartbeats(archive):
    make_running(CardArchiveRun, archive.pk, seconds_ago=LEASE - 5)
    run = CardArchiveRun.objects.get(pk=archive.pk)
    assert not run.job_stale and run.job_active
    assert CardArchiveRun.objects.filter(jobs.live_q()).count() == 1
    assert jobs.claim(CardArchiveRun, archive.pk) is None  # a live worker owns it

    make_running(CardArchiveRun, archive.pk, seconds_ago=LEASE + 5)
    run.refresh_from_db()
    assert run.job_stale
    assert not CardArchiveRun.objects.filter(jobs.live_q()).exists()
    assert CardArchiveRun.objects.filter(jobs.stale_q()).get() == run
    lease = jobs.claim(CardArchiveRun, archive.pk)
    assert lease is not None and lease.attempt == 2
    run.refresh_from_db()
    assert (run.status, run.attempts, run.job_retry) == ("running", 2, 2)
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=5)


def test_finished_runs_are_never_claimed(archive):
    for status in ("done", "failed"):
        CardArchiveRun.objects.filter(pk=archive.pk).update(status=status)
        assert jobs.claim(CardArchiveRun, archive.pk) is None


# --- a redelivered task --------------------------------------------------------------------


def test_redelivered_task_leaves_a_live_run_alone(archive):
    make_running(CardArchiveRun, archive.pk, seconds_ago=1)
    run = card_archive_run(run_id=archive.pk)
    assert (run.status, run.attempts, run.file.name) == ("running", 1, "")


def test_redelivered_task_takes_over_a_stale_run_and_removes_the_partial_zip(archive):
    make_running(CardArchiveRun, archive.pk, seconds_ago=LEASE + 1)
    partial = leave_partial(CardArchiveRun, archive.pk)
    run = card_archive_run(run_id=archive.pk)
    assert (run.status, run.attempts, run.routes_done, run.error) == ("done", 2, 1, "")
    assert not os.path.exists(partial)
    with zipfile.ZipFile(run.file.path) as zf:
        assert len(zf.namelist()) == 1 and zf.testzip() is None
    assert files_under(private_storage().location) == [run.file.name]


def test_stale_run_out_of_attempts_is_failed_on_redelivery(archive):
    make_running(CardArchiveRun, archive.pk, attempts=3, seconds_ago=LEASE + 1)
    run = card_archive_run(run_id=archive.pk)
    assert run.status == "failed" and "перестал отвечать" in run.error and "попыток: 3" in run.error
    assert not run.file


def test_attempt_that_lost_its_lease_writes_nothing(archive, monkeypatch):
    """While attempt 1 renders, the run is taken over (attempt 2): attempt 1 neither finishes the run
    nor leaves its ZIP anywhere."""
    from routes import exports

    original = exports.render_card_pdf

    def taken_over_meanwhile(route, card=None):
        CardArchiveRun.objects.filter(pk=archive.pk).update(attempts=2, heartbeat_at=timezone.now())
        return original(route, card)

    monkeypatch.setattr(exports, "render_card_pdf", taken_over_meanwhile)
    run = card_archive_run(run_id=archive.pk)
    assert (run.status, run.attempts, run.file.name) == ("running", 2, "")
    assert files_under(private_storage().location) == []


# --- files appear whole or not at all ------------------------------------------------------


def test_archive_is_written_aside_and_moved_into_place(world, monkeypatch):
    for i in range(3):
        make_route(world["teacher"] if i == 0 else make_teacher(world, i))
    run = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    from routes import exports

    original, seen = exports.render_card_pdf, []

    def watching(route, card=None):
        seen.append(files_under(private_storage().location))
        return original(route, card)

    monkeypatch.setattr(exports, "render_card_pdf", watching)
    run = card_archive_run(run_id=run.pk)
    assert run.status == "done" and run.routes_done == 3
    # While cards were rendered only the partial file existed, under .partial/, never the archive.
    partial = f".partial/routes.cardarchiverun-{run.pk}-1.part"
    assert seen[1:] == [[partial], [partial]]
    assert files_under(private_storage().location) == [run.file.name]
    assert run.file.name.startswith("card_archives/") and run.file.name.endswith(".zip")


def make_teacher(world, i):
    from cnppm.choices import Role
    from tests.cnppm.factories import make_person

    return make_person(Role.TEACHER, organization=world["o1"], last_name=f"Учитель{i}")


def test_failed_build_leaves_no_file(archive, monkeypatch):
    calls = []

    def boom(route, card=None):
        calls.append(route.pk)
        raise RuntimeError("шрифт не найден")

    monkeypatch.setattr("routes.exports.render_card_pdf", boom)
    run = card_archive_run(run_id=archive.pk)
    assert calls and run.status == "failed" and "шрифт не найден" in run.error
    assert files_under(private_storage().location) == []


def test_discard_partials_removes_every_attempt_of_that_run_only(archive, world):
    other = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    paths = [leave_partial(CardArchiveRun, archive.pk, n) for n in (1, 2)]
    keep = leave_partial(CardArchiveRun, other.pk, 1)
    assert jobs.discard_partials(CardArchiveRun, archive.pk) == 2
    assert not any(os.path.exists(p) for p in paths) and os.path.exists(keep)


# --- the sweeper ---------------------------------------------------------------------------


def test_sweeper_requeues_a_stale_run_which_then_completes(archive, django_capture_on_commit_callbacks):
    make_running(CardArchiveRun, archive.pk, seconds_ago=LEASE + 1)
    partial = leave_partial(CardArchiveRun, archive.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.sweep() == {"requeued": 1, "failed": 0}
    run = CardArchiveRun.objects.get(pk=archive.pk)
    assert run.status == "queued" and run.job_retry == 2
    assert "Попытка 1 прервана" in run.error and "Повторная попытка 2" in run.error
    assert not os.path.exists(partial)
    for callback in callbacks:  # the requeued task (eager in tests)
        callback()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("done", 2, "")


def test_sweeper_fails_a_run_out_of_attempts_with_the_reason(
    archive, monkeypatch, django_capture_on_commit_callbacks
):
    make_running(CardArchiveRun, archive.pk, attempts=3, seconds_ago=LEASE + 1)
    partial = leave_partial(CardArchiveRun, archive.pk, 3)
    given_up = []
    monkeypatch.setattr(CardArchiveRun, "job_given_up", classmethod(lambda cls, pk: given_up.append(pk)))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep() == {"requeued": 0, "failed": 1}
    assert given_up == [archive.pk]  # the model's own clean-up hook (an import's uploaded file)
    run = CardArchiveRun.objects.get(pk=archive.pk)
    assert run.status == "failed" and run.finished_at
    assert run.error.startswith("Обработчик задачи перестал отвечать") and "попыток: 3" in run.error
    assert not os.path.exists(partial)


def test_sweeper_leaves_live_and_finished_runs_alone(archive, world):
    make_running(CardArchiveRun, archive.pk, seconds_ago=LEASE - 5)
    done = card_archive_request(actor=world["operator"].user, organization=world["o1"])
    CardArchiveRun.objects.filter(pk=done.pk).update(
        status="done", heartbeat_at=timezone.now() - timedelta(days=1)
    )
    assert jobs.sweep() == {"requeued": 0, "failed": 0}
    assert CardArchiveRun.objects.get(pk=archive.pk).status == "running"


def test_sweeper_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stale-jobs"]
    assert entry == {"task": "cnppm.tasks.sweep_stale_jobs", "schedule": 60.0}
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST and settings.CELERY_TASK_ACKS_LATE


def test_every_run_model_is_swept_with_a_registered_task():
    from cnppm.celery import app

    app.loader.import_default_modules()
    models = {m._meta.label for m in jobs.job_models()}
    assert {"monitoring.ReportRun", "monitoring.ComputationRun", "routes.CardArchiveRun"} <= models
    for model in jobs.job_models():
        task = app.tasks[model.job_task]
        assert task.acks_late and task.reject_on_worker_lost, model


# --- an identical request is not swallowed by a dead run ------------------------------------


def test_report_request_supersedes_a_stale_run_but_not_a_live_one(world):
    period = period_get_or_create("2022-Q2")
    kwargs = {"actor": world["operator"].user, "kind": "analytic", "format": "pdf", "period": period}
    first = report_request(**kwargs, enqueue=False)
    make_running(ReportRun, first.pk, seconds_ago=LEASE - 5)
    assert report_request(**kwargs, enqueue=False) == first  # «выполняется»: the same run

    make_running(ReportRun, first.pk, seconds_ago=LEASE + 5)
    second = report_request(**kwargs, enqueue=False)
    assert second != first and second.status == RunStatus.QUEUED
    first.refresh_from_db()
    assert first.status == RunStatus.FAILED and "перестал отвечать" in first.error


def test_computation_request_is_refused_only_while_the_heartbeat_is_fresh(world):
    period = period_get_or_create("2022-Q2")
    first = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    make_running(ComputationRun, first.pk, seconds_ago=LEASE - 5)
    with pytest.raises(DomainError, match="уже выполняется"):
        computation_request(actor=world["operator"].user, period=period, enqueue=False)

    make_running(ComputationRun, first.pk, seconds_ago=LEASE + 5)
    second = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    assert second != first
    first.refresh_from_db()
    assert first.status == RunStatus.FAILED and "запрос выполнен заново" in first.error


def test_computation_taken_over_records_the_snapshots_once(world):
    from monitoring.services.computation import computation_execute

    period = period_get_or_create("2022-Q2")
    run = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    make_running(ComputationRun, run.pk, seconds_ago=LEASE + 5)
    run = computation_execute(run_id=run.pk)
    assert (run.status, run.attempts, run.progress) == ("done", 2, 100)
    assert run.snapshots.exists()


# --- the heartbeat thread ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_keeps_a_busy_run_fresh(settings):
    """In a worker (not eager) a thread refreshes heartbeat_at while the task's own code is busy."""
    from tests.cnppm.factories import MunicipalityFactory

    region = MunicipalityFactory().region
    period = period_get_or_create("2022-Q2", region=region)
    run = ComputationRun.objects.create(period=period)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    beats = []
    with jobs.run_guard(ComputationRun, run.pk) as lease:
        assert lease is not None
        for _ in range(4):
            time.sleep(0.15)
            beats.append(ComputationRun.objects.get(pk=run.pk).heartbeat_at)
    assert len(set(beats)) >= 3 and beats == sorted(beats)
    run.refresh_from_db()
    assert run.status == "done"


# --- what the operator sees ----------------------------------------------------------------


def page_text(client, url) -> str:
    import re

    html = client.get(url).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_pages_show_heartbeat_retry_and_error(client, world, archive):
    from django.urls import reverse

    from tests.helpers import login

    login(client, world["operator"])
    period = period_get_or_create("2022-Q2")
    report = report_request(
        actor=world["operator"].user, kind="analytic", format="pdf", period=period, enqueue=False
    )
    computation = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    beat = timezone.now() - timedelta(seconds=10)
    for model, pk in ((ReportRun, report.pk), (ComputationRun, computation.pk), (CardArchiveRun, archive.pk)):
        model.objects.filter(pk=pk).update(status="running", attempts=2, started_at=beat, heartbeat_at=beat)
    shown = f"последняя отметка обработчика {timezone.localtime(beat):%d.%m %H:%M:%S}, повторная попытка 2"
    pages = {
        "reports": reverse("monitoring:reports_runs"),
        "computation": reverse("monitoring:run_status", args=[computation.pk]),
        "archives": reverse("routes:archives"),
    }
    for name, url in pages.items():
        text = page_text(client, url)
        assert "выполняется" in text and shown in text and "не отвечает" not in text, name

    # Swept after a dead worker: queued again, the next attempt's number and why.
    for model, pk in ((ReportRun, report.pk), (ComputationRun, computation.pk), (CardArchiveRun, archive.pk)):
        make_running(model, pk, attempts=1, seconds_ago=LEASE + 5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jobs, "_enqueue", lambda name, pk: None)
        assert jobs.sweep()["requeued"] == 3
    for name, url in pages.items():
        text = page_text(client, url)
        assert "в очереди" in text and "повторная попытка 2" in text and "Попытка 1 прервана" in text, name

    for model, pk in ((ReportRun, report.pk), (ComputationRun, computation.pk), (CardArchiveRun, archive.pk)):
        make_running(model, pk, attempts=3, seconds_ago=LEASE + 5)
    assert jobs.sweep()["failed"] == 3
    for name, url in pages.items():
        assert "ошибка: Обработчик задачи перестал отвечать" in page_text(client, url), name


# --- a queued run whose message was lost (the broker lost it, Redis restarted) --------------

QUEUE_TIMEOUT = 120


@pytest.fixture
def sent(settings, monkeypatch):
    """The tasks' delay() recorded instead of sent to a broker: [(task name, pk), …]."""
    from celery import current_app

    settings.JOB_QUEUE_TIMEOUT = QUEUE_TIMEOUT
    current_app.loader.import_default_modules()
    calls = []
    for model in jobs.job_models():
        task = current_app.tasks[model.job_task]
        monkeypatch.setattr(task, "delay", lambda pk, name=model.job_task: calls.append((name, pk)))
    return calls


def queued_since(model, pk, seconds_ago):
    """A run requested `seconds_ago` whose message no worker ever received."""
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(seconds=seconds_ago))


def test_lost_queued_run_is_sent_again_then_failed_after_max_attempts(
    archive, sent, monkeypatch, django_capture_on_commit_callbacks
):
    given_up = []
    monkeypatch.setattr(CardArchiveRun, "job_given_up", classmethod(lambda cls, pk: given_up.append(pk)))
    queued_since(CardArchiveRun, archive.pk, QUEUE_TIMEOUT - 5)
    assert jobs.sweep() == {"requeued": 0, "failed": 0}  # an ordinary wait in the queue
    assert not CardArchiveRun.objects.get(pk=archive.pk).job_stale

    queued_since(CardArchiveRun, archive.pk, QUEUE_TIMEOUT + 5)
    run = CardArchiveRun.objects.get(pk=archive.pk)
    assert run.job_stale and not CardArchiveRun.objects.filter(jobs.live_q()).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep() == {"requeued": 1, "failed": 0}
    assert sent == [("routes.tasks.card_archive_build", archive.pk)]
    run.refresh_from_db()
    assert (run.status, run.attempts, run.job_retry) == ("queued", 1, 2)
    assert "Задача не дошла до обработчика" in run.error and "повторная попытка 2" in run.error
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=5)  # the re-dispatch's time
    assert not run.job_stale
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep() == {"requeued": 0, "failed": 0}  # the timeout counts from the re-dispatch
    assert len(sent) == 1

    # Lost again, twice: the second re-dispatch, then failed with the reason (3 dispatches in all).
    later = timezone.now() + timedelta(seconds=QUEUE_TIMEOUT + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep(now=later) == {"requeued": 1, "failed": 0}
    run.refresh_from_db()
    assert (run.status, run.attempts, run.job_retry) == ("queued", 2, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep(now=later + timedelta(seconds=QUEUE_TIMEOUT + 5)) == {"requeued": 0, "failed": 1}
    assert len(sent) == 2 and given_up == [archive.pk]
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("failed", 3) and run.finished_at
    assert run.error.startswith("Задача не дошла до обработчика") and "попыток: 3" in run.error
    assert "Запросите заново" in run.error

    # A message that was only late and arrives now finds the run failed and does nothing.
    run = card_archive_run(run_id=archive.pk)
    assert (run.status, run.attempts, run.file.name) == ("failed", 3, "")


def test_resent_task_completes_the_run_and_a_late_duplicate_does_nothing(
    archive, sent, django_capture_on_commit_callbacks
):
    queued_since(CardArchiveRun, archive.pk, QUEUE_TIMEOUT + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep()["requeued"] == 1
    ((name, pk),) = sent
    run = card_archive_run(run_id=pk)  # the worker receives the message sent again
    assert (run.status, run.attempts, run.error, run.routes_done) == ("done", 2, "", 1)
    run = card_archive_run(run_id=pk)  # the original message, only late after all
    assert (run.status, run.attempts) == ("done", 2)


def test_lost_queued_run_without_a_task_is_failed(archive, sent, monkeypatch):
    monkeypatch.setattr(CardArchiveRun, "job_task", "")
    queued_since(CardArchiveRun, archive.pk, QUEUE_TIMEOUT + 5)
    assert jobs.sweep() == {"requeued": 0, "failed": 1}
    assert sent == []
    run = CardArchiveRun.objects.get(pk=archive.pk)
    assert run.status == "failed" and "попыток: 1" in run.error


def test_identical_request_supersedes_a_lost_queued_run_but_not_a_waiting_one(world, sent):
    period = period_get_or_create("2022-Q2")
    kwargs = {"actor": world["operator"].user, "kind": "analytic", "format": "pdf", "period": period}
    first = report_request(**kwargs, enqueue=False)
    queued_since(ReportRun, first.pk, QUEUE_TIMEOUT - 5)
    assert report_request(**kwargs, enqueue=False) == first  # still waiting for a worker

    queued_since(ReportRun, first.pk, QUEUE_TIMEOUT + 5)
    second = report_request(**kwargs, enqueue=False)
    assert second != first and second.status == RunStatus.QUEUED
    first.refresh_from_db()
    assert first.status == RunStatus.FAILED and "не дошла до обработчика" in first.error
    assert "запрос выполнен заново" in first.error

    computation = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    with pytest.raises(DomainError, match="уже выполняется"):
        computation_request(actor=world["operator"].user, period=period, enqueue=False)
    queued_since(ComputationRun, computation.pk, QUEUE_TIMEOUT + 5)
    again = computation_request(actor=world["operator"].user, period=period, enqueue=False)
    assert again != computation
    computation.refresh_from_db()
    assert computation.status == RunStatus.FAILED and "не дошла до обработчика" in computation.error


def test_requeued_stale_run_is_not_swept_again_at_once(archive, sent, django_capture_on_commit_callbacks):
    """A run requeued after a dead worker waits a full queue timeout before it counts as lost."""
    make_running(CardArchiveRun, archive.pk, seconds_ago=QUEUE_TIMEOUT + 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep() == {"requeued": 1, "failed": 0}
        assert jobs.sweep() == {"requeued": 0, "failed": 0}
    assert len(sent) == 1
    assert CardArchiveRun.objects.get(pk=archive.pk).status == "queued"
