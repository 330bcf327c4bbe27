"""Reference input: official figures per municipality and year (form and XLSX import), organization
facts (operator; a municipal methodist for their municipality), regional events and indicator
plans (operator). Each list shows who entered a figure and when."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from cnppm import access
from cnppm.choices import ImportKind, Role
from cnppm.import_jobs import import_job_submit
from cnppm.models import Organization, OrganizationYearFact, ReferenceStatistic, Region
from cnppm.services import DomainError

from ..forms import ImportForm, OrganizationFactForm, PlanForm, ReferenceStatisticForm, RegionalEventForm
from ..indicators import EDUCATION_ORG_KINDS
from ..models import IndicatorPlan, RegionalEvent
from ..services import reference


def _municipalities(user):
    """Municipalities whose official figures the operator enters: their own region's."""
    return (
        access.municipalities(user).filter(region_id__in=access.region_ids_for_write(user)).order_by("name")
    )


def _fact_organizations(user):
    scope = access.scope_of(user)
    qs = Organization.objects.filter(kind__in=EDUCATION_ORG_KINDS).select_related("municipality")
    if access.has_role(user, Role.OPERATOR):
        qs = qs.filter(municipality__region_id__in=access.region_ids_for_write(user))
    else:
        qs = qs.filter(municipality_id__in=scope.municipality_ids)
    return qs.order_by("municipality__name", "short_name")


def write_regions(user):
    """The regions an operator of several regions chooses among for a region-level write (the form's
    «Регион» select); none for an operator of one region (access.write_region takes their only one)."""
    write_ids = access.region_ids_for_write(user)
    return Region.objects.filter(pk__in=write_ids) if len(write_ids) > 1 else Region.objects.none()


@access.role_required(Role.OPERATOR, Role.MUNICIPAL_METHODIST)
def reference_home(request):
    return render(
        request,
        "monitoring/reference_home.html",
        {"is_operator": access.has_role(request.user, Role.OPERATOR)},
    )


@access.role_required(Role.OPERATOR)
def statistics(request):
    munis = _municipalities(request.user)
    form = ReferenceStatisticForm(request.POST or None, municipalities=munis, prefix="stat")
    import_form = ImportForm(prefix="imp")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            stat = reference.refstat_save(
                actor=request.user, municipality=data.pop("municipality"), year=data.pop("year"), **data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Справочные данные сохранены: {stat.municipality}, {stat.year}.")
            return redirect("monitoring:statistics")
    rows = ReferenceStatistic.objects.filter(municipality__in=munis).select_related(
        "municipality", "entered_by"
    )
    context = {"form": form, "import_form": import_form, "rows": rows, "columns": reference.REFSTAT_COLUMNS}
    return render(request, "monitoring/statistics.html", context | {"regions": write_regions(request.user)})


@access.role_required(Role.OPERATOR)
def statistics_import(request):
    if request.method != "POST":
        return redirect("monitoring:statistics")
    form = ImportForm(request.POST, request.FILES, prefix="imp")
    if not form.is_valid():
        messages.error(request, "Выберите файл XLSX для загрузки.")
        return redirect("monitoring:statistics")
    # Checked and written by a Celery task into the actor's region; the job page shows the result.
    try:
        region = access.write_region(request.user, request.POST.get("region"))
        job = import_job_submit(
            actor=request.user,
            kind=ImportKind.REFERENCE,
            upload=form.cleaned_data["file"],
            region_id=region.pk,
        )
    except DomainError as exc:
        messages.error(request, f"Файл не загружен, ничего не изменено. {exc.message}")
        return redirect("monitoring:statistics")
    return redirect("import_job", pk=job.pk)


@access.role_required(Role.OPERATOR, Role.MUNICIPAL_METHODIST)
def org_facts(request):
    orgs = _fact_organizations(request.user)
    form = OrganizationFactForm(request.POST or None, organizations=orgs)
    if request.method == "POST" and form.is_valid():
        try:
            fact = reference.orgfact_save(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Сведения сохранены: {fact.organization}, {fact.year}.")
            return redirect("monitoring:org_facts")
    rows = (
        OrganizationYearFact.objects.filter(organization__in=orgs)
        .select_related("organization__municipality", "entered_by")
        .order_by("-year", "organization__municipality__name", "organization__short_name")
    )
    return render(request, "monitoring/org_facts.html", {"form": form, "rows": rows})


@access.role_required(Role.OPERATOR)
def events(request):
    form = RegionalEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = reference.regional_event_save(
                actor=request.user,
                region=access.write_region(request.user, request.POST.get("region")),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Мероприятие «{event.title}» сохранено.")
            return redirect("monitoring:events")
    rows = RegionalEvent.objects.filter(access.region_write_q(request.user)).select_related(
        "entered_by", "region"
    )
    # An operator of several regions names the event's region (write_region asks them to).
    return render(
        request,
        "monitoring/events.html",
        {"form": form, "rows": rows, "regions": write_regions(request.user)},
    )


@access.role_required(Role.OPERATOR)
def event_delete(request, pk):
    if request.method != "POST":
        raise Http404
    event = RegionalEvent.objects.filter(access.region_write_q(request.user), pk=pk).first()
    if event is None:
        raise Http404
    reference.regional_event_delete(actor=request.user, event=event)
    messages.success(request, "Мероприятие удалено.")
    return redirect("monitoring:events")


@access.role_required(Role.OPERATOR)
def plans(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = reference.plan_save(
                actor=request.user,
                region=access.write_region(request.user, request.POST.get("region")),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error("value", exc.message)
        else:
            messages.success(request, f"План сохранён: {plan.indicator.code}, {plan.year}.")
            return redirect("monitoring:plans")
    rows = (
        IndicatorPlan.objects.filter(access.region_write_q(request.user))
        .select_related("indicator", "entered_by", "region")
        .order_by("-year", "region__name", "indicator__order")
    )
    # An operator of several regions names the region the plan is for (write_region asks them to).
    regions = write_regions(request.user)
    return render(request, "monitoring/plans.html", {"form": form, "rows": rows, "regions": regions})
