"""Operator pages: competence blocks, instruments (list, create, edit, status, new version),
variants and items, item-bank exports. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role
from cnppm.services import DomainError

from .. import exporters, workflow
from ..choices import InstrumentStatus
from ..forms import BlockForm, InstrumentForm, ItemForm
from ..models import CompetenceBlock
from ..selectors import instruments as sel
from ..services import authoring

operator_only = access.role_required(Role.OPERATOR)
PAGE_SIZE = 50


def _instrument_data(form) -> tuple[dict, list]:
    data = {f: form.cleaned_data.get(f) for f in authoring.INSTRUMENT_FIELDS}
    return data, list(form.cleaned_data.get("blocks") or [])


# --- blocks ---------------------------------------------------------------------------------------


@operator_only
def block_list(request):
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            block = authoring.block_save(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Блок «{block.name}» добавлен.")
            return redirect("diagnostics:block_list")
    return render(
        request, "diagnostics/authoring/block_list.html", {"blocks": sel.block_list(), "form": form}
    )


@operator_only
def block_edit(request, pk):
    block = get_object_or_404(CompetenceBlock, pk=pk)
    # The form edits its own copy, so a refused save leaves `block` as it was for the service.
    form = BlockForm(request.POST or None, instance=CompetenceBlock.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            authoring.block_save(actor=request.user, block=block, data=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Блок сохранён.")
            return redirect("diagnostics:block_list")
    return render(request, "diagnostics/authoring/block_form.html", {"block": block, "form": form})


# --- instruments ----------------------------------------------------------------------------------


@operator_only
def instrument_list(request):
    qs = sel.instrument_list(
        user=request.user, status=request.GET.get("status", ""), search=request.GET.get("q", "").strip()
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "diagnostics/authoring/instrument_list.html",
        {"page": page, "statuses": InstrumentStatus.choices, "q": request.GET.get("q", "")},
    )


@operator_only
def instrument_create(request):
    form = InstrumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, blocks = _instrument_data(form)
        try:
            instrument = authoring.instrument_create(actor=request.user, data=data, blocks=blocks)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"Черновик «{instrument.title}» создан с {workflow.MIN_VARIANTS} вариантами."
            )
            return redirect("diagnostics:instrument_detail", pk=instrument.pk)
    return render(request, "diagnostics/authoring/instrument_form.html", {"form": form, "instrument": None})


@operator_only
def instrument_edit(request, pk):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    form = InstrumentForm(request.POST or None, instance=sel.instrument_get(user=request.user, pk=pk))
    if request.method == "POST" and form.is_valid():
        data, blocks = _instrument_data(form)
        try:
            authoring.instrument_update(actor=request.user, instrument=instrument, data=data, blocks=blocks)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("diagnostics:instrument_detail", pk=instrument.pk)
    return render(
        request, "diagnostics/authoring/instrument_form.html", {"form": form, "instrument": instrument}
    )


@operator_only
def instrument_detail(request, pk):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    has_attempts = instrument.attempts.exists()
    frozen = workflow.items_frozen_reason(status=instrument.status, has_attempts=has_attempts)
    actions = [(s, workflow.ACTION_LABELS[s]) for s in workflow.allowed_targets(instrument.status)]
    return render(
        request,
        "diagnostics/authoring/instrument_detail.html",
        {
            "instrument": instrument,
            "variants": sel.instrument_variants(instrument),
            "blocks": instrument.blocks.all(),
            "actions": actions,
            "frozen": frozen,
            "has_attempts": has_attempts,
            "readiness": authoring.instrument_readiness_errors(instrument)
            if instrument.status == InstrumentStatus.DRAFT
            else [],
            "next_version": instrument.next_versions.first(),
        },
    )


@operator_only
@require_POST
def instrument_transition(request, pk):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    target = request.POST.get("to", "")
    try:
        authoring.instrument_transition(
            actor=request.user,
            instrument=instrument,
            to_status=target,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Статус работы: {InstrumentStatus(target).label}.")
    return redirect("diagnostics:instrument_detail", pk=instrument.pk)


@operator_only
@require_POST
def instrument_new_version(request, pk):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    try:
        copy = authoring.instrument_new_version(actor=request.user, instrument=instrument)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("diagnostics:instrument_detail", pk=instrument.pk)
    messages.success(request, f"Создан черновик версии {copy.version} («{copy.code}»).")
    return redirect("diagnostics:instrument_detail", pk=copy.pk)


@operator_only
def instrument_export(request, pk, fmt):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    if fmt == "xml":
        data, _skipped = exporters.items_to_moodle_xml(instrument)
        response = HttpResponse(data, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{instrument.code}.xml"'
    else:
        response = HttpResponse(exporters.items_to_xlsx(instrument), content_type=exporters.XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="{instrument.code}.xlsx"'
    return response


@operator_only
def items_template(request):
    response = HttpResponse(exporters.items_to_xlsx(), content_type=exporters.XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="items-template.xlsx"'
    return response


# --- variants and items ---------------------------------------------------------------------------


@operator_only
@require_POST
def variant_add(request, pk):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    try:
        variant = authoring.variant_add(actor=request.user, instrument=instrument)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Добавлен вариант {variant.number}.")
    return redirect("diagnostics:instrument_detail", pk=instrument.pk)


@operator_only
@require_POST
def variant_delete(request, pk, number):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    variant = sel.variant_get(instrument=instrument, number=number)
    try:
        authoring.variant_delete(actor=request.user, variant=variant)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Вариант {number} удалён вместе с заданиями.")
    return redirect("diagnostics:instrument_detail", pk=instrument.pk)


@operator_only
def variant_items(request, pk, number):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    variant = sel.variant_get(instrument=instrument, number=number)
    frozen = workflow.items_frozen_reason(status=instrument.status, has_attempts=instrument.attempts.exists())
    return render(
        request,
        "diagnostics/authoring/variant_items.html",
        {"instrument": instrument, "variant": variant, "items": sel.variant_items(variant), "frozen": frozen},
    )


def _item_form_page(request, instrument, variant, item=None):
    form = ItemForm(request.POST or None, request.FILES or None, instance=item, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            saved = authoring.item_save(
                actor=request.user,
                variant=variant,
                item=item,
                data=form.service_data(),
                image=request.FILES.get("image"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Задание № {saved.number} сохранено.")
            return redirect("diagnostics:variant_items", pk=instrument.pk, number=variant.number)
    return render(
        request,
        "diagnostics/authoring/item_form.html",
        {"instrument": instrument, "variant": variant, "item": item, "form": form},
    )


@operator_only
def item_create(request, pk, number):
    instrument = sel.instrument_get(user=request.user, pk=pk)
    variant = sel.variant_get(instrument=instrument, number=number)
    return _item_form_page(request, instrument, variant)


@operator_only
def item_edit(request, item_pk):
    item = sel.item_get(pk=item_pk)
    return _item_form_page(request, item.variant.instrument, item.variant, item)


@operator_only
@require_POST
def item_delete(request, item_pk):
    item = sel.item_get(pk=item_pk)
    variant = item.variant
    try:
        authoring.item_delete(actor=request.user, item=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Задание удалено.")
    return redirect(
        reverse("diagnostics:variant_items", kwargs={"pk": variant.instrument_id, "number": variant.number})
    )
