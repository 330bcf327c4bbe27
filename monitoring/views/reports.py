"""Report pages: "Отчёты" (request a report, the runs with their status polled by htmx, downloads)
and the ministry's "Ежеквартальные отчёты" (done quarterly PDFs of the region, and a button to request
one). Downloads go through a scoped view, never a public /media/ URL; a download of a report that
names people is logged as a personal-data export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role
from cnppm.services import DomainError, personal_data_log

from ..choices import ReportAudience, ReportFormat, ReportKind, RunStatus
from ..reports import report_class
from ..reports.forms import ReportRequestForm, periods_for
from ..reports.selectors import quarterly_pdfs, report_run, report_runs
from ..services.reports import report_request

REPORT_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY, Role.MUNICIPAL_METHODIST)
MINISTRY_PAGE_ROLES = (Role.MINISTRY, Role.OPERATOR, Role.REGIONAL_METHODIST)
PAGE_SIZE = 25


def _runs_page(request):
    return Paginator(report_runs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))


def _pending(page) -> bool:
    return any(run.status in (RunStatus.QUEUED, RunStatus.RUNNING) for run in page)


@access.role_required(*REPORT_ROLES)
def reports(request):
    if request.method == "POST":
        form = ReportRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = report_request(
                    actor=request.user,
                    kind=data["kind"],
                    format=data["format"],
                    period=data["period"],
                    municipality=data["municipality"],
                    compare_with=data["compare_with"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Отчёт «{run.get_kind_display()}» за период {run.period.code} поставлен в очередь. "
                    "Статус обновляется на этой странице.",
                )
                return redirect("monitoring:reports")
    else:
        form = ReportRequestForm(user=request.user)
    page = _runs_page(request)
    return render(
        request, "monitoring/reports/reports.html", {"form": form, "page": page, "pending": _pending(page)}
    )


@access.role_required(*REPORT_ROLES)
def reports_runs(request):
    """The runs table alone, for htmx polling while a run is queued or running."""
    page = _runs_page(request)
    return render(request, "monitoring/reports/_runs.html", {"page": page, "pending": _pending(page)})


@access.role_required(*REPORT_ROLES)
def report_download(request, pk: int):
    run = report_run(request.user, pk)
    if run.status != RunStatus.DONE or not run.file:
        raise Http404
    cls = report_class(run.kind)
    if cls.has_personal_data and run.audience == ReportAudience.FULL:
        personal_data_log(
            actor=request.user,
            action="export",
            object_type=f"report:{run.kind}",
            object_id=run.pk,
            records=1,
            path=request.path,
        )
    content_type = (
        "application/pdf"
        if run.format == ReportFormat.PDF
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = run.file.name.rsplit("/", 1)[-1]
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


@access.role_required(*MINISTRY_PAGE_ROLES)
def quarterly_reports(request):
    page = Paginator(quarterly_pdfs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    pending = report_runs(request.user).filter(
        kind=ReportKind.QUARTERLY, format=ReportFormat.PDF, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    )
    return render(
        request,
        "monitoring/reports/quarterly.html",
        {"page": page, "periods": periods_for(request.user), "pending": list(pending)},
    )


@require_POST
@access.role_required(*MINISTRY_PAGE_ROLES)
def quarterly_request(request):
    period = (
        periods_for(request.user).filter(pk=request.POST.get("period") or 0).first()
        if ((request.POST.get("period") or "").isdigit())
        else None
    )
    if period is None:
        messages.error(request, "Выберите период из списка.")
        return redirect("monitoring:quarterly_reports")
    try:
        report_request(actor=request.user, kind=ReportKind.QUARTERLY, format=ReportFormat.PDF, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Ежеквартальный отчёт за период {period.code} поставлен в очередь.")
    return redirect("monitoring:quarterly_reports")
