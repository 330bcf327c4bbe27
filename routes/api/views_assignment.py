"""API of curator, tutor and mentor assignment: scoped lists, creation and ending for operators (and
school heads for mentors), a supporter's caseload and the pool's caseloads against the norm."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm import access
from cnppm.api.permissions import HasRole, PortalUserPermission
from cnppm.choices import Role, SupportRole
from cnppm.models import Person, PersonalDataAccess, Subject
from cnppm.services import DomainError, personal_data_log

from .. import selectors_caseload as sel
from ..services import assignment as svc
from . import serializers_assignment as ser

ASSIGN_ROLES = (Role.OPERATOR, Role.SCHOOL_HEAD)


def _bool_param(value):
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    return None


class SupportAssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Assignments of curators, tutors and mentors inside the user's scope. Creating and ending:
    operators (any role), school heads (mentors of their organization)."""

    serializer_class = ser.SupportAssignmentSerializer
    filter_backends: list = []
    filterset_class = None

    def get_permissions(self):
        if self.action in ("create", "end"):
            return [PortalUserPermission(), HasRole.of(*ASSIGN_ROLES)()]
        return [PortalUserPermission()]

    def get_serializer_class(self):
        if self.action == "create":
            return ser.SupportAssignmentCreateSerializer
        if self.action == "end":
            return ser.SupportEndSerializer
        return ser.SupportAssignmentSerializer

    def get_queryset(self):
        params = self.request.query_params
        role = params.get("role", "")
        return sel.assignment_list(
            user=self.request.user,
            role=role if role in SupportRole.values else "",
            active=_bool_param(params.get("active", "true")),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("role", OpenApiTypes.STR, enum=SupportRole.values),
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="по умолчанию true; false — завершённые"
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = (
            response.data.get("results", response.data) if isinstance(response.data, dict) else response.data
        )
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.LIST,
            object_type="support_assignment",
            records=len(rows),
            path=request.get_full_path(),
        )
        return response

    def get_object(self):
        return access.get_or_404(self.request.user, self.get_queryset_all(), pk=self.kwargs["pk"])

    def get_queryset_all(self):
        return sel.assignment_list(user=self.request.user, active=None)

    @extend_schema(
        request=ser.SupportAssignmentCreateSerializer, responses={201: ser.SupportAssignmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = ser.SupportAssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        person = access.get_or_404(request.user, Person.objects.all(), pk=v["person"])
        subject = Subject.objects.filter(pk=v["subject"]).first() if v.get("subject") else None
        assignment = svc.support_assign(
            actor=request.user,
            person=person,
            # An id: the service looks it up only among the people the requester may assign, so one
            # from elsewhere answers like a missing one, never with that person's name.
            supporter=v["supporter"],
            role=v["role"],
            subject=subject,
            order_number=v["order_number"],
            order_date=v["order_date"],
            comment=v["comment"],
        )
        out = ser.SupportAssignmentSerializer(self.get_queryset_all().get(pk=assignment.pk))
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ser.SupportEndSerializer, responses={200: ser.SupportAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        body = ser.SupportEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        svc.support_end(actor=request.user, assignment=assignment, comment=body.validated_data["comment"])
        return Response(ser.SupportAssignmentSerializer(self.get_queryset_all().get(pk=assignment.pk)).data)


class CaseloadView(APIView):
    """The signed-in curator's, tutor's or mentor's participants, each with their current route's
    status and flags."""

    permission_classes = [PortalUserPermission, HasRole.of(Role.CURATOR, Role.TUTOR, Role.MENTOR)]

    @extend_schema(
        parameters=[OpenApiParameter("role", OpenApiTypes.STR, enum=SupportRole.values)],
        responses=ser.CaseloadRowSerializer(many=True),
    )
    def get(self, request):
        supporter = Person.objects.filter(user_id=request.user.pk).first()
        role = request.query_params.get("role", "")
        rows = sel.caseload(
            user=request.user, supporter=supporter, role=role if role in SupportRole.values else ""
        )
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.LIST,
            object_type="caseload",
            object_id=supporter.pk,
            records=len(rows),
            path=request.get_full_path(),
        )
        return Response(ser.CaseloadRowSerializer(rows, many=True).data)


class SupportPoolView(APIView):
    """Curators, tutors or mentors of the region with their caseload against the norm."""

    permission_classes = [PortalUserPermission, HasRole.of(Role.OPERATOR, Role.REGIONAL_METHODIST)]

    @extend_schema(
        parameters=[OpenApiParameter("role", OpenApiTypes.STR, enum=SupportRole.values, required=True)],
        responses=ser.SupporterLoadSerializer(many=True),
    )
    def get(self, request):
        role = request.query_params.get("role", SupportRole.CURATOR)
        if role not in SupportRole.values:
            raise DomainError("Роль: curator, tutor или mentor.")
        rows = sel.support_pool(user=request.user, role=role)
        return Response(ser.SupporterLoadSerializer(rows, many=True).data)
