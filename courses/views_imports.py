"""Uploads of the courses (issue 12.6): programmes, groups with their participants, training of past
years. Each page offers its template and queues an import job (cnppm.import_jobs), whose page shows
the progress and the result; the jobs appear on the imports page with the others."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cnppm import access, import_jobs
from cnppm.choices import ImportKind, Role
from cnppm.import_views import UploadForm
from cnppm.services import DomainError

from . import importers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KINDS = {
    "programmes": (
        ImportKind.PROGRAMMES,
        "Программы курсов",
        "Название, вид, часы, форма, исполнитель, документ, источник финансирования; программа с тем же названием обновляется.",
    ),
    "groups": (
        ImportKind.GROUPS,
        "Группы курсов и их слушатели",
        "Лист «Группы» (программа, даты, места) и лист «Слушатели» (человек, его организация, группа, статус); завершившим пишется запись об обучении.",
    ),
    "trainings": (
        ImportKind.TRAININGS,
        "Пройденное обучение прошлых лет",
        "Курсы, пройденные до портала: человек, организация, где он тогда работал, программа, исполнитель, часы, даты, документ.",
    ),
}


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _regions(user):
    ids = access.region_ids_for_write(user)
    if len(ids) < 2:
        return []
    from cnppm.models import Region

    return list(Region.objects.filter(pk__in=ids).order_by("name"))


@access.role_required(Role.OPERATOR)
def course_import(request, kind: str):
    import_kind, title, description = _kind(kind)
    form = UploadForm(request.POST or None, request.FILES or None, prefix=kind)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            region = access.write_region(request.user, request.POST.get("region"))
            job = import_jobs.import_job_submit(
                actor=request.user,
                kind=import_kind,
                upload=form.cleaned_data["file"],
                params={"dry_run": form.cleaned_data["dry_run"], "region": region.pk},
                region_id=region.pk,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("import_job", pk=job.pk)
    return render(
        request,
        "courses/import.html",
        {
            "kind": kind,
            "action": reverse(f"courses:import_{kind}"),
            "template_url": reverse(f"courses:import_template_{kind}"),
            "title": title,
            "description": description,
            "form": form,
            "error": error,
            "regions": _regions(request.user),
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        },
        status=400 if request.method == "POST" else 200,
    )


@access.role_required(Role.OPERATOR)
def course_import_template(request, kind: str):
    _kind(kind)
    response = HttpResponse(importers.TEMPLATES[kind](), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="courses-{kind}-template.xlsx"'
    return response


def run_job(job, path) -> dict:
    """The runner of the three kinds (cnppm.import_jobs.RUNNERS): the import's own service."""
    from cnppm.import_jobs import ImportRefused

    name = {v[0]: k for k, v in KINDS.items()}[job.kind]
    with open(path, "rb") as fh:
        report = importers.SERVICES[name](
            actor=job.actor,
            file=fh,
            dry_run=bool(job.params.get("dry_run")),
            filename=job.filename,
            region=job.region if job.params.get("region") else None,
        )
    if report.errors:
        raise ImportRefused(report.summary(), report.errors)
    return {"summary": report.summary(), "rows": report.rows}


def _params(actor, cleaned, data):
    region = access.write_region(actor, data.get("region") if hasattr(data, "get") else None)
    return {"dry_run": bool(cleaned.get("dry_run")), "region": region.pk}, region.pk


def register_uploads() -> None:
    """The three kinds in the API's uploads (cnppm.import_jobs.UPLOADS); called from the app's ready(),
    before the API's URLs are built from the registry."""
    for import_kind, title, _ in KINDS.values():
        import_jobs.upload_register(
            import_kind,
            allowed=lambda user: access.has_role(user, Role.OPERATOR),
            form="cnppm.import_views.UploadForm",
            params=_params,
            title=title,
        )
