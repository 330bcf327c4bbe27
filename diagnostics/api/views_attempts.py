"""API of taking (start, save an answer, finish), results, the anonymous expert queue and retake
grants. Thin: parse, call a selector or a service, serialize. Scoped through cnppm.access."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cnppm import access
from cnppm.api.permissions import HasRole
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from ..choices import AttemptStatus
from ..models import Attempt
from ..selectors import attempts as sel
from ..services import attempts as svc
from .serializers_attempts import (
    AnswerInputSerializer,
    AnswerSavedSerializer,
    AttemptDetailSerializer,
    AttemptSerializer,
    AttemptStartSerializer,
    CheckedSerializer,
    CheckInputSerializer,
    ExpertAnswerSerializer,
    ResultSerializer,
    RetakeGrantSerializer,
    RetakeInputSerializer,
)


class AttemptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attempts in the user's scope (own, supported people, school, municipality, region). Starting,
    saving answers and finishing are the participant's own; a retake is granted by the operator."""

    serializer_class = AttemptSerializer
    filterset_fields = ["status", "instrument"]
    ordering_fields = ["started_at", "finished_at"]

    def get_queryset(self):
        if not access.sees_person_lists(self.request.user):
            return Attempt.objects.filter(access.own_q(self.request.user)).select_related(
                "instrument", "variant"
            )
        return access.restrict(self.request.user, Attempt.objects.all()).select_related(
            "instrument", "variant"
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        others = access.sees_person_lists(request.user)
        if others:
            personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.LIST,
                object_type="diagnostic_attempt",
                records=len(response.data.get("results", [])),
                path=request.get_full_path(),
            )
        return response

    @extend_schema(responses=AttemptDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        attempt = self.get_object()
        is_own = attempt.person.user_id == request.user.pk
        if is_own and attempt.status == AttemptStatus.IN_PROGRESS and sel.seconds_left(attempt) == 0:
            svc.attempt_close_if_expired(attempt_id=attempt.pk)
            attempt = self.get_object()
        if not is_own:
            personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.VIEW,
                object_type="diagnostic_attempt",
                object_id=attempt.pk,
                path=request.path,
            )
        context = self.get_serializer_context()
        if is_own and attempt.status == AttemptStatus.IN_PROGRESS:
            context.update(items=sel.attempt_items(attempt), answers=sel.attempt_answers(attempt))
        return Response(AttemptDetailSerializer(attempt, context=context).data)

    def get_object(self):
        attempt = (
            self.get_queryset().select_related("person").filter(pk=self.kwargs["pk"]).first()
            if str(self.kwargs["pk"]).isdigit()
            else None
        )
        if attempt is None:
            raise Http404
        return attempt

    @extend_schema(request=AttemptStartSerializer, responses={201: AttemptSerializer})
    def create(self, request):
        data = AttemptStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = svc.attempt_start(actor=request.user, instrument_id=data.validated_data["instrument"])
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerInputSerializer, responses=AnswerSavedSerializer)
    @action(detail=True, methods=["put"], url_path=r"answers/(?P<item_id>\d+)")
    def answer(self, request, pk=None, item_id=None):
        """Save the answer to one item (the autosave)."""
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            attempt_id = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        answer = svc.answer_save(
            actor=request.user,
            attempt_id=attempt_id,
            item_id=int(item_id),
            value=data.validated_data["value"],
        )
        return Response({"item": answer.item_id, "saved_at": answer.saved_at})

    @extend_schema(request=None, responses=AttemptSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        attempt = sel.own_attempt(request.user, int(pk))
        attempt = svc.attempt_finish(actor=request.user, attempt_id=attempt.pk)
        return Response(AttemptSerializer(attempt).data)

    @extend_schema(responses=ResultSerializer)
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        attempt = sel.result_get(request.user, int(pk))
        if attempt.status != AttemptStatus.FINAL:
            raise DomainError(
                "Результат ещё не готов: работа выполняется или проверяется экспертом.", code="not_final"
            )
        if attempt.person.user_id != request.user.pk:
            personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.VIEW,
                object_type="diagnostic_result",
                object_id=attempt.pk,
                path=request.path,
            )
        return Response(
            ResultSerializer(attempt, context={"dynamics": sel.result_dynamics(attempt.person)}).data
        )

    @extend_schema(request=RetakeInputSerializer, responses={201: RetakeGrantSerializer})
    @action(detail=True, methods=["post"], permission_classes=[HasRole.of(Role.OPERATOR)])
    def retake(self, request, pk=None):
        attempt = access.get_or_404(request.user, Attempt.objects.all(), pk=pk)
        data = RetakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = svc.retake_grant(
            actor=request.user,
            person_id=attempt.person_id,
            instrument_id=attempt.instrument_id,
            reason=data.validated_data["reason"],
        )
        return Response(RetakeGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class ExpertAnswerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expert queue: extended answers waiting for a check, anonymous."""

    serializer_class = ExpertAnswerSerializer
    permission_classes = [HasRole.of(Role.EXPERT, Role.OPERATOR)]
    filter_backends: list = []

    def get_queryset(self):
        return sel.expert_queue(self.request.user)

    @extend_schema(request=CheckInputSerializer, responses=CheckedSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        data = CheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer_id = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        answer = svc.answer_check(actor=request.user, answer_id=answer_id, **data.validated_data)
        return Response(CheckedSerializer(answer).data)

    @extend_schema(request=CheckInputSerializer, responses=CheckedSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct a score given earlier while the attempt's result is not final (the page «Исправить
        оценку»): only answers this expert scored (operators: any), others 404."""
        answer = sel.expert_scored(request.user).filter(pk=pk).first()
        if answer is None:
            raise Http404
        data = CheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = svc.answer_score_correct(actor=request.user, answer_id=answer.pk, **data.validated_data)
        return Response(CheckedSerializer(answer).data)
