"""Upload pages: an item bank (Moodle XML, GIFT, the portal's XLSX) into an instrument, and external
results (XLSX) of an instrument; the XLSX template of results. Errors are listed, nothing saved."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import ImportKind, Role
from cnppm.import_jobs import import_job_submit
from cnppm.services import DomainError

from .. import exporters
from ..forms import ItemsImportForm, ResultsImportForm
from ..importers.xlsx import TYPE_NAMES
from ..models import CompetenceBlock, Instrument

operator_only = access.role_required(Role.OPERATOR)


@operator_only
def items_import(request):
    initial = {"instrument": request.GET.get("instrument")} if request.GET.get("instrument") else {}
    form = ItemsImportForm(request.POST or None, request.FILES or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        # Parsed, checked and written by a Celery task; the job page shows progress and the result.
        try:
            job = import_job_submit(
                actor=request.user,
                kind=ImportKind.ITEMS,
                upload=form.cleaned_data["file"],
                params={
                    "instrument": form.cleaned_data["instrument"].pk,
                    "default_variant": form.cleaned_data["default_variant"],
                    "replace": form.cleaned_data["replace"],
                },
            )
        except DomainError as exc:
            errors = [exc.message]
        else:
            return redirect("import_job", pk=job.pk)
    return render(
        request,
        "diagnostics/imports/items_import.html",
        {
            "form": form,
            "errors": errors,
            "blocks": CompetenceBlock.objects.all(),
            "type_names": TYPE_NAMES.values(),
        },
    )


@operator_only
def results_import_view(request):
    initial = {"instrument": request.GET.get("instrument")} if request.GET.get("instrument") else {}
    form = ResultsImportForm(request.POST or None, request.FILES or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_submit(
                actor=request.user,
                kind=ImportKind.RESULTS,
                upload=form.cleaned_data["file"],
                params={
                    "instrument": form.cleaned_data["instrument"].pk,
                    "source": form.cleaned_data["source"],
                },
            )
        except DomainError as exc:
            errors = [exc.message]
        else:
            return redirect("import_job", pk=job.pk)
    return render(request, "diagnostics/imports/results_import.html", {"form": form, "errors": errors})


@operator_only
def results_template(request):
    instrument = Instrument.objects.filter(pk=request.GET.get("instrument") or 0).first()
    if instrument is None:
        instrument = Instrument(code="results")
        blocks = CompetenceBlock.objects.filter(is_scored=True)
        data = exporters.results_template_xlsx(instrument, blocks=blocks)
    else:
        data = exporters.results_template_xlsx(instrument)
    response = HttpResponse(data, content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="results-{instrument.code}.xlsx"'
    return response
