"""Pages of the activity catalogue: the list everyone chooses from, editing for operators and
municipal methodists, the XLSX import with its template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import ImportKind
from cnppm.import_jobs import import_job_submit
from cnppm.models import Municipality
from cnppm.services import DomainError

from .. import selectors
from ..forms import CatalogueActivityForm, CatalogueFilterForm, CatalogueImportForm
from ..importers import template_workbook
from ..models import Activity
from ..services import catalogue as services

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def _municipalities_for(user):
    if access.has_role(user, "operator"):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=access.scope_of(user).municipality_ids)


def _editor_required(request):
    if not access.can_edit_catalogue(request.user):
        raise Http404


@login_required
def catalogue(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.catalogue_list(
        user=request.user,
        search=(filters.get("q") or "").strip(),
        kind=filters.get("kind") or "",
        level=filters.get("level") or "",
        competence=filters.get("competence"),
        subject=filters.get("subject"),
        actual_only=bool(filters.get("actual")),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = set(
        selectors.editable_activities(request.user)
        .filter(pk__in=[a.pk for a in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "routes/catalogue.html",
        {
            "page": page,
            "form": form,
            "editable": editable,
            "can_edit": access.can_edit_catalogue(request.user),
        },
    )


@login_required
def catalogue_edit(request, pk=None):
    _editor_required(request)
    activity = None
    if pk is not None:
        try:
            activity = selectors.editable_activities(request.user).get(pk=pk)
        except (Activity.DoesNotExist, ValueError):
            raise Http404 from None
    form = CatalogueActivityForm(
        request.POST or None,
        instance=activity,
        municipalities=_municipalities_for(request.user),
        programmes=access.programmes_managed(request.user)
        if access.has_role(request.user, "operator")
        else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        try:
            if activity is None:
                activity = services.catalogue_activity_create(actor=request.user, data=data)
                messages.success(request, f"Мероприятие «{activity.title}» добавлено в каталог.")
            else:
                # the form has filled the instance in place; the service reads the old values itself
                activity = services.catalogue_activity_update(
                    actor=request.user, activity=Activity.objects.get(pk=activity.pk), data=data
                )
                messages.success(request, f"Мероприятие «{activity.title}» сохранено.")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("routes:catalogue")
    return render(request, "routes/catalogue_form.html", {"form": form, "activity": activity})


@login_required
def catalogue_import_view(request):
    _editor_required(request)
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            errors = ["Файл больше 5 МБ."]
        else:
            # Read, checked and written by a Celery task; the job page shows progress and the result.
            try:
                job = import_job_submit(actor=request.user, kind=ImportKind.CATALOGUE, upload=upload)
            except DomainError as exc:
                errors = [exc.message]
            else:
                return redirect("import_job", pk=job.pk)
    return render(request, "routes/catalogue_import.html", {"form": form, "errors": errors})


@login_required
def catalogue_template(request):
    _editor_required(request)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalogue_template.xlsx"'
    return response
