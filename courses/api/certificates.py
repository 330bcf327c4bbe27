"""The certificates API (issue 12.4–12.6): the register (read, scoped by the holder), one
certificate's PDF, the duplicate for a lost one, the issue for a training record, the ФИС ФРДО export
of a year, and a programme's figures (fill and completion rates per group). Every queryset is
scoped by cnppm/access.py; every write calls one service; downloads are logged as exports."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm import access
from cnppm.api.fields import IdField
from cnppm.api.permissions import HasRole
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import personal_data_log

from .. import frdo
from ..models import TrainingRecord
from ..selectors_certificates import REGISTER_ROLES, certificates_visible, register
from ..selectors_figures import group_figures, programme_totals
from ..services.certificates import certificate_duplicate_issue, certificate_issue, certificate_pdf_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    series = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    registration_number = serializers.CharField(read_only=True)
    register_year = serializers.IntegerField(read_only=True)
    register_seq = serializers.IntegerField(read_only=True)
    issued_on = serializers.DateField(read_only=True)
    holder = serializers.IntegerField(source="holder_id", read_only=True)
    holder_name = serializers.CharField(read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True, allow_null=True)
    training_record = serializers.IntegerField(source="training_record_id", read_only=True)
    is_duplicate = serializers.BooleanField(read_only=True)
    original = serializers.IntegerField(source="original_id", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    status_reason = serializers.CharField(read_only=True)
    pdf_ready = serializers.SerializerMethodField()

    def get_pdf_ready(self, obj) -> bool:
        return bool(obj.pdf)


class DuplicateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class IssueSerializer(serializers.Serializer):
    training_record = IdField()


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: "Укажите целое число."}) from None
    if not 0 < number < 10_000_000:
        raise ValidationError({name: "Такого значения не бывает."})
    return number


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Certificates whose holder is in your scope (your own; your school's, municipality's, region's).
    The operator of the region issues them for a training record and issues duplicates."""

    serializer_class = CertificateSerializer
    filterset_fields = ["status", "is_duplicate"]
    ordering_fields = ["register_year", "register_seq", "issued_on"]

    def get_queryset(self):
        return certificates_visible(self.request.user).order_by("register_year", "register_seq", "id")

    def _one(self, pk):
        try:
            return self.get_queryset().get(pk=pk)
        except (self.get_queryset().model.DoesNotExist, ValueError, TypeError, OverflowError):
            raise NotFound from None

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        certificate = self._one(pk)
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            object_type="certificate",
            object_id=certificate.pk,
            path=request.path,
            person_ids=[certificate.holder_id],
        )
        return HttpResponse(certificate_pdf_bytes(certificate), content_type="application/pdf")

    @extend_schema(request=DuplicateSerializer, responses={201: CertificateSerializer})
    @action(detail=True, methods=["post"], serializer_class=DuplicateSerializer)
    def duplicate(self, request, pk=None):
        if not access.has_role(request.user, Role.OPERATOR):
            raise NotFound
        certificate = self._one(pk)
        serializer = DuplicateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        duplicate = certificate_duplicate_issue(
            actor=request.user, certificate=certificate, reason=serializer.validated_data["reason"]
        )
        return Response(CertificateSerializer(duplicate).data, status=201)

    @extend_schema(request=IssueSerializer, responses={201: CertificateSerializer})
    @action(detail=False, methods=["post"], serializer_class=IssueSerializer)
    def issue(self, request):
        """Issue the certificate of one completed training record (the operator of its region, or
        the organiser or a course teacher of its group)."""
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        records = access.restrict(request.user, TrainingRecord.objects.select_related("programme"))
        try:
            record = records.get(pk=serializer.validated_data["training_record"])
        except TrainingRecord.DoesNotExist:
            raise NotFound from None
        certificate = certificate_issue(actor=request.user, training_record=record)
        return Response(CertificateSerializer(certificate).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("programme", int),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="frdo", permission_classes=[HasRole.of(*REGISTER_ROLES)])
    def frdo(self, request):
        """The year's register in the ФИС ФРДО layout (personal data: logged as an export)."""
        year = _int_param(request, "year")
        if year is None:
            raise ValidationError({"year": "Укажите год реестра."})
        certificates = list(register(request.user, year=year, programme_id=_int_param(request, "programme")))
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            object_type="certificate_register",
            object_id=year,
            records=len(certificates),
            path=request.path,
            person_ids=[c.holder_id for c in certificates],
        )
        return HttpResponse(frdo.register_xlsx(certificates), content_type=XLSX)


class GroupFiguresSerializer(serializers.Serializer):
    group = serializers.IntegerField(source="group.pk")
    name = serializers.CharField(source="group.name")
    capacity = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    fill_percent = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    finished = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_percent = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)


class ProgrammeFiguresView(APIView):
    """A programme's groups with their fill rate and completion rate, and the totals (counts only)."""

    @extend_schema(responses={200: GroupFiguresSerializer(many=True)})
    def get(self, request, pk: int):
        try:
            programme = access.programmes(request.user).get(pk=pk)
        except (access.programmes(request.user).model.DoesNotExist, ValueError, OverflowError):
            raise NotFound from None
        figures = group_figures(programme)
        totals = programme_totals(figures)
        return Response(
            {
                "groups": GroupFiguresSerializer(figures, many=True).data,
                "totals": {k: (str(v) if hasattr(v, "quantize") else v) for k, v in totals.items()},
            }
        )
