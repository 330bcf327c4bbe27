"""Upload pages: an item bank (Moodle XML, GIFT, the portal's XLSX) into an instrument, and external
results (XLSX) of an instrument; the XLSX template of results. Errors are listed, nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import Role
from cnppm.services import DomainError

from .. import exporters
from ..forms import ItemsImportForm, ResultsImportForm
from ..importers import ImportFailed
from ..importers.xlsx import TYPE_NAMES
from ..models import CompetenceBlock, Instrument
from ..services import authoring, results_import

operator_only = access.role_required(Role.OPERATOR)


@operator_only
def items_import(request):
    initial = {"instrument": request.GET.get("instrument")} if request.GET.get("instrument") else {}
    form = ItemsImportForm(request.POST or None, request.FILES or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        instrument = form.cleaned_data["instrument"]
        try:
            result = authoring.items_import_file(
                actor=request.user,
                instrument=instrument,
                data=upload.read(),
                filename=upload.name,
                default_variant=form.cleaned_data["default_variant"],
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = [exc.message]
        else:
            variants = ", ".join(map(str, result["variants"]))
            messages.success(request, f"Импортировано заданий: {result['created']} (варианты {variants}).")
            return redirect("diagnostics:instrument_detail", pk=instrument.pk)
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
        instrument = form.cleaned_data["instrument"]
        try:
            result = results_import.results_import(
                actor=request.user,
                instrument=instrument,
                data=form.cleaned_data["file"].read(),
                source=form.cleaned_data["source"],
            )
        except ImportFailed as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = [exc.message]
        else:
            messages.success(
                request,
                f"Внешние результаты загружены: добавлено {result['created']}, обновлено {result['updated']}.",
            )
            return redirect("diagnostics:statistics_detail", pk=instrument.pk)
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
