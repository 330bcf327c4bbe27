"""Imports run as Celery tasks, not inside the request: the upload page stores the file in
PRIVATE_MEDIA_ROOT, records an ImportJob and queues `cnppm.tasks.import_job_run`; the job page polls
its progress and shows the result or the errors.

The task runs the same read → validate → write pipeline as before (each import's own service, all
or nothing), under the lease of cnppm.jobs: a redelivered job that is finished does nothing, a running
one whose heartbeat is fresh is left to its worker, a stale one is taken over and run again (the
services are idempotent: re-importing the same file creates no duplicates, and a failed attempt wrote
nothing). Rows read are reported as progress and as the heartbeat. The stored file is deleted when
the job finishes, whether it succeeded or failed, with one exception: a dry run of the imports hub
(roster, structure, history) that found no error keeps its file for CONFIRM_TTL, so that its uploader
can confirm it by the job's id (`import_job_confirm`, the job page's button and
`POST /api/v1/import-jobs/<id>/confirm/`) instead of uploading the same file again. Without a broker
(CELERY_TASK_ALWAYS_EAGER) the job runs at once, in the request, and the page shows its result."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import access, jobs
from .choices import ImportKind, ImportStatus
from .models import ImportJob
from .services import DomainError
from .spreadsheets import check_upload_size, reporting_progress

log = logging.getLogger(__name__)

UPLOAD_DIR = "imports"
PROGRESS_SECONDS = 1.0  # at most one progress write a second


class ImportRefused(DomainError):
    """The file was refused (nothing written): a headline and the list of errors to show."""

    def __init__(self, headline: str, errors: list):
        super().__init__(headline, code="import_refused")
        self.errors = errors


# --- Submitting ---------------------------------------------------------------------------------


def _storage_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / UPLOAD_DIR


def _store(upload, filename: str) -> str:
    """Write the upload (chunk by chunk) under a random name; returns the path relative to the root."""
    root = _storage_root()
    root.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename or "").suffix.lower()[:10]
    name = f"{uuid.uuid4().hex}{suffix}"
    with open(root / name, "wb") as fh:
        if isinstance(upload, bytes | bytearray):
            fh.write(upload)
        else:
            if hasattr(upload, "seek"):
                upload.seek(0)
            chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
            for chunk in chunks:
                fh.write(chunk)
    return f"{UPLOAD_DIR}/{name}"


def import_job_submit(*, actor, kind: str, upload, params: dict | None = None, region_id=None) -> ImportJob:
    """Store the uploaded file and queue its import; refuses at once a file over IMPORT_MAX_BYTES or
    an empty one (nothing is stored). Returns the job, whose page shows progress and the result."""
    if kind not in ImportKind.values:
        raise DomainError("Неизвестный вид загрузки.")
    check_upload_size(upload)
    filename = os.path.basename(getattr(upload, "name", "") or "")[:255]
    path = _store(upload, filename)
    dry_runs_discard_expired()
    job = ImportJob.objects.create(
        kind=kind,
        actor=actor,
        region_id=region_id or access.import_job_region_id(actor),
        filename=filename,
        path=path,
        params=params or {},
    )
    return _enqueue(job)


def _enqueue(job: ImportJob) -> ImportJob:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No worker: run now (the request waits, as it would have without jobs).
        import_job_execute(job.pk)
        job.refresh_from_db()
    else:
        from .tasks import import_job_run

        transaction.on_commit(lambda: import_job_run.delay(job.pk))
    return job


def import_jobs_visible(user):
    return ImportJob.objects.filter(access.import_job_q(user)).select_related("actor")


# --- Running ------------------------------------------------------------------------------------


def discard_file(job_id: int) -> None:
    """Delete the job's stored upload (when it finished, or was given up)."""
    path = ImportJob.objects.filter(pk=job_id).values_list("path", flat=True).first()
    if path:
        full = Path(settings.PRIVATE_MEDIA_ROOT) / path
        full.unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job_id).update(path="")


def import_job_execute(job_id: int) -> str:
    """Run one job under its lease; returns its final status. Safe to call again for the same job."""
    with jobs.run_guard(ImportJob, job_id, error_prefix="Внутренняя ошибка при загрузке: ") as lease:
        if lease is None:
            status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
            if status in (ImportStatus.DONE, ImportStatus.FAILED):
                _settle_file(job_id)
            return status or "missing"
        job = ImportJob.objects.select_related("actor", "region").get(pk=job_id)
        full = Path(settings.PRIVATE_MEDIA_ROOT) / job.path
        if not job.path or not full.exists():
            raise DomainError("Загруженный файл не найден: загрузите его снова.")
        last = [0.0]

        def progress(rows: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_SECONDS:
                last[0] = now
                lease.beat(progress_done=rows)

        try:
            with reporting_progress(progress):
                result = RUNNERS[job.kind](job, full)
        except ImportRefused as exc:
            lease.beat(errors=_jsonable(exc.errors), result={"headline": exc.message, "back": _back(job)})
            raise
        except DomainError as exc:
            lease.beat(
                errors=[{"message": exc.message}],
                result={"headline": _failed_headline(job), "back": _back(job)},
            )
            raise
        result.setdefault("back", _back(job))
        lease.finish(result=result)
    final = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if final in (ImportStatus.DONE, ImportStatus.FAILED):
        _settle_file(job_id)
    return final or "missing"


def _settle_file(job_id: int) -> None:
    """A finished job's file goes, unless the job is a clean dry run waiting for its confirmation."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None and _awaits_confirmation(job):
        return
    discard_file(job_id)


# --- Confirming a dry run by the job's id (issue 10.4) --------------------------------------------

# Kinds whose upload form offers «Только проверить»: the imports hub's uploads.
CONFIRMABLE_KINDS = frozenset(
    (
        ImportKind.ROSTER,
        ImportKind.STRUCTURE,
        ImportKind.HISTORY,
        ImportKind.EVENTS,
        ImportKind.STAFF_TRAINING,
    )
)
# How long a checked file waits for its confirmation (then it is deleted, like an unconfirmed item bank).
CONFIRM_TTL = timedelta(days=1)


def _is_dry_run(job: ImportJob) -> bool:
    return job.kind in CONFIRMABLE_KINDS and bool((job.params or {}).get("dry_run"))


def _awaits_confirmation(job: ImportJob) -> bool:
    """A dry run that succeeded without errors and has not been confirmed yet (its file is kept)."""
    result = job.result if isinstance(job.result, dict) else {}
    return (
        _is_dry_run(job)
        and job.status == ImportStatus.DONE
        and not job.errors
        and not result.get("confirmed_by")
    )


def confirm_until(job: ImportJob):
    """Until when the dry run can be confirmed (None: it cannot, or no longer)."""
    if not _awaits_confirmation(job) or not job.path or job.finished_at is None:
        return None
    until = job.finished_at + CONFIRM_TTL
    return until if until > timezone.now() else None


def confirmable_by(user, job: ImportJob) -> bool:
    """Whether `user` may confirm the dry run now (the job page's button, the API's `confirmable`)."""
    return access.import_job_confirm_allowed(user, job) and confirm_until(job) is not None


def import_job_confirm(*, actor, job: ImportJob) -> ImportJob:
    """Write the file a dry run checked: a new job of the same kind, region and parameters (without
    «Только проверить») takes over the stored file and runs the import's own service, which checks
    the file again against the region's data as it is now, exactly as the page's second upload
    would (a row that no longer fits refuses the whole file, nothing written). Refused with a Russian
    message, nothing changed: by anyone but the uploader (still an operator of the job's region), for
    a job that is not a clean dry run, a second time, or after the file expired. Returns the new job."""
    with transaction.atomic():
        # The row lock makes a double submit wait for the first and then see it confirmed.
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _confirm_check(actor, job)
        confirming = ImportJob.objects.create(
            kind=job.kind,
            actor=actor,
            region_id=job.region_id,
            filename=job.filename,
            path=job.path,  # the file changes hands: the dry run no longer holds it
            params={**job.params, "dry_run": False, "confirms": job.pk},
        )
        result = job.result if isinstance(job.result, dict) else {}
        ImportJob.objects.filter(pk=job.pk).update(path="", result={**result, "confirmed_by": confirming.pk})
    return _enqueue(confirming)


def _confirm_check(actor, job: ImportJob) -> None:
    if not access.import_job_confirm_allowed(actor, job):
        raise DomainError(
            "Подтвердить проверку может только оператор, загрузивший файл, пока он работает в регионе загрузки.",
            code="forbidden",
        )
    if not _is_dry_run(job):
        raise DomainError("Подтвердить можно только проверку файла (загрузку с отметкой «Только проверить»).")
    result = job.result if isinstance(job.result, dict) else {}
    if result.get("confirmed_by"):
        raise DomainError(
            f"Эта проверка уже подтверждена: файл записывается загрузкой №{result['confirmed_by']}. "
            "Повторно подтверждать не нужно."
        )
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        raise DomainError("Проверка ещё не закончена: дождитесь её итога.")
    if job.status != ImportStatus.DONE or job.errors:
        raise DomainError("Проверка нашла ошибки: исправьте файл и загрузите его снова.")
    if confirm_until(job) is None or not (Path(settings.PRIVATE_MEDIA_ROOT) / job.path).exists():
        raise DomainError(
            "Срок подтверждения проверки истёк, файл удалён: загрузите его снова "
            f"(проверенный файл хранится {_ttl_text()})."
        )


def _ttl_text() -> str:
    hours = int(CONFIRM_TTL.total_seconds() // 3600)
    return "сутки" if hours == 24 else f"{hours} ч"


def dry_runs_discard_expired() -> int:
    """Delete the files of dry runs left unconfirmed for longer than CONFIRM_TTL."""
    expired = ImportJob.objects.filter(
        kind__in=CONFIRMABLE_KINDS,
        status=ImportStatus.DONE,
        finished_at__lt=timezone.now() - CONFIRM_TTL,
    ).exclude(path="")
    ids = list(expired.values_list("pk", flat=True)[:1000])
    for pk in ids:
        discard_file(pk)
    return len(ids)


def _jsonable(errors: list) -> list[dict]:
    out = []
    for e in errors[:1000]:
        if isinstance(e, str):
            out.append({"message": e})
        elif isinstance(e, dict):
            out.append(e)
        else:  # cnppm.importers.RowError
            out.append({"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message})
    return out


REFUSED = {
    ImportKind.ROSTER: "Файл не загружен, ничего не записано.",
    ImportKind.STRUCTURE: "Файл не загружен, ничего не записано.",
    ImportKind.CATALOGUE: "Импорт отменён, ничего не добавлено.",
    ImportKind.ITEMS: "Файл не загружен: ни одно задание не сохранено.",
    ImportKind.RESULTS: "Файл не загружен: ни один результат не сохранён.",
    ImportKind.REFERENCE: "Файл не загружен, ничего не изменено.",
    ImportKind.HISTORY: "Файл не загружен, ничего не записано.",
    ImportKind.EVENTS: "Файл не загружен, ничего не записано.",
    ImportKind.STAFF_TRAINING: "Файл не загружен, ничего не записано.",
    ImportKind.PROGRAMMES: "Файл не загружен, ничего не записано.",
    ImportKind.GROUPS: "Файл не загружен, ничего не записано.",
    ImportKind.TRAININGS: "Файл не загружен, ничего не записано.",
}


# Kinds uploaded on the imports page itself (the others on their app's page).
HUB_KINDS = (
    ImportKind.ROSTER,
    ImportKind.STRUCTURE,
    ImportKind.HISTORY,
    ImportKind.EVENTS,
    ImportKind.STAFF_TRAINING,
)


def _failed_headline(job: ImportJob) -> str:
    return REFUSED[job.kind]


def _back(job: ImportJob) -> dict:
    """Where to go next: the page the upload came from."""
    params = job.params
    if job.kind in HUB_KINDS:
        return {"url": reverse("imports"), "label": "К странице импорта"}
    if job.kind == ImportKind.CATALOGUE:
        return {"url": reverse("routes:catalogue"), "label": "К каталогу мероприятий"}
    if job.kind in (ImportKind.PROGRAMMES, ImportKind.GROUPS, ImportKind.TRAININGS):
        return {"url": reverse("courses:programmes"), "label": "К курсам ЦНППМ"}
    if job.kind == ImportKind.ITEMS:
        return {
            "url": reverse("diagnostics:instrument_detail", kwargs={"pk": params["instrument"]}),
            "label": "К диагностической работе",
        }
    if job.kind == ImportKind.RESULTS:
        return {
            "url": reverse("diagnostics:statistics_detail", kwargs={"pk": params["instrument"]}),
            "label": "К статистике работы",
        }
    return {"url": reverse("monitoring:statistics"), "label": "К справочной статистике"}


# --- Runners: one per kind, each calling that import's own service --------------------------------


def _run_directory(job: ImportJob, path: Path) -> dict:
    from . import importers

    service = importers.roster_import if job.kind == ImportKind.ROSTER else importers.structure_import
    # The region resolved when the file was uploaded (the importer checks it is still the actor's).
    region = job.region if job.params.get("region") else None
    with open(path, "rb") as fh:
        report = service(
            actor=job.actor,
            file=fh,
            dry_run=bool(job.params.get("dry_run")),
            filename=job.filename,
            region=region,
        )
    if report.errors:
        raise ImportRefused(report.summary(), report.errors)
    messages = []
    if job.kind == ImportKind.ROSTER and report.accounts_created and not report.dry_run:
        messages.append(
            f"Создано учётных записей: {report.accounts_created}. Скачайте файл учётных данных со ссылками "
            "для входа и передайте каждому его ссылку."
        )
    return {"summary": report.summary(), "messages": messages, "rows": report.rows, "counts": _counts(report)}


def _counts(report) -> dict:
    """The figures of the preview (what a dry run would write) and of the import, for the API."""
    counts = {"rows": report.rows}
    if report.kind == ImportKind.ROSTER:
        counts.update(
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            accounts_created=report.accounts_created,
        )
    counts["details"] = dict(report.details)
    return counts


def _run_catalogue(job: ImportJob, path: Path) -> dict:
    from routes.importers import import_catalogue

    result = import_catalogue(actor=job.actor, data=path.read_bytes())
    if not result.ok:
        raise ImportRefused(
            f"Импорт отменён, ничего не добавлено. Ошибок: {len(result.errors)}.", list(result.errors)
        )
    return {
        "summary": f"Импорт выполнен: добавлено мероприятий — {len(result.rows)}.",
        "rows": len(result.rows),
    }


def _instrument(job: ImportJob):
    from diagnostics.models import Instrument

    instrument = Instrument.objects.filter(pk=job.params.get("instrument")).first()
    if instrument is None:
        raise DomainError("Диагностическая работа не найдена.")
    return instrument


def _refused_from(exc, kind: str):
    return ImportRefused(f"{REFUSED[kind]} Ошибок: {len(exc.errors)}.", list(exc.errors))


def _run_items(job: ImportJob, path: Path) -> dict:
    from diagnostics.importers import ImportFailed
    from diagnostics.services import authoring

    instrument = _instrument(job)
    try:
        result = authoring.items_import_file(
            actor=job.actor,
            instrument=instrument,
            data=path.read_bytes(),
            filename=job.filename,
            default_variant=job.params.get("default_variant"),
            replace=bool(job.params.get("replace")),
            fmt=job.params.get("format", ""),
            mapping=job.params.get("mapping"),  # confirmed in the preview (issue 10.1)
            block=job.params.get("block", ""),
        )
    except ImportFailed as exc:
        raise _refused_from(exc, ImportKind.ITEMS) from None
    variants = ", ".join(map(str, result["variants"]))
    left_out = [f"Не импортирован {m}" for m in result.get("skipped", [])]
    return {
        "summary": f"Импортировано заданий: {result['created']} (варианты {variants}).",
        # What still stands between the instrument and publishing, as the upload page used to say;
        # then the questions left out and the notes of the preview, by question.
        "messages": authoring.instrument_readiness_errors(instrument)
        + left_out
        + result.get("notes", [])[:500],
        "rows": result["created"],
    }


def _run_results(job: ImportJob, path: Path) -> dict:
    from diagnostics.importers import ImportFailed
    from diagnostics.services import results_import

    try:
        result = results_import.results_import(
            actor=job.actor,
            instrument=_instrument(job),
            data=path.read_bytes(),
            source=job.params.get("source", ""),
        )
    except ImportFailed as exc:
        raise _refused_from(exc, ImportKind.RESULTS) from None
    return {
        "summary": f"Внешние результаты загружены: добавлено {result['created']}, обновлено {result['updated']}.",
        "rows": result["created"] + result["updated"],
    }


def _run_reference(job: ImportJob, path: Path) -> dict:
    from monitoring.services import reference

    if job.region is None:
        raise DomainError("Не определён регион, к которому относятся данные.")
    with open(path, "rb") as fh:
        n = reference.refstat_import_xlsx(actor=job.actor, file=fh, region=job.region)
    return {"summary": f"Загружено строк: {n}.", "rows": n}


def _run_history(job: ImportJob, path: Path) -> dict:
    """History before the portal (issue 10.2): diagnostics and routes, regional events, staff training."""
    from monitoring.services import records_import
    from routes import history

    service = {
        ImportKind.HISTORY: history.history_import,
        ImportKind.EVENTS: records_import.regional_events_import,
        ImportKind.STAFF_TRAINING: records_import.staff_training_import,
    }[job.kind]
    with open(path, "rb") as fh:
        report = service(
            actor=job.actor,
            file=fh,
            dry_run=bool(job.params.get("dry_run")),
            filename=job.filename,
            region=job.region if job.params.get("region") else None,
        )
    if report.errors:
        raise ImportRefused(report.summary(), report.errors)
    return {"summary": report.summary(), "rows": report.rows, "counts": _counts(report)}


def _run_courses(job: ImportJob, path: Path) -> dict:
    """Courses (issue 12.6): programmes, groups with their participants, training of past years."""
    from courses.views_imports import run_job

    return run_job(job, path)


RUNNERS = {
    ImportKind.ROSTER: _run_directory,
    ImportKind.STRUCTURE: _run_directory,
    ImportKind.CATALOGUE: _run_catalogue,
    ImportKind.ITEMS: _run_items,
    ImportKind.RESULTS: _run_results,
    ImportKind.REFERENCE: _run_reference,
    ImportKind.HISTORY: _run_history,
    ImportKind.EVENTS: _run_history,
    ImportKind.STAFF_TRAINING: _run_history,
    ImportKind.PROGRAMMES: _run_courses,
    ImportKind.GROUPS: _run_courses,
    ImportKind.TRAININGS: _run_courses,
}


# --- Uploads offered by the API: one entry per kind (issue 10.4) ------------------------------------
#
# The API answers `POST /api/v1/imports/<kind>/` for every kind registered here, with the upload page's
# own form (the file and its parameters) as the request body; the job is then followed at
# `/api/v1/import-jobs/<id>/`. A new kind: add its runner to RUNNERS and register its upload here (or
# from its app's module with `upload_register`), and the API and its schema offer it.


@dataclass(frozen=True)
class Upload:
    """How a kind is uploaded: who may (`allowed(user)`), the page's form (a dotted path: the file and
    its parameters), and `params(actor, cleaned_data, data)` → (the job's params, its region id)."""

    kind: str
    allowed: Callable
    form: str
    params: Callable
    title: str = ""


UPLOADS: dict[str, Upload] = {}


def upload_register(kind: str, *, allowed, form: str, params=None, title: str = "") -> None:
    UPLOADS[kind] = Upload(
        kind=kind,
        allowed=allowed,
        form=form,
        params=params or (lambda actor, cleaned, data: ({}, None)),
        title=title or str(ImportKind(kind).label),
    )


def upload_form(kind: str):
    module, _, name = UPLOADS[kind].form.rpartition(".")
    return getattr(import_module(module), name)


def upload_submit(*, actor, kind: str, cleaned: dict, data) -> ImportJob:
    """Queue an upload of a registered kind, as its page does (the same params, the same region)."""
    upload = UPLOADS[kind]
    params, region_id = upload.params(actor, cleaned, data)
    return import_job_submit(
        actor=actor, kind=kind, upload=cleaned["file"], params=params, region_id=region_id
    )


def _operator(user) -> bool:
    return access.has_role(user, "operator")


def _chosen_region(actor, data):
    """The actor's region; an operator of several regions names it (another region's id answers 404)."""
    return access.write_region(actor, data.get("region") if hasattr(data, "get") else None)


def _directory_params(actor, cleaned, data):
    region = _chosen_region(actor, data)
    return {"dry_run": bool(cleaned.get("dry_run")), "region": region.pk}, region.pk


def _reference_params(actor, cleaned, data):
    return {}, _chosen_region(actor, data).pk


def _items_params(actor, cleaned, data):
    params = {
        "instrument": cleaned["instrument"].pk,
        "default_variant": cleaned["default_variant"],
        "replace": bool(cleaned.get("replace")),
    }
    return params, None


def _results_params(actor, cleaned, data):
    return {"instrument": cleaned["instrument"].pk, "source": cleaned.get("source", "")}, None


def _catalogue_params(actor, cleaned, data):
    # The catalogue page refuses files over 5 MB before queueing (routes.views.catalogue.MAX_UPLOAD).
    from routes.views.catalogue import MAX_UPLOAD

    if cleaned["file"].size > MAX_UPLOAD:
        raise DomainError("Файл больше 5 МБ.")
    return {}, None


upload_register(
    ImportKind.ROSTER, allowed=_operator, form="cnppm.import_views.UploadForm", params=_directory_params
)
upload_register(
    ImportKind.STRUCTURE, allowed=_operator, form="cnppm.import_views.UploadForm", params=_directory_params
)
upload_register(
    ImportKind.CATALOGUE,
    allowed=lambda user: access.can_edit_catalogue(user),
    form="routes.forms.CatalogueImportForm",
    params=_catalogue_params,
)
upload_register(
    ImportKind.ITEMS, allowed=_operator, form="diagnostics.forms.ItemsImportForm", params=_items_params
)
upload_register(
    ImportKind.RESULTS, allowed=_operator, form="diagnostics.forms.ResultsImportForm", params=_results_params
)
upload_register(
    ImportKind.REFERENCE, allowed=_operator, form="monitoring.forms.ImportForm", params=_reference_params
)
# History before the portal (issue 10.2), uploaded on the imports page like the roster.
for _kind in (ImportKind.HISTORY, ImportKind.EVENTS, ImportKind.STAFF_TRAINING):
    upload_register(_kind, allowed=_operator, form="cnppm.import_views.UploadForm", params=_directory_params)
