"""The courses API: programmes, groups with their sessions, enrolments with their actions. Every
queryset is scoped by cnppm/access.py; every write calls one service."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cnppm import access
from cnppm.api.forms import form_parse, form_serializer
from cnppm.models import Person, Subject
from diagnostics.models import CompetenceBlock
from routes.models import RouteActivity

from .. import selectors
from ..forms import SessionDeleteForm, SessionForm
from ..models import GroupSession
from ..services import attendance as attendance_services
from ..services import completion, enrolment, programmes
from . import serializers as ser


def _one(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound from None


def _many(qs, ids, what: str) -> list:
    found = {o.pk: o for o in qs.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        from cnppm.services import DomainError

        raise DomainError(f"Не найдены {what}: {', '.join(map(str, missing[:20]))}.")
    return [found[i] for i in ids]


class ProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Programmes: everybody reads the open programmes of their region; the operator of the region
    creates and changes them (drafts and archive included) and sets their status."""

    serializer_class = ser.ProgrammeSerializer
    filterset_fields = ["kind", "form", "status"]
    search_fields = ["title", "provider_name"]
    ordering_fields = ["title", "hours"]

    def get_queryset(self):
        return selectors.programme_list(user=self.request.user).order_by("title", "id")

    def _data(self, validated: dict) -> dict:
        data = dict(validated)
        if "competence_ids" in data:
            data["competences"] = _many(
                CompetenceBlock.objects.all(), data.pop("competence_ids"), "компетенции"
            )
        if "subject_ids" in data:
            data["subjects"] = _many(Subject.objects.all(), data.pop("subject_ids"), "предметные области")
        return data

    def create(self, request, *args, **kwargs):
        if not access.has_role(request.user, "operator"):
            raise NotFound
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = programmes.programme_save(actor=request.user, data=self._data(serializer.validated_data))
        return Response(self.get_serializer(programme).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        programme = _one(access.programmes_managed(request.user), kwargs["pk"])
        serializer = self.get_serializer(programme, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {
            **{f: getattr(programme, f) for f in programmes.PROGRAMME_FIELDS},
            **self._data(serializer.validated_data),
        }
        programme = programmes.programme_save(actor=request.user, data=data, programme=programme)
        return Response(self.get_serializer(programme).data)

    @action(detail=True, methods=["post"], serializer_class=ser.StatusSerializer)
    def status(self, request, pk=None):
        programme = _one(access.programmes_managed(request.user), pk)
        serializer = ser.StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = programmes.programme_set_status(
            actor=request.user, programme=programme, status=serializer.validated_data["status"]
        )
        return Response(ser.ProgrammeSerializer(programme).data)


class GroupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Groups (cohorts) of the programmes the user sees, and those they teach or manage. The operator
    creates and changes them; the operator and the organiser enrol lists and add sessions; the course
    teachers, the organiser and the operator finish them."""

    serializer_class = ser.GroupSerializer
    filterset_fields = ["programme", "status"]
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        return selectors.group_list(user=self.request.user).order_by("starts_on", "id")

    def _people(self, programme, ids) -> list:
        qs = Person.objects.filter(
            access.consenting_q(), organization__municipality__region_id=programme.region_id
        )
        return _many(qs, ids, "люди")

    def _data(self, programme, validated: dict) -> dict:
        data = dict(validated)
        data.pop("programme", None)
        if "teacher_ids" in data:
            data["teachers"] = self._people(programme, data.pop("teacher_ids"))
        if data.get("organiser"):
            data["organiser"] = self._people(programme, [data["organiser"]])[0]
        return data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = _one(access.programmes_managed(request.user), serializer.validated_data["programme"])
        group = programmes.group_save(
            actor=request.user, data=self._data(programme, serializer.validated_data), programme=programme
        )
        return Response(
            self.get_serializer(selectors.with_seats_one(group)).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        group = _one(access.course_groups_managed(request.user).select_related("programme"), kwargs["pk"])
        if not access.programmes_managed(request.user).filter(pk=group.programme_id).exists():
            raise NotFound
        serializer = self.get_serializer(group, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {
            **{f: getattr(group, f) for f in programmes.GROUP_FIELDS},
            **self._data(group.programme, serializer.validated_data),
        }
        group = programmes.group_save(actor=request.user, data=data, group=group)
        return Response(self.get_serializer(selectors.with_seats_one(group)).data)

    @action(detail=True, methods=["post"], serializer_class=ser.GroupStatusSerializer)
    def status(self, request, pk=None):
        group = _one(access.course_groups_managed(request.user), pk)
        serializer = ser.GroupStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = programmes.group_set_status(
            actor=request.user, group=group, status=serializer.validated_data["status"]
        )
        return Response(ser.GroupSerializer(selectors.with_seats_one(group)).data)

    @action(detail=True, methods=["post"], serializer_class=ser.BulkEnrolSerializer)
    def enrol(self, request, pk=None):
        group = _one(access.course_groups_managed(request.user).select_related("programme"), pk)
        serializer = ser.BulkEnrolSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        people = _many(
            access.people(request.user).filter(
                organization__municipality__region_id=group.programme.region_id
            ),
            serializer.validated_data["people"],
            "люди",
        )
        result = enrolment.enrolment_bulk_add(
            actor=request.user,
            group=group,
            people=people,
            waitlist_overflow=serializer.validated_data["waitlist_overflow"],
        )
        return Response(
            {key: ser.EnrolmentSerializer(items, many=True).data for key, items in result.items()},
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"], serializer_class=ser.SessionSerializer)
    def sessions(self, request, pk=None):
        group = _one(access.course_groups_managed(request.user), pk)
        serializer = ser.SessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = programmes.session_save(
            actor=request.user, group=group, data=dict(serializer.validated_data)
        )
        return Response(ser.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], serializer_class=ser.GroupSerializer)
    def finish(self, request, pk=None):
        group = _one(access.course_groups_taught(request.user), pk)
        result = completion.group_finish(actor=request.user, group=group)
        return Response(
            {key: ser.EnrolmentSerializer(items, many=True).data for key, items in result.items()}
        )


SessionInput = form_serializer(SessionForm, name="GroupSessionInput")


class SessionUpdateResult(serializers.Serializer):
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="изменённые поля; пусто — изменений нет, ничего не записано"
    )
    session = ser.SessionSerializer()


class SessionDeleteResult(serializers.Serializer):
    number = serializers.IntegerField(help_text="номер удалённого занятия")
    attendance_removed = serializers.IntegerField(help_text="удалено отметок посещаемости")


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sessions of the groups the user sees; attendance is marked by the group's course teachers,
    its organiser or the operator. The operator and the organiser change and delete sessions, as on
    the session's page: the page's form (courses.forms.SessionForm) parses the input, the same
    service (courses.services.programmes) decides."""

    serializer_class = ser.SessionSerializer
    filterset_fields = ["group"]

    def get_queryset(self):
        return GroupSession.objects.filter(group__in=access.course_groups(self.request.user)).order_by(
            "group", "number"
        )

    def _managed(self, pk) -> GroupSession:
        return _one(
            GroupSession.objects.filter(group__in=access.course_groups_managed(self.request.user)),
            pk,
        )

    def _update(self, request, pk, serializer, *, partial: bool) -> Response:
        session = self._managed(pk)
        current = {name: getattr(session, name) for name in programmes.SESSION_FIELDS}
        form = form_parse(
            request,
            SessionForm,
            serializer=serializer,
            instance_data=current if partial else None,
            instance=GroupSession.objects.get(pk=session.pk),
        )
        changed = programmes.session_update(actor=request.user, session=session, data=form.data_for_service())
        session.refresh_from_db()
        return Response({"changed": changed, "session": ser.SessionSerializer(session).data})

    @extend_schema(request=SessionInput, responses=SessionUpdateResult, summary="Изменить занятие")
    def update(self, request, pk=None):
        return self._update(request, pk, SessionInput, partial=False)

    @extend_schema(
        request=SessionInput, responses=SessionUpdateResult, summary="Изменить занятие (часть полей)"
    )
    def partial_update(self, request, pk=None):
        return self._update(request, pk, SessionInput, partial=True)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "confirm_attendance",
                bool,
                description="Удалить вместе с отметками посещаемости (без него занятие с отметками не удаляется)",
            )
        ],
        responses={200: SessionDeleteResult},
        summary="Удалить занятие",
    )
    def destroy(self, request, pk=None):
        session = self._managed(pk)
        form = SessionDeleteForm(request.query_params)
        form.is_valid()  # one optional flag: always valid
        number = session.number
        removed = programmes.session_delete(
            actor=request.user,
            session=session,
            confirm_attendance=form.cleaned_data.get("confirm_attendance", False),
        )
        return Response({"number": number, "attendance_removed": removed})

    @action(detail=True, methods=["post"], serializer_class=ser.AttendanceSerializer)
    def attendance(self, request, pk=None):
        session = _one(
            GroupSession.objects.filter(group__in=access.course_groups_taught(request.user)).select_related(
                "group"
            ),
            pk,
        )
        serializer = ser.AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        present = {m["enrolment"]: m["present"] for m in serializer.validated_data["marks"]}
        written = attendance_services.attendance_mark(actor=request.user, session=session, present=present)
        return Response({"written": written})


class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enrolments the user may see (own, of the people in their scope, of the groups they teach or
    manage). A teacher asks for a place from an approved ИОМ activity (create); the workflow's
    moves, the assessment and a single listener's completion are actions."""

    serializer_class = ser.EnrolmentSerializer
    filterset_fields = ["group", "status"]

    def get_queryset(self):
        return access.enrolments(self.request.user).select_related("person").order_by("id")

    def get_serializer_class(self):
        if self.action == "create":
            return ser.EnrolmentRequestSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = ser.EnrolmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person_id = access.scope_of(request.user).person_id
        activity = _one(
            RouteActivity.objects.filter(route__teacher_id=person_id).select_related(
                "route__teacher", "catalogue_activity"
            ),
            serializer.validated_data["route_activity"],
        )
        group = _one(
            access.course_groups(request.user).select_related("programme"), serializer.validated_data["group"]
        )
        item = enrolment.enrolment_request(actor=request.user, route_activity=activity, group=group)
        return Response(ser.EnrolmentSerializer(item).data, status=status.HTTP_201_CREATED)

    def _item(self, pk):
        return _one(access.enrolments(self.request.user).select_related("group"), pk)

    @action(detail=True, methods=["post"], serializer_class=ser.EnrolmentTransitionSerializer)
    def transition(self, request, pk=None):
        item = self._item(pk)
        serializer = ser.EnrolmentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = enrolment.enrolment_transition(
            actor=request.user,
            enrolment=item,
            to_status=serializer.validated_data["to"],
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(ser.EnrolmentSerializer(item).data)

    @action(detail=True, methods=["post"], serializer_class=ser.AssessmentSerializer)
    def assessment(self, request, pk=None):
        item = self._item(pk)
        serializer = ser.AssessmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = attendance_services.assessment_record(
            actor=request.user,
            enrolment=item,
            result=serializer.validated_data["result"],
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(ser.EnrolmentSerializer(item).data)

    @extend_schema(request=None, responses={200: ser.EnrolmentSerializer})
    @action(detail=True, methods=["post"], serializer_class=ser.EnrolmentSerializer)
    def finish(self, request, pk=None):
        item = self._item(pk)
        item = completion.enrolment_finish(actor=request.user, enrolment=item)
        return Response(ser.EnrolmentSerializer(item).data)
