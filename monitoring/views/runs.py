"""The operator's page of periods: create a period by its code, request a computation and watch its
progress (htmx polls the run's status), close a period, reopen it with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role
from cnppm.services import DomainError

from .. import selectors
from ..choices import RunStatus
from ..forms import PeriodForm, ReopenForm
from ..models import ComputationRun
from ..services import computation
from .reference import write_regions


def _period(request, pk):
    """A period the operator may change: their own region's (another region's answers 404)."""
    writable = selectors.periods(request.user).filter(access.region_write_q(request.user))
    return get_object_or_404(writable, pk=pk)


@access.role_required(Role.OPERATOR)
def periods(request):
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            region = access.write_region(request.user, request.POST.get("region"))
            period = computation.period_get_or_create(form.cleaned_data["code"], region=region)
            computation.computation_request(actor=request.user, period=period)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, f"Расчёт показателей за период {period.code} запущен.")
            return redirect("monitoring:periods")
    items = list(selectors.periods(request.user).select_related("region").prefetch_related("runs")[:60])
    for p in items:
        p.last_run = next(iter(p.runs.all()), None)
        p.run_active = bool(p.last_run and p.last_run.status in (RunStatus.QUEUED, RunStatus.RUNNING))
    # An operator of several regions names the period's region (write_region asks them to).
    context = {
        "form": form,
        "items": items,
        "reopen_form": ReopenForm(),
        "regions": write_regions(request.user),
    }
    return render(request, "monitoring/periods.html", context)


@require_POST
@access.role_required(Role.OPERATOR)
def period_compute(request, pk):
    period = _period(request, pk)
    try:
        computation.computation_request(actor=request.user, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Расчёт показателей за период {period.code} запущен.")
    return redirect("monitoring:periods")


@require_POST
@access.role_required(Role.OPERATOR)
def period_close(request, pk):
    period = _period(request, pk)
    try:
        computation.period_close(actor=request.user, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Период {period.code} закрыт: его значения окончательные.")
    return redirect("monitoring:periods")


@require_POST
@access.role_required(Role.OPERATOR)
def period_reopen(request, pk):
    period = _period(request, pk)
    form = ReopenForm(request.POST)
    try:
        computation.period_reopen(actor=request.user, period=period, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Период {period.code} открыт для пересчёта.")
    del form
    return redirect("monitoring:periods")


@access.role_required(Role.OPERATOR)
def run_status(request, pk):
    """The run's status as a fragment; htmx polls it while the run is queued or running."""
    run = (
        ComputationRun.objects.filter(pk=pk, period__in=selectors.periods(request.user))
        .select_related("period")
        .first()
    )
    if run is None:
        raise Http404
    active = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    return render(request, "monitoring/_run_status.html", {"run": run, "active": active})
