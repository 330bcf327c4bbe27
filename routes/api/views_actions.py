"""The rest of the routes pages' actions in the API (issue 10.4): assigning one supporter to many
participants, reviewing and applying a balancing proposal, editing a supporter's profile, ordering an
archive of ИОМ cards. Each calls the service its page calls, scoped by cnppm.access as the page is."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cnppm import access
from cnppm.api.fields import IdField
from cnppm.api.forms import form_parse, form_serializer
from cnppm.api.permissions import HasRole
from cnppm.choices import Role, SupportRole
from cnppm.models import PersonalDataAccess, RoleAssignment, Subject
from cnppm.services import DomainError, personal_data_log

from ..forms import SupporterProfileForm
from ..models import CardArchiveRun
from ..services import assignment as svc
from ..services import exports as export_svc
from ..services import supporters as supporter_svc

ASSIGN_ROLES = (Role.OPERATOR, Role.SCHOOL_HEAD)
ARCHIVE_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MUNICIPAL_METHODIST, Role.SCHOOL_HEAD)


def _supporter(user, pk: int):
    """Only people the user may assign (access.supporters); any other id is "not found", unnamed."""
    person = access.supporters(user).filter(pk=pk).first()
    if person is None:
        raise DomainError("Сотрудник не найден: выберите сопровождающего из списка.")
    return person


class BulkAssignInput(serializers.Serializer):
    persons = serializers.ListField(
        child=IdField(), allow_empty=False, max_length=5000, help_text="id участников"
    )
    supporter = IdField(help_text="id сопровождающего")
    role = serializers.ChoiceField(choices=SupportRole.choices)
    subject = IdField(required=False, allow_null=True, default=None)
    order_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    order_date = serializers.DateField(required=False, allow_null=True, default=None)
    replace = serializers.BooleanField(required=False, default=False, help_text="заменить прежнего")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class BulkAssignResult(serializers.Serializer):
    assigned = serializers.IntegerField()
    already = serializers.IntegerField(help_text="пропущено: сопровождающий уже есть")
    replaced = serializers.IntegerField()


class PairSerializer(serializers.Serializer):
    person = IdField()
    supporter = IdField()
    subject = IdField(required=False, allow_null=True, default=None)


class BalanceApplyInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=SupportRole.choices, help_text="куратор или тьютор")
    pairs = serializers.ListField(child=PairSerializer(), max_length=20000)


class BalanceApplyResult(serializers.Serializer):
    assigned = serializers.IntegerField()


class BalanceQuery(serializers.Serializer):
    """The balancing page's filters (its GET form)."""

    role = serializers.ChoiceField(
        choices=SupportRole.choices,
        required=False,
        default=SupportRole.CURATOR,
        help_text="куратор или тьютор",
    )
    municipality = IdField(required=False, allow_null=True, default=None, help_text="id муниципалитета")
    organization = IdField(required=False, allow_null=True, default=None, help_text="id организации")
    subject = IdField(required=False, allow_null=True, default=None, help_text="id предметной области")


class ProposedPairSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField()
    organization = serializers.CharField()
    supporter = serializers.IntegerField(source="supporter_id")
    supporter_name = serializers.CharField()
    subject = serializers.IntegerField(source="subject_id", allow_null=True)
    subject_name = serializers.CharField()


class UnplacedSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField()
    organization = serializers.CharField()
    reason = serializers.CharField()


class ProposedLoadSerializer(serializers.Serializer):
    supporter = serializers.IntegerField(source="supporter_id")
    name = serializers.CharField()
    before = serializers.IntegerField(help_text="сейчас")
    added = serializers.IntegerField(help_text="добавится")
    after = serializers.IntegerField(help_text="станет")
    norm = serializers.IntegerField()
    over_norm = serializers.BooleanField()


class BalanceProposalSerializer(serializers.Serializer):
    role = serializers.CharField()
    norm = serializers.IntegerField(help_text="норма: педагогов на одного сопровождающего")
    participants = serializers.IntegerField(help_text="педагогов без назначения")
    pairs = ProposedPairSerializer(
        many=True, help_text="предлагаемые пары; их (или часть) отправьте в POST этого же адреса"
    )
    unplaced = UnplacedSerializer(many=True, help_text="кого не удалось распределить и почему")
    loads = ProposedLoadSerializer(many=True, help_text="нагрузка сопровождающих: сейчас и после применения")


class BulkAssignView(APIView):
    """One supporter for many participants (the assignment page's «Назначить выбранным»): all or
    nothing; participants who already have someone in the role are skipped unless `replace`."""

    permission_classes = [HasRole.of(*ASSIGN_ROLES)]

    @extend_schema(request=BulkAssignInput, responses=BulkAssignResult, summary="Назначить нескольким")
    def post(self, request):
        data = BulkAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = svc.support_bulk_assign(
            actor=request.user,
            person_ids=v["persons"],
            supporter=_supporter(request.user, v["supporter"]),
            role=v["role"],
            subject=Subject.objects.filter(pk=v["subject"]).first() if v["subject"] else None,
            order_number=v["order_number"],
            order_date=v["order_date"],
            replace=v["replace"],
            comment=v["comment"],
        )
        return Response({"assigned": result.assigned, "already": result.already, "replaced": result.replaced})


class BalanceView(APIView):
    """Balancing: GET the proposal the balancing page shows (the same service, the same filters),
    review it, then POST the pairs to apply (participant → supporter): all pairs or none, re-checked
    against the database and the norm."""

    permission_classes = [HasRole.of(Role.OPERATOR)]

    @extend_schema(
        parameters=[BalanceQuery],
        responses=BalanceProposalSerializer,
        summary="Предложение балансировки (для проверки перед применением)",
    )
    def get(self, request):
        query = BalanceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        proposal = svc.support_balance_propose(
            actor=request.user,
            role=v["role"],
            municipality_id=v["municipality"],
            organization_id=v["organization"],
            subject_id=v["subject"],
        )
        # As the page does: the request's read of the participants is labelled as this list.
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.LIST,
            object_type="support_balance",
            records=proposal.participants,
            path=request.get_full_path(),
        )
        return Response(BalanceProposalSerializer(proposal).data)

    @extend_schema(request=BalanceApplyInput, responses=BalanceApplyResult, summary="Применить предложение")
    def post(self, request):
        data = BalanceApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        pairs = [(p["person"], p["supporter"], p["subject"]) for p in data.validated_data["pairs"]]
        made = svc.support_balance_apply(actor=request.user, role=data.validated_data["role"], pairs=pairs)
        return Response({"assigned": made})


SupporterProfileInput = form_serializer(SupporterProfileForm, name="SupporterProfileInput")


class SupporterProfileSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    full_name = serializers.CharField(source="person.full_name", read_only=True)
    role = serializers.CharField(read_only=True, help_text="curator или tutor")
    subjects = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = ["id", "person", "full_name", "role", "support_kind", "subjects"]

    def get_subjects(self, obj) -> list[int]:
        return [s.pk for s in obj.subjects.all()]


class SupporterProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Curators' and tutors' profiles (kind and subject areas) in the operator's scope."""

    permission_classes = [HasRole.of(Role.OPERATOR)]
    serializer_class = SupporterProfileSerializer

    def get_queryset(self):
        return (
            access.supporter_profiles(self.request.user)
            .select_related("person")
            .prefetch_related("subjects")
            .order_by("person__last_name", "person__first_name", "role", "pk")
        )

    @extend_schema(request=SupporterProfileInput, responses=SupporterProfileSerializer)
    def update(self, request, pk=None):
        profile = self.get_object()
        form = form_parse(request, SupporterProfileForm, serializer=SupporterProfileInput)
        supporter_svc.supporter_profile_update(
            actor=request.user,
            profile=profile,
            support_kind=form.cleaned_data["support_kind"],
            subjects=list(form.cleaned_data["subjects"]),
        )
        return Response(SupporterProfileSerializer(self.get_queryset().get(pk=profile.pk)).data)


class ArchiveInput(serializers.Serializer):
    organization = IdField(required=False, allow_null=True, default=None)
    municipality = IdField(required=False, allow_null=True, default=None)
    academic_year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=2000, max_value=2100
    )


class ArchiveSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(source="scope_label", read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, done или failed")

    class Meta:
        model = CardArchiveRun
        fields = [
            "id",
            "organization",
            "municipality",
            "academic_year",
            "scope",
            "status",
            "routes_total",
            "routes_done",
            "created_at",
            "finished_at",
            "error",
        ]


class CardArchiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Archives (ZIP of PDF cards) of an organization or a municipality: order one, follow it,
    download it. Each user sees the archives they ordered."""

    permission_classes = [HasRole.of(*ARCHIVE_ROLES)]
    serializer_class = ArchiveSerializer

    def get_queryset(self):
        return export_svc.archive_runs(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=ArchiveInput, responses={201: ArchiveSerializer})
    def create(self, request):
        data = ArchiveInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        organization = municipality = None
        if v["organization"]:
            organization = (
                access.person_level_organizations(request.user).filter(pk=v["organization"]).first()
            )
            if organization is None:
                raise DomainError("Выбранная область не найдена.")
        if v["municipality"]:
            municipality = (
                access.person_level_municipalities(request.user).filter(pk=v["municipality"]).first()
            )
            if municipality is None:
                raise DomainError("Выбранная область не найдена.")
        run = export_svc.card_archive_request(
            actor=request.user,
            organization=organization,
            municipality=municipality,
            academic_year=v["academic_year"],
        )
        return Response(ArchiveSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        from ..exports import private_storage

        run = self.get_queryset().filter(pk=pk, status=CardArchiveRun.Status.DONE).first()
        storage = private_storage()
        if run is None or not run.file or not storage.exists(run.file.name):
            raise Http404
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.EXPORT,
            object_type="route_card_archive",
            object_id=run.pk,
            records=run.routes_done,
            path=request.path,
        )
        return FileResponse(
            storage.open(run.file.name, "rb"), as_attachment=True, filename=f"iom_{run.pk}.zip"
        )
