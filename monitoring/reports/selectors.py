"""Reads of report runs, scoped through cnppm.access.report_run_q."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cnppm import access

from ..models import ReportRun


def report_runs(user) -> QuerySet:
    """The runs the user may see, newest first, with what the list prints joined in."""
    return (
        ReportRun.objects.filter(access.report_run_q(user))
        .select_related("period", "compare_with", "municipality", "requested_by")
        .order_by("-created_at", "-id")
    )


def report_run(user, pk) -> ReportRun:
    """One run inside the user's scope; outside it, or absent, the same 404."""
    try:
        return report_runs(user).get(pk=pk)
    except (ReportRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def quarterly_pdfs(user) -> QuerySet:
    """The ministry's page: done quarterly PDFs of the user's region."""
    from ..choices import ReportFormat, ReportKind, RunStatus

    return report_runs(user).filter(kind=ReportKind.QUARTERLY, format=ReportFormat.PDF, status=RunStatus.DONE)
