"""API of instruments (list, detail without keys), their statistics (aggregates) and the export of
final results per person and block (person-level: scoped and logged)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cnppm import access
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import personal_data_log

from .. import exporters
from ..selectors import instruments as sel
from ..selectors import statistics as stat_sel
from .serializers_instruments import (
    InstrumentDetailSerializer,
    InstrumentSerializer,
    ResultRowSerializer,
    StatisticsSerializer,
)


def _not_found_unless(user, *roles):
    if not access.has_role(user, *roles):
        raise Http404


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Instruments: operators see all, everybody else the published ones. Answer keys are never sent."""

    serializer_class = InstrumentSerializer
    filterset_fields = ["status", "kind", "audience"]
    search_fields = ["code", "title"]
    ordering_fields = ["created_at", "code", "title"]

    def get_queryset(self):
        return sel.api_instruments(user=self.request.user)

    def get_serializer_class(self):
        return InstrumentDetailSerializer if self.action == "retrieve" else InstrumentSerializer

    def get_object(self):
        return sel.api_instrument_with_items(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["with_items"] = access.has_role(self.request.user, Role.OPERATOR)
        return context

    def _counted_instrument(self):
        try:
            return stat_sel.statistics_instruments(user=self.request.user).get(pk=self.kwargs["pk"])
        except Exception:  # noqa: BLE001 - missing, malformed or draft: the same 404
            raise Http404 from None

    @extend_schema(responses=StatisticsSerializer, summary="Статистика работы (сводные данные)")
    @action(detail=True, methods=["get"])
    def statistics(self, request, pk=None):
        _not_found_unless(request.user, *stat_sel.STATISTICS_ROLES)
        instrument = self._counted_instrument()
        stats = stat_sel.instrument_statistics(user=request.user, instrument=instrument)
        payload = {
            "overall": stats.overall,
            "blocks": stats.blocks,
            "groups": stats.groups,
            "items": stats.items,
            "external": stats.external,
        }
        return Response(StatisticsSerializer(payload).data)

    @extend_schema(responses=ResultRowSerializer(many=True), summary="Итоговые результаты по людям и блокам")
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        _not_found_unless(request.user, *sel.RESULTS_EXPORT_ROLES)
        instrument = self._counted_instrument()
        rows, _blocks = sel.results_rows(user=request.user, instrument=instrument)
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            object_type="diagnostics.results",
            object_id=instrument.pk,
            records=len(rows),
            path=request.get_full_path(),
        )
        return Response(ResultRowSerializer(rows, many=True).data)

    @extend_schema(responses={(200, exporters.XLSX_MIME): OpenApiTypes.BINARY}, summary="Результаты в XLSX")
    @action(detail=True, methods=["get"], url_path="results-xlsx")
    def results_xlsx(self, request, pk=None):
        _not_found_unless(request.user, *sel.RESULTS_EXPORT_ROLES)
        instrument = self._counted_instrument()
        rows, blocks = sel.results_rows(user=request.user, instrument=instrument)
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            object_type="diagnostics.results",
            object_id=instrument.pk,
            records=len(rows),
            path=request.get_full_path(),
        )
        response = HttpResponse(exporters.results_to_xlsx(rows, blocks), content_type=exporters.XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="results-{instrument.code}.xlsx"'
        return response
