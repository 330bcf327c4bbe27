"""Background runs that survive a killed worker: one lease per run row, in one place.

A run recorded by a Celery task (a report, a computation, a card archive, an import, …) inherits
`JobRun` (status, attempts, started_at, heartbeat_at, finished_at, error) and names its task in
`job_task`. The task runs the work inside `run_guard(Model, pk)`:

- the run is claimed only when it is queued, or running with a stale heartbeat (its worker died: the
  redelivered task takes it over and starts again). Each claim bumps `attempts`, and every later
  write of the attempt is filtered on that number (a fencing token): a worker that lost its lease
  cannot overwrite the run of the worker that took it over;
- while the work goes on, `heartbeat_at` is refreshed by a thread (in a worker) and by the work's
  own progress (`lease.beat(...)`); a heartbeat older than settings.JOB_LEASE_SECONDS is stale;
- files are written to a partial path (`lease.partial_path`) and moved into place with os.replace
  (`lease.place`); partial files of the run are removed on failure, on takeover and by the sweeper;
- a new identical request marks a stale run failed instead of being swallowed (`supersede_stale`),
  and the beat task `cnppm.tasks.sweep_stale_jobs` requeues stale runs (up to JOB_MAX_ATTEMPTS
  attempts) or marks them failed with the reason;
- a run still queued after settings.JOB_QUEUE_TIMEOUT (its message never reached a worker: the broker
  lost it, Redis restarted without persistence) is stale too: the sweeper sends its task again, the
  lost dispatch counting as an attempt, and fails it after JOB_MAX_ATTEMPTS. A queued run's
  `heartbeat_at` is the time of its last dispatch (`created_at` before the first re-dispatch).
"""

from __future__ import annotations

import glob
import logging
import os
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

PARTIAL_DIR = ".partial"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "в очереди"
    RUNNING = "running", "выполняется"
    DONE = "done", "готово"
    FAILED = "failed", "ошибка"


class JobRun(models.Model):
    """The lifecycle of a background run: a model that a Celery task executes with its pk. A model may
    redeclare `status` (with its own labels) as long as the values are those of JobStatus."""

    status = models.CharField("статус", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("попыток", default=0)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    heartbeat_at = models.DateTimeField("последняя отметка обработчика", null=True, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)
    error = models.TextField("ошибка", blank=True)

    # The name of the Celery task that executes a run given its pk (the sweeper requeues with it).
    job_task: str = ""

    class Meta:
        abstract = True

    @classmethod
    def job_given_up(cls, pk) -> None:
        """Called after the run was failed without its worker (the sweeper, a takeover out of
        attempts, a superseding request). Partial files are already gone; a model that keeps files
        of its own elsewhere (an uploaded file to import) removes them here."""

    @property
    def job_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def job_stale(self) -> bool:
        """Running, but its worker has not reported for longer than the lease; or queued, and no
        worker has taken it within the queue timeout (its message was lost)."""
        if self.status == JobStatus.QUEUED:
            return _is_stale_queued(self, timezone.now())
        return self.status == JobStatus.RUNNING and _is_stale(self, timezone.now())

    @property
    def job_retry(self) -> int | None:
        """The number of the repeated attempt under way or waiting (2, 3, …), None on the first."""
        if self.status == JobStatus.QUEUED and self.attempts >= 1:
            return self.attempts + 1
        if self.status == JobStatus.RUNNING and self.attempts > 1:
            return self.attempts
        return None


class LeaseLost(Exception):
    """The run was taken over (or failed by the sweeper) while this attempt was still working."""


# --- settings -------------------------------------------------------------------------------


def lease_seconds() -> float:
    return float(getattr(settings, "JOB_LEASE_SECONDS", 180))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 0) or max(lease_seconds() / 6, 0.2))


def max_attempts() -> int:
    return int(getattr(settings, "JOB_MAX_ATTEMPTS", 3))


def queue_timeout() -> float:
    """How long a run may wait in the queue before its message is taken for lost (the lease if unset)."""
    return float(getattr(settings, "JOB_QUEUE_TIMEOUT", 0) or lease_seconds())


# --- freshness ------------------------------------------------------------------------------


def _cutoff(now=None):
    return (now or timezone.now()) - timedelta(seconds=lease_seconds())


def stale_running_q(now=None) -> Q:
    """Running runs whose worker has not reported within the lease (no heartbeat at all counts as
    stale once the run started longer ago than the lease, or never recorded its start)."""
    cutoff = _cutoff(now)
    return Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    )


def stale_queued_q(now=None) -> Q:
    """Queued runs that no worker took within the queue timeout since their last dispatch
    (heartbeat_at, set by a re-dispatch) or their creation: the message was lost."""
    cutoff = (now or timezone.now()) - timedelta(seconds=queue_timeout())
    return Q(status=JobStatus.QUEUED) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )


def stale_q(now=None) -> Q:
    """Runs whose worker died (running, stale heartbeat) or whose message was lost (queued too long).
    Every JobRun model has `created_at` (the time of the request)."""
    return stale_running_q(now) | stale_queued_q(now)


def live_q(now=None) -> Q:
    """Runs that are still going: queued within the queue timeout, or running with a fresh heartbeat."""
    return Q(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)) & ~stale_q(now)


def _is_stale(run, now) -> bool:
    cutoff = _cutoff(now)
    last = run.heartbeat_at or run.started_at
    return last is None or last < cutoff


def _is_stale_queued(run, now) -> bool:
    since = run.heartbeat_at or getattr(run, "created_at", None)
    return since is not None and since < now - timedelta(seconds=queue_timeout())


# --- files ----------------------------------------------------------------------------------


def _label(model) -> str:
    return model._meta.label_lower


def _storages(model) -> list:
    """The file-system storages of the model's file fields (where its partial files may lie)."""
    found = []
    for field in model._meta.fields:
        if isinstance(field, models.FileField):
            storage = field.storage
            if hasattr(storage, "location") and storage not in found:
                found.append(storage)
    return found


def discard_partials(model, pk) -> int:
    """Remove every partial file left by any attempt of the run; returns how many."""
    removed = 0
    for storage in _storages(model):
        pattern = os.path.join(storage.location, PARTIAL_DIR, f"{_label(model)}-{pk}-*.part")
        for path in glob.glob(pattern):
            try:
                os.remove(path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


# --- the lease ------------------------------------------------------------------------------


class Lease:
    """The right of one attempt to work on a run. Every write goes through `_mine()`, which matches
    the run only while it is still running under this attempt's number."""

    def __init__(self, model, pk, attempt: int):
        self.model, self.pk, self.attempt = model, pk, attempt
        self.lost = False
        self.finished = False
        self.handed_over = False
        self._placed: list[str] = []

    def _mine(self):
        return self.model.objects.filter(pk=self.pk, status=JobStatus.RUNNING, attempts=self.attempt)

    def beat(self, **fields) -> None:
        """Refresh the heartbeat (and save progress fields); raises LeaseLost if the run is no longer ours."""
        if self.lost or not self._mine().update(heartbeat_at=timezone.now(), **fields):
            self.lost = True
            raise LeaseLost(f"{_label(self.model)} {self.pk}: попытка {self.attempt} потеряла задачу")

    def finish(self, **fields) -> None:
        """Record the run done (with the given fields) if it is still ours; call inside the
        transaction that writes the result, so that a lost lease rolls the result back."""
        now = timezone.now()
        if self.lost or not self._mine().update(
            status=JobStatus.DONE, finished_at=now, heartbeat_at=now, error="", **fields
        ):
            self.lost = True
            raise LeaseLost(f"{_label(self.model)} {self.pk}: попытка {self.attempt} потеряла задачу")
        self.finished = True

    def hand_over(self) -> None:
        """The attempt goes on in other tasks (a chord's chunks and its merge, each in `step_guard`):
        `run_guard` leaves the run running when its body returns. A dead step is taken over like a
        dead worker: its heartbeat goes stale, the sweeper requeues the run's task."""
        self.handed_over = True

    def fail(self, message: str) -> None:
        now = timezone.now()
        self._mine().update(status=JobStatus.FAILED, finished_at=now, heartbeat_at=now, error=message[:2000])

    def partial_path(self, storage, suffix: str = "") -> str:
        """A path beside the storage's files where this attempt writes a file before it is complete."""
        directory = os.path.join(storage.location, PARTIAL_DIR)
        os.makedirs(directory, exist_ok=True)
        return os.path.join(directory, f"{_label(self.model)}-{self.pk}-{self.attempt}{suffix}.part")

    def place(self, storage, partial: str, name: str) -> str:
        """Move a complete partial file into place under a free name (one os.replace on the same
        file system: readers see no file or the whole file); returns the stored name."""
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        self.beat()
        name = storage.get_available_name(storage.generate_filename(name))
        final = storage.path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(partial, final)
        self._placed.append(final)
        return name

    def discard_files(self) -> None:
        """After a failure or a lost lease: nothing of this attempt stays on disk."""
        for path in self._placed:
            if os.path.exists(path):
                os.remove(path)
        self._placed = []
        if self.lost:
            self._discard_own_partials()
        else:
            discard_partials(self.model, self.pk)

    def _discard_own_partials(self) -> None:
        # Another attempt owns the run now: remove only this attempt's partial files.
        for storage in _storages(self.model):
            pattern = os.path.join(
                storage.location, PARTIAL_DIR, f"{_label(self.model)}-{self.pk}-{self.attempt}*.part"
            )
            for path in glob.glob(pattern):
                if os.path.exists(path):
                    os.remove(path)


class _Heartbeat(threading.Thread):
    """Refreshes the lease while the task's own code is busy (rendering a PDF, a query)."""

    def __init__(self, lease: Lease, interval: float):
        super().__init__(daemon=True, name=f"heartbeat-{_label(lease.model)}-{lease.pk}")
        self.lease, self.interval = lease, interval
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                try:
                    if not self.lease._mine().update(heartbeat_at=timezone.now()):
                        self.lease.lost = True
                        return
                except Exception:  # a missed beat is not fatal: the next one may pass
                    log.warning("heartbeat of %s %s failed", _label(self.lease.model), self.lease.pk)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=self.interval + 5)


def claim(model, pk) -> Lease | None:
    """Take the run for a new attempt if nobody is working on it: queued, or running with a stale
    heartbeat (taken over: the previous attempt's partial files are removed). None when the run is
    finished, missing, or another attempt's heartbeat is fresh. A stale run that has used all its
    attempts is marked failed instead."""
    now = timezone.now()
    with transaction.atomic():
        run = model.objects.select_for_update().filter(pk=pk).first()
        if run is None or run.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        takeover = run.status == JobStatus.RUNNING
        if takeover and not _is_stale(run, now):
            return None
        if takeover:
            discard_partials(model, pk)
            if run.attempts >= max_attempts():
                model.objects.filter(pk=pk).update(
                    status=JobStatus.FAILED, finished_at=now, error=_gave_up_reason(run)
                )
                transaction.on_commit(lambda: model.job_given_up(pk))
                return None
            log.warning("%s %s: taking over attempt %s of a dead worker", _label(model), pk, run.attempts)
        attempt = run.attempts + 1
        model.objects.filter(pk=pk).update(
            status=JobStatus.RUNNING,
            attempts=attempt,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            error="",
        )
    return Lease(model, pk, attempt)


@contextmanager
def run_guard(model, pk, *, error_prefix: str = "", reraise: bool = False):
    """Claim the run and yield its Lease (None when there is nothing to do: the caller returns).
    On a normal exit the run is done (unless the body called `lease.finish` itself); on an error it
    is failed with the message (a DomainError's own message, else `error_prefix` and the exception),
    and its files are removed; on a lost lease this attempt leaves quietly."""
    from cnppm.services import DomainError

    lease = claim(model, pk)
    if lease is None:
        yield None
        return
    heartbeat = None
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # Eager runs happen inside the request (no worker to lose, no beat to sweep): no thread.
        heartbeat = _Heartbeat(lease, heartbeat_seconds())
        heartbeat.start()
    try:
        yield lease
        if not lease.finished and not lease.handed_over:
            lease.finish()
    except LeaseLost as exc:
        log.warning("%s", exc)
        lease.discard_files()
    except Exception as exc:
        lease.discard_files()
        if isinstance(exc, DomainError):
            message = exc.message
        else:
            log.exception("%s %s failed", _label(model), pk)
            message = f"{error_prefix}{type(exc).__name__}: {exc}"
        lease.fail(message)
        if reraise and not isinstance(exc, DomainError):
            raise
    finally:
        if heartbeat is not None:
            heartbeat.stop()


@contextmanager
def step_guard(model, pk, attempt: int, *, error_prefix: str = ""):
    """A later step of an attempt that `run_guard` handed over (`Lease.hand_over`): a chunk of a
    chord or its merge, maybe on another worker. Yields the attempt's Lease, or None when the run is
    no longer this attempt's (taken over, failed, finished: the step returns). The step's heartbeat
    keeps the run alive while it works; an error fails the run with its files removed; the run is
    done only when the step calls `lease.finish`."""
    from cnppm.services import DomainError

    lease = Lease(model, pk, attempt)
    try:
        lease.beat()
    except LeaseLost:
        yield None
        return
    heartbeat = None
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        heartbeat = _Heartbeat(lease, heartbeat_seconds())
        heartbeat.start()
    try:
        yield lease
    except LeaseLost as exc:
        log.warning("%s", exc)
        lease.discard_files()
    except Exception as exc:
        lease.discard_files()
        if isinstance(exc, DomainError):
            message = exc.message
        else:
            log.exception("%s %s failed", _label(model), pk)
            message = f"{error_prefix}{type(exc).__name__}: {exc}"
        lease.fail(message)
    finally:
        if heartbeat is not None:
            heartbeat.stop()


# --- stale runs: a new request, the sweeper ------------------------------------------------


def _last_seen(run) -> str:
    last = run.heartbeat_at or run.started_at
    return timezone.localtime(last).strftime("%d.%m.%Y %H:%M:%S") if last else "нет"


def _gave_up_reason(run) -> str:
    return (
        f"Обработчик задачи перестал отвечать (последняя отметка: {_last_seen(run)}); "
        f"попыток: {run.attempts}. Запросите заново."
    )


def _queued_since(run) -> str:
    since = run.heartbeat_at or getattr(run, "created_at", None)
    return timezone.localtime(since).strftime("%d.%m.%Y %H:%M:%S") if since else "нет"


def _lost_reason(run, attempts: int) -> str:
    return (
        f"Задача не дошла до обработчика: в очереди с {_queued_since(run)}, ни один обработчик её не взял "
        f"(сообщение потеряно); попыток: {attempts}. Запросите заново."
    )


@transaction.atomic
def supersede_stale(qs) -> int:
    """Mark failed the runs of `qs` that are running with a stale heartbeat or queued past the
    queue timeout (a lost message), so that a new identical request starts a new run instead of
    waiting for a dead one; returns how many."""
    now = timezone.now()
    count = 0
    for run in qs.select_for_update().filter(stale_q(now)):
        model = type(run)
        discard_partials(model, run.pk)
        if run.status == JobStatus.QUEUED:
            error = (
                f"Задача не дошла до обработчика (в очереди с {_queued_since(run)}); запрос выполнен заново."
            )
        else:
            error = (
                f"Обработчик задачи перестал отвечать (последняя отметка: {_last_seen(run)}); "
                "запрос выполнен заново."
            )
        failed = model.objects.filter(pk=run.pk, status=run.status, attempts=run.attempts).update(
            status=JobStatus.FAILED, finished_at=now, error=error
        )
        if failed:
            transaction.on_commit(lambda model=model, pk=run.pk: model.job_given_up(pk))
        count += failed
    return count


def job_models() -> list:
    return [m for m in apps.get_models() if issubclass(m, JobRun)]


def _enqueue(task_name: str, pk) -> None:
    from celery import current_app

    current_app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
    task = current_app.tasks.get(task_name)
    if task is not None:
        task.delay(pk)
    else:
        current_app.send_task(task_name, args=[pk])


def _sweep_queued(model, run, now, result) -> None:
    """A run queued past the timeout: its message never reached a worker. The lost dispatch counts
    as an attempt; the task is sent again while attempts remain, else the run is failed. A message
    that was only late is harmless: the second delivery finds the run taken (claim) and returns."""
    attempts = run.attempts + 1
    mine = model.objects.filter(pk=run.pk, status=JobStatus.QUEUED, attempts=run.attempts)
    if model.job_task and attempts < max_attempts():
        mine.update(
            attempts=attempts,
            heartbeat_at=now,  # the time of this dispatch: the queue timeout counts from it
            error=(
                f"Задача не дошла до обработчика (в очереди с {_queued_since(run)}); "
                f"отправлена заново, повторная попытка {attempts + 1}."
            ),
        )
        transaction.on_commit(lambda name=model.job_task, pk=run.pk: _enqueue(name, pk))
        result["requeued"] += 1
    else:
        mine.update(
            status=JobStatus.FAILED, attempts=attempts, finished_at=now, error=_lost_reason(run, attempts)
        )
        transaction.on_commit(lambda model=model, pk=run.pk: model.job_given_up(pk))
        result["failed"] += 1
    log.warning("lost queued %s %s (attempt %s) swept", _label(model), run.pk, attempts)


def sweep(now=None) -> dict[str, int]:
    """Requeue each stale run (its worker died, or its message was lost in the queue) for another
    attempt, or, when its attempts are used up or it has no task to requeue with, mark it failed with
    the reason; partial files go either way. Returns {"requeued": n, "failed": n}."""
    now = now or timezone.now()
    result = {"requeued": 0, "failed": 0}
    for model in job_models():
        with transaction.atomic():
            for run in model.objects.select_for_update(skip_locked=True).filter(stale_q(now)):
                discard_partials(model, run.pk)
                if run.status == JobStatus.QUEUED:
                    _sweep_queued(model, run, now, result)
                    continue
                mine = model.objects.filter(pk=run.pk, status=JobStatus.RUNNING, attempts=run.attempts)
                if model.job_task and run.attempts < max_attempts():
                    mine.update(
                        status=JobStatus.QUEUED,
                        heartbeat_at=now,  # requeued now: the queue timeout counts from here
                        error=(
                            f"Попытка {run.attempts} прервана: обработчик задачи перестал отвечать "
                            f"(последняя отметка: {_last_seen(run)}). Повторная попытка {run.attempts + 1}."
                        ),
                    )
                    transaction.on_commit(lambda name=model.job_task, pk=run.pk: _enqueue(name, pk))
                    result["requeued"] += 1
                else:
                    mine.update(status=JobStatus.FAILED, finished_at=now, error=_gave_up_reason(run))
                    transaction.on_commit(lambda model=model, pk=run.pk: model.job_given_up(pk))
                    result["failed"] += 1
                log.warning("stale %s %s (attempt %s) swept", _label(model), run.pk, run.attempts)
    return result
