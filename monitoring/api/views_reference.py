"""Reference input and periods in the API (issue 10.4): the official statistics per municipality and
year, the organizations' yearly facts, the regional events, the indicator plans, and closing or
reopening a period. Each parses its input with the page's form (cnppm.api.forms) and calls the
service the page calls (monitoring.services.reference / computation), scoped as the page is."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cnppm import access
from cnppm.api.fields import IdField
from cnppm.api.forms import form_parse, form_serializer
from cnppm.api.permissions import HasRole
from cnppm.choices import Role
from cnppm.models import OrganizationYearFact, ReferenceStatistic

from .. import selectors
from ..forms import OrganizationFactForm, PlanForm, ReferenceStatisticForm, RegionalEventForm, ReopenForm
from ..models import IndicatorPlan, Period, RegionalEvent
from ..services import computation, reference
from ..views.reference import _fact_organizations, _municipalities

REGION = IdField(
    required=False,
    allow_null=True,
    help_text="Регион; нужен, только если вы работаете в нескольких регионах",
)

RefStatInput = form_serializer(ReferenceStatisticForm, name="ReferenceStatisticInput")
OrgFactInput = form_serializer(OrganizationFactForm, name="OrganizationFactInput")
EventInput = form_serializer(RegionalEventForm, name="RegionalEventInput", extra={"region": REGION})
PlanInput = form_serializer(PlanForm, name="IndicatorPlanInput", extra={"region": REGION})
ReopenInput = form_serializer(ReopenForm, name="PeriodReopenInput")


def _region(request):
    """The actor's region for a write (another region's id answers 404), as the pages resolve it."""
    return access.write_region(
        request.user, request.data.get("region") if hasattr(request.data, "get") else None
    )


class RefStatSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = ReferenceStatistic
        fields = ["id", "municipality", "municipality_name", "year", *reference.REFSTAT_FIELDS]


class OrgFactSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.short_name", read_only=True)

    class Meta:
        model = OrganizationYearFact
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "implements_mentoring",
            "management_team_trained",
        ]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionalEvent
        fields = ["id", "region", "title", "kind", "held_on", "participants", "organizer"]


class IndicatorPlanSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorPlan
        fields = ["id", "region", "indicator", "indicator_code", "year", "value"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "region", "code", "kind", "starts_on", "ends_on", "is_closed"]


class ReferenceStatisticViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Official figures per municipality and year (the denominators of the shares): list, and save
    one (a new year, or the figures of an existing one replaced)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = RefStatSerializer

    def get_queryset(self):
        return (
            ReferenceStatistic.objects.filter(municipality__in=_municipalities(self.request.user))
            .select_related("municipality")
            .order_by("-year", "municipality__name", "pk")
        )

    @extend_schema(request=RefStatInput, responses={201: RefStatSerializer})
    def create(self, request):
        form = form_parse(
            request,
            ReferenceStatisticForm,
            serializer=RefStatInput,
            municipalities=_municipalities(request.user),
        )
        data = dict(form.cleaned_data)
        stat = reference.refstat_save(
            actor=request.user, municipality=data.pop("municipality"), year=data.pop("year"), **data
        )
        return Response(RefStatSerializer(stat).data, status=status.HTTP_201_CREATED)


class OrganizationFactViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What only people know of an organization in a year (mentoring model, management team trained)."""

    permission_classes = [HasRole.of(Role.OPERATOR, Role.MUNICIPAL_METHODIST)]
    serializer_class = OrgFactSerializer

    def get_queryset(self):
        return (
            OrganizationYearFact.objects.filter(organization__in=_fact_organizations(self.request.user))
            .select_related("organization")
            .order_by("-year", "organization__short_name", "pk")
        )

    @extend_schema(request=OrgFactInput, responses={201: OrgFactSerializer})
    def create(self, request):
        form = form_parse(
            request,
            OrganizationFactForm,
            serializer=OrgFactInput,
            organizations=_fact_organizations(request.user),
        )
        fact = reference.orgfact_save(actor=request.user, **form.cleaned_data)
        return Response(OrgFactSerializer(fact).data, status=status.HTTP_201_CREATED)


class RegionalEventViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The Centre's regional events of the operator's region (the quarterly form lists them)."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = EventSerializer

    def get_queryset(self):
        return RegionalEvent.objects.filter(access.region_write_q(self.request.user)).order_by(
            "-held_on", "pk"
        )

    @extend_schema(request=EventInput, responses={201: EventSerializer})
    def create(self, request):
        form = form_parse(request, RegionalEventForm, serializer=EventInput)
        event = reference.regional_event_save(
            actor=request.user, region=_region(request), **form.cleaned_data
        )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        reference.regional_event_delete(actor=request.user, event=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class IndicatorPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Planned values of the indicators per year in the operator's region: list, and save one."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = IndicatorPlanSerializer

    def get_queryset(self):
        return (
            IndicatorPlan.objects.filter(access.region_write_q(self.request.user))
            .select_related("indicator")
            .order_by("-year", "indicator__order", "pk")
        )

    @extend_schema(request=PlanInput, responses={201: IndicatorPlanSerializer})
    def create(self, request):
        form = form_parse(request, PlanForm, serializer=PlanInput)
        plan = reference.plan_save(actor=request.user, region=_region(request), **form.cleaned_data)
        return Response(IndicatorPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring periods of the operator's region: close one (its figures become final) or reopen
    it with a reason. A computation is requested at /monitoring/runs/."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = PeriodSerializer

    def get_queryset(self):
        return selectors.periods(self.request.user).filter(access.region_write_q(self.request.user))

    def _period(self, pk) -> Period:
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=None, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        period = computation.period_close(actor=request.user, period=self._period(pk))
        return Response(PeriodSerializer(period).data)

    @extend_schema(request=ReopenInput, responses=PeriodSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        form = form_parse(request, ReopenForm, serializer=ReopenInput)
        period = computation.period_reopen(
            actor=request.user, period=self._period(pk), reason=form.cleaned_data["reason"]
        )
        return Response(PeriodSerializer(period).data)
