"""API of the monitoring: indicator definitions with plans, snapshots (scoped, filterable),
computation runs (list, request, status). Reports are engineer B's (`views_reports.py`)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from cnppm import access, disclosure
from cnppm.api.filters import IdFilter
from cnppm.api.permissions import HasRole, PortalUserPermission
from cnppm.choices import Role

from .. import selectors
from ..choices import ScopeLevel
from ..models import ComputationRun, IndicatorDefinition, IndicatorPlan, IndicatorSnapshot
from ..navigation import DASHBOARD_ROLES
from ..services import computation
from .serializers import IndicatorSerializer, RunRequestSerializer, RunSerializer, SnapshotSerializer


class IndicatorList(generics.ListAPIView):
    """Indicator definitions with their yearly plans."""

    permission_classes = [PortalUserPermission, HasRole.of(*DASHBOARD_ROLES)]
    serializer_class = IndicatorSerializer
    pagination_class = None

    def get_queryset(self):
        # Only the plans of the user's own region(s): each region's operator plans their region.
        plans = IndicatorPlan.objects.filter(access.region_read_q(self.request.user)).order_by(
            "year", "region_id"
        )
        return IndicatorDefinition.objects.prefetch_related(Prefetch("plans", queryset=plans))


class SnapshotFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(field_name="period__code", lookup_expr="iexact")
    indicator = django_filters.CharFilter(field_name="indicator__code", lookup_expr="iexact")
    scope_level = django_filters.ChoiceFilter(choices=ScopeLevel.choices)
    cumulative = django_filters.BooleanFilter()
    municipality = IdFilter(field_name="municipality_id")
    organization = IdFilter(field_name="organization_id")
    # A period code names a period in each region: a viewer of several regions narrows by region.
    region = IdFilter(field_name="period__region_id")

    class Meta:
        model = IndicatorSnapshot
        fields = [
            "period",
            "indicator",
            "scope_level",
            "cumulative",
            "municipality",
            "organization",
            "region",
        ]


class SnapshotList(generics.ListAPIView):
    """Stored indicator values by period and scope, only those the user may see: the region row for
    region roles and the ministry, municipality rows of their municipalities, organization rows of
    their organizations."""

    permission_classes = [PortalUserPermission, HasRole.of(*DASHBOARD_ROLES)]
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter

    def get_queryset(self):
        user = self.request.user
        region_ids = access.scope_of(user).aggregate_region_ids
        q = Q(scope_level=ScopeLevel.MUNICIPALITY) & access.municipality_q(user, "municipality")
        q |= Q(scope_level=ScopeLevel.ORGANIZATION) & access.aggregate_organization_q(user, "organization")
        q |= Q(scope_level=ScopeLevel.REGION, period__region_id__in=region_ids)
        return (
            IndicatorSnapshot.objects.filter(q, period__region_id__in=selectors.visible_region_ids(user))
            .select_related("period", "indicator", "municipality", "organization")
            .order_by(
                "period__code",
                "indicator__order",
                "scope_level",
                "municipality__name",
                "organization__short_name",
                "id",
            )
        )

    def get_serializer(self, *args, **kwargs):
        # For aggregate-only viewers (the ministry): no raw breakdowns in the inputs, and the per-school
        # figures of small schools (and their complement in the municipality) suppressed.
        if disclosure.aggregate_only(self.request.user) and args:
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"] |= {"aggregate_only": True, "hidden_ids": self._hidden_ids(args[0])}
        return super().get_serializer(*args, **kwargs)

    def _hidden_ids(self, snapshots) -> set[int]:
        """The organization rows to suppress: within each period, indicator, mode and municipality,
        the organizations under the threshold and their complement (selectors.suppress_organizations'
        rule), decided over every school of the municipality, not only those on this page."""
        groups = {
            (s.period_id, s.indicator_id, s.cumulative, s.municipality_id)
            for s in snapshots
            if s.scope_level == ScopeLevel.ORGANIZATION and s.denominator is not None
        }
        if not groups:
            return set()
        q = Q()
        for period_id, indicator_id, cumulative, municipality_id in groups:
            q |= Q(
                period_id=period_id,
                indicator_id=indicator_id,
                cumulative=cumulative,
                municipality_id=municipality_id,
            )
        sizes: dict = {}
        rows = (
            self.get_queryset()
            .filter(q, scope_level=ScopeLevel.ORGANIZATION)
            .values_list("id", "period_id", "indicator_id", "cumulative", "municipality_id", "denominator")
        )
        for pk, *group, denominator in rows:
            sizes.setdefault(tuple(group), {})[pk] = int(denominator or 0)
        hidden: set[int] = set()
        for part in sizes.values():
            hidden |= disclosure.hidden_keys(part)
        return hidden


class RunList(generics.ListCreateAPIView):
    """Computation runs (operator): list them, or request one for a period code."""

    permission_classes = [PortalUserPermission, HasRole.of(Role.OPERATOR)]
    serializer_class = RunSerializer

    def get_queryset(self):
        return ComputationRun.objects.filter(period__in=selectors.periods(self.request.user)).select_related(
            "period"
        )

    @extend_schema(request=RunRequestSerializer, responses={202: RunSerializer})
    def post(self, request, *args, **kwargs):
        data = RunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = access.write_region(request.user, data.validated_data.get("region"))
        period = computation.period_get_or_create(data.validated_data["period"], region=region)
        run = computation.computation_request(actor=request.user, period=period)
        run.refresh_from_db()
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetail(generics.RetrieveAPIView):
    """A computation run's status and progress."""

    permission_classes = [PortalUserPermission, HasRole.of(Role.OPERATOR)]
    serializer_class = RunSerializer

    def get_queryset(self):
        return ComputationRun.objects.filter(period__in=selectors.periods(self.request.user)).select_related(
            "period"
        )
