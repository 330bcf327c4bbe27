"""Upload pages: an item bank (Moodle XML, GIFT, the portal's XLSX) into an instrument, and external
results (XLSX) of an instrument; the XLSX template of results. Errors are listed, nothing saved."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cnppm import access
from cnppm.choices import ImportKind, Role
from cnppm.import_jobs import import_job_submit
from cnppm.services import DomainError

from .. import exporters
from ..forms import ItemsImportForm, ResultsImportForm
from ..importers import ImportFailed
from ..importers.xlsx import TYPE_NAMES
from ..models import CompetenceBlock, Instrument
from ..services import item_import

operator_only = access.role_required(Role.OPERATOR)


@operator_only
def items_import(request):
    """Upload: the bank is read at once and kept as a draft; its preview page asks for the blocks."""
    initial = {"instrument": request.GET.get("instrument")} if request.GET.get("instrument") else {}
    form = ItemsImportForm(request.POST or None, request.FILES or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            draft = item_import.item_import_draft_create(
                actor=request.user,
                instrument=form.cleaned_data["instrument"],
                upload=form.cleaned_data["file"],
                default_variant=form.cleaned_data["default_variant"],
                replace=form.cleaned_data["replace"],
            )
        except ImportFailed as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = [exc.message]
        else:
            return redirect("diagnostics:items_import_preview", pk=draft.pk)
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
def items_import_preview(request, pk: int):
    """The preview: categories with their counts and a block select each (or one block for the whole
    file), the questions left out, the notes; «Импортировать» queues the import with that mapping."""
    draft = get_object_or_404(item_import.drafts_visible(request.user), pk=pk)
    categories = draft.preview.get("categories", [])
    errors: list[str] = []
    chosen = {c["key"]: c["block"] for c in categories}
    whole = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            item_import.item_import_draft_discard(draft=draft)
            return redirect(f"{reverse('diagnostics:items_import')}?instrument={draft.instrument_id}")
        whole = request.POST.get("block", "")
        chosen = {c["key"]: request.POST.get(f"map-{n}", "") for n, c in enumerate(categories)}
        try:
            job = item_import.item_import_draft_confirm(
                actor=request.user, draft=draft, mapping=chosen, block=whole
            )
        except ImportFailed as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = [exc.message]
        else:
            return redirect("import_job", pk=job.pk)
    rows = [{**c, "chosen": chosen.get(c["key"], ""), "field": f"map-{n}"} for n, c in enumerate(categories)]
    return render(
        request,
        "diagnostics/imports/items_preview.html",
        {
            "draft": draft,
            "preview": draft.preview,
            "rows": rows,
            "whole": whole,
            "errors": errors,
            "blocks": item_import.instrument_blocks(draft.instrument),
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
