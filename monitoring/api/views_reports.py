"""API of the reports: list and request runs, a run's status, download of its file. Scoped through
cnppm.access.report_run_q; out of scope answers 404 like a missing id."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm.api.permissions import HasRole, PortalUserPermission
from cnppm.services import DomainError, personal_data_log

from ..choices import ReportAudience, ReportFormat, RunStatus
from ..reports import report_class
from ..reports.forms import municipalities_for, periods_for
from ..reports.selectors import report_run, report_runs
from ..services.reports import report_request
from ..views.reports import REPORT_ROLES
from .serializers_reports import ReportRequestSerializer, ReportRunSerializer


class ReportRunList(generics.ListCreateAPIView):
    """Report runs the user may see (newest first); POST requests a new report, rendered in the
    background: poll the run until `status` is `done`, then follow `download_url`."""

    permission_classes = [PortalUserPermission, HasRole.of(*REPORT_ROLES)]
    serializer_class = ReportRunSerializer

    def get_queryset(self):
        return report_runs(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportRunSerializer})
    def post(self, request, *args, **kwargs):
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        period = periods_for(user).filter(code__iexact=values["period"].strip()).first()
        if period is None:
            raise DomainError(f"Период «{values['period']}» не найден в вашей области доступа.")
        municipality = None
        if values.get("municipality"):
            municipality = municipalities_for(user).filter(code=values["municipality"].strip()).first()
            if municipality is None:
                raise DomainError(
                    f"Муниципалитет «{values['municipality']}» не найден в вашей области доступа."
                )
        compare_with = None
        if values.get("compare_with"):
            compare_with = (
                periods_for(user)
                .filter(code__iexact=values["compare_with"].strip(), region=period.region)
                .first()
            )
            if compare_with is None:
                raise DomainError(f"Период для сравнения «{values['compare_with']}» не найден.")
        run = report_request(
            actor=user,
            kind=values["kind"],
            format=values["format"],
            period=period,
            municipality=municipality,
            compare_with=compare_with,
        )
        return Response(ReportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ReportRunDetail(generics.RetrieveAPIView):
    """One run's status."""

    permission_classes = [PortalUserPermission, HasRole.of(*REPORT_ROLES)]
    serializer_class = ReportRunSerializer

    def get_object(self):
        return report_run(self.request.user, self.kwargs["pk"])


class ReportRunDownload(APIView):
    """The file of a done run (PDF or XLSX)."""

    permission_classes = [PortalUserPermission, HasRole.of(*REPORT_ROLES)]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk: int):
        run = report_run(request.user, pk)
        if run.status != RunStatus.DONE or not run.file:
            raise Http404
        if report_class(run.kind).has_personal_data and run.audience == ReportAudience.FULL:
            personal_data_log(
                actor=request.user,
                action="export",
                object_type=f"report:{run.kind}",
                object_id=run.pk,
                path=request.path,
            )
        content_type = (
            "application/pdf"
            if run.format == ReportFormat.PDF
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return FileResponse(
            run.file.open("rb"),
            as_attachment=True,
            filename=run.file.name.rsplit("/", 1)[-1],
            content_type=content_type,
        )
