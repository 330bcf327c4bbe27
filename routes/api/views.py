"""API of route cards and the catalogue. Every queryset is narrowed by cnppm.access; writes call
the same services as the pages (a refusal answers 400 with the Russian message)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cnppm import access
from cnppm.api.forms import form_parse
from cnppm.models import Person, PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from .. import selectors
from ..forms import ConclusionsForm, RouteActivityForm
from ..models import Activity, Correction, Route, RouteActivity, RouteReview
from ..services import catalogue as catalogue_services
from ..services import comments as comment_services
from ..services import corrections as correction_services
from ..services import implementation as implementation_services
from ..services import routes as route_services
from . import serializers as ser

ROUTE_ROLES = (
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "regional_methodist",
    "operator",
)


class CatalogueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The activity catalogue. Everyone signed in reads it; operators and municipal methodists
    (municipal activities of their municipality) create and edit."""

    serializer_class = ser.CatalogueActivitySerializer
    search_fields = ["title", "organizer", "registry_number"]
    filterset_fields = ["kind", "level", "format", "is_active", "in_federal_registry"]
    ordering_fields = ["starts_on", "title"]

    def get_queryset(self):
        return selectors.catalogue_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = catalogue_services.catalogue_activity_create(
            actor=request.user, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        try:
            activity = selectors.editable_activities(request.user).get(pk=kwargs["pk"])
        except (Activity.DoesNotExist, ValueError):
            raise NotFound from None
        serializer = self.get_serializer(activity, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        activity = catalogue_services.catalogue_activity_update(
            actor=request.user, activity=activity, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(activity).data)


class RouteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Route cards (ИОМ) in the user's scope, with their activities, and the actions of the
    workflow: transition, review (the curator's verdict), comments, corrections, activities,
    implementation marks and recommendations."""

    serializer_class = ser.RouteSerializer
    search_fields = ["teacher__last_name", "teacher__first_name"]
    filterset_fields = ["status", "academic_year", "verdict"]
    ordering_fields = ["academic_year", "status"]

    def get_queryset(self):
        if not access.has_role(self.request.user, *ROUTE_ROLES):
            return Route.objects.none()
        qs = access.restrict(self.request.user, Route.objects.all()).select_related("teacher", "organization")
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("activities", queryset=RouteActivity.objects.prefetch_related("competences"))
            )
        return selectors.routes_with_flags(qs).order_by("-academic_year", "teacher__last_name", "pk")

    def get_serializer_class(self):
        if self.action == "list":
            return ser.RouteListSerializer
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.LIST,
            object_type="route",
            records=len(results),
            path=request.get_full_path(),
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        route = self.get_object()
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.VIEW,
            object_type="route",
            object_id=route.pk,
            path=request.path,
        )
        return Response(self.get_serializer(route).data)

    def _fresh(self, route):
        return Response(ser.RouteSerializer(self.get_queryset().get(pk=route.pk)).data)

    @extend_schema(request=ser.RouteCreateSerializer, responses=ser.RouteSerializer)
    def create(self, request):
        """The teacher creates their own card for the academic year from the entry diagnostics."""
        data = ser.RouteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = Person.objects.filter(user=request.user).first()
        if person is None:
            raise NotFound
        route = route_services.route_create(
            actor=request.user, teacher=person, academic_year=data.validated_data["academic_year"]
        )
        response = self._fresh(route)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=ser.RouteUpdateSerializer, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"], url_path="update-card")
    def update_card(self, request, pk=None):
        """Edit tasks and the final event (a correction with `reason` after approval)."""
        route = self.get_object()
        data = ser.RouteUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route_services.route_update(actor=request.user, route=route, **data.validated_data)
        return self._fresh(route)

    @extend_schema(request=ser.TransitionSerializer, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        route = self.get_object()
        data = ser.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route_services.route_transition(actor=request.user, route=route, **data.validated_data)
        return self._fresh(route)

    @extend_schema(request=ser.ReviewInputSerializer, responses=ser.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        route = self.get_object()
        data = ser.ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = route_services.route_review(actor=request.user, route=route, **data.validated_data)
        return Response(ser.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ser.CommentInputSerializer, responses=ser.CommentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        route = self.get_object()
        visible = selectors.comments_visible(request.user).filter(route=route)
        if not route_services.workflow.route_roles(request.user, route) & route_services.workflow.COMMENTERS:
            raise NotFound
        if request.method == "GET":
            items = visible.select_related("author").order_by("created_at", "pk")
            return Response(ser.CommentSerializer(items, many=True).data)
        data = ser.CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = parent = None
        if data.validated_data.get("activity"):
            activity = route.activities.filter(pk=data.validated_data["activity"]).first()
            if activity is None:
                raise DomainError("Мероприятие не из этого ИОМ.")
        if data.validated_data.get("parent"):
            parent = visible.filter(pk=data.validated_data["parent"]).first()
            if parent is None:
                raise DomainError("Комментарий, на который вы отвечаете, не найден в этом ИОМ.")
        comment = comment_services.comment_add(
            actor=request.user,
            route=route,
            text=data.validated_data["text"],
            activity=activity,
            parent=parent,
        )
        return Response(ser.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ser.ActivityAddSerializer, responses=ser.RouteActivitySerializer)
    @action(detail=True, methods=["post"])
    def activities(self, request, pk=None):
        """Add an activity: from the catalogue (`catalogue_activity`) or typed in."""
        route = self.get_object()
        data = ser.ActivityAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        reason = v.pop("reason")
        if v.get("catalogue_activity"):
            activity = Activity.objects.filter(pk=v["catalogue_activity"]).first()
            if activity is None:
                raise DomainError("Мероприятие не найдено в каталоге.")
            ra = route_services.route_activity_add_from_catalogue(
                actor=request.user,
                route=route,
                activity=activity,
                result_form=v.get("result_form", ""),
                reason=reason,
            )
        else:
            v.pop("catalogue_activity", None)
            ra = route_services.route_activity_add_manual(actor=request.user, route=route, reason=reason, **v)
        return Response(ser.RouteActivitySerializer(ra).data, status=status.HTTP_201_CREATED)

    def _activity(self, route, activity_pk):
        activity = route.activities.filter(pk=activity_pk).first()
        if activity is None:
            raise NotFound
        return activity

    @extend_schema(request=ser.ReasonSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path=r"activities/(?P<activity_pk>\d+)/remove")
    def activity_remove(self, request, pk=None, activity_pk=None):
        route = self.get_object()
        data = ser.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route_services.route_activity_remove(
            actor=request.user,
            activity=self._activity(route, activity_pk),
            reason=data.validated_data["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ser.MarkInputSerializer, responses=ser.RouteActivitySerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"activities/(?P<activity_pk>\d+)/mark",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def activity_mark(self, request, pk=None, activity_pk=None):
        route = self.get_object()
        data = ser.MarkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ra = implementation_services.route_activity_mark(
            actor=request.user, activity=self._activity(route, activity_pk), **data.validated_data
        )
        return Response(ser.RouteActivitySerializer(ra).data)

    @extend_schema(responses=ser.RecommendationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def recommendations(self, request, pk=None):
        route = self.get_object()
        return Response(ser.RecommendationSerializer(selectors.recommendations(route), many=True).data)

    @extend_schema(request=None, responses=ser.CorrectionSerializer)
    @action(detail=True, methods=["post"], url_path=r"corrections/(?P<correction_pk>\d+)/sign")
    def correction_sign(self, request, pk=None, correction_pk=None):
        correction = self._correction(pk, correction_pk)
        return Response(
            ser.CorrectionSerializer(
                correction_services.correction_sign(actor=request.user, correction=correction)
            ).data
        )

    @extend_schema(request=None, responses=ser.CorrectionSerializer)
    @action(detail=True, methods=["post"], url_path=r"corrections/(?P<correction_pk>\d+)/acknowledge")
    def correction_acknowledge(self, request, pk=None, correction_pk=None):
        correction = self._correction(pk, correction_pk)
        return Response(
            ser.CorrectionSerializer(
                correction_services.correction_acknowledge(actor=request.user, correction=correction)
            ).data
        )

    # --- Appendix 2 (conclusions), the final event, an activity's edit (issue 10.4) ---------------

    @extend_schema(request=ser.ConclusionsInputSerializer, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"])
    def conclusions(self, request, pk=None):
        """The curator's or regional methodist's conclusions (Appendix 2) while the route is completing."""
        route = self.get_object()
        form = form_parse(request, ConclusionsForm, serializer=ser.ConclusionsInputSerializer)
        route_services.route_conclusions_save(
            actor=request.user, route=route, conclusions=form.cleaned_data["conclusions"]
        )
        return self._fresh(route)

    @extend_schema(request=ser.ConclusionsSignSerializer, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"], url_path="conclusions/sign")
    def conclusions_sign(self, request, pk=None):
        """Sign the conclusions as `regional_methodist` or `school_head` (the roles the card offers)."""
        route = self.get_object()
        data = ser.ConclusionsSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route_services.route_conclusions_sign(actor=request.user, route=route, **data.validated_data)
        return self._fresh(route)

    @extend_schema(request=None, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"], url_path="conclusions/acknowledge")
    def conclusions_acknowledge(self, request, pk=None):
        """The teacher acknowledges the conclusions («С выводами ознакомлен»)."""
        route = self.get_object()
        route_services.route_conclusions_acknowledge(actor=request.user, route=route)
        return self._fresh(route)

    @extend_schema(request=ser.FinalEventMarkSerializer, responses=ser.RouteSerializer)
    @action(detail=True, methods=["post"], url_path="final-event")
    def final_event(self, request, pk=None):
        """Mark the final public event done (or not) during implementation."""
        route = self.get_object()
        data = ser.FinalEventMarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        route_services.route_final_event_mark(actor=request.user, route=route, **data.validated_data)
        return self._fresh(route)

    @extend_schema(request=ser.ActivityEditInputSerializer, responses=ser.RouteActivitySerializer)
    @action(detail=True, methods=["post"], url_path=r"activities/(?P<activity_pk>[0-9]{1,18})/edit")
    def activity_edit(self, request, pk=None, activity_pk=None):
        """Edit an activity of the route (a correction with `reason` once the route is approved)."""
        route = self.get_object()
        activity = self._activity(route, activity_pk)
        form = form_parse(request, RouteActivityForm, serializer=ser.ActivityEditInputSerializer)
        data = dict(form.cleaned_data)
        data.pop("kind", None)
        data.pop("format", None)
        ra = route_services.route_activity_update(actor=request.user, activity=activity, **data)
        return Response(ser.RouteActivitySerializer(ra).data)

    def _correction(self, pk, correction_pk):
        route = self.get_object()
        correction = route.corrections.filter(pk=correction_pk).first()
        if correction is None:
            raise NotFound
        return correction


class _ScopedReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_fields = ["route"]

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.LIST,
            object_type=self.queryset_model_name,
            records=len(results),
            path=request.get_full_path(),
        )
        return response


class CommentViewSet(_ScopedReadViewSet):
    """Comments of the routes of the user's support circle (own route, or assigned teachers)."""

    serializer_class = ser.CommentSerializer
    queryset_model_name = "route_comment"

    def get_queryset(self):
        return (
            selectors.comments_visible(self.request.user)
            .select_related("author")
            .order_by("created_at", "pk")
        )


class ReviewViewSet(_ScopedReadViewSet):
    """The curators' verdicts on routes in the user's scope."""

    serializer_class = ser.ReviewSerializer
    queryset_model_name = "route_review"
    filterset_fields = ["route", "verdict"]

    def get_queryset(self):
        if not access.has_role(self.request.user, *ROUTE_ROLES):
            return RouteReview.objects.none()
        return access.restrict(self.request.user, RouteReview.objects.select_related("curator")).order_by(
            "-created_at"
        )


class CorrectionViewSet(_ScopedReadViewSet):
    """The corrections logs (Appendix 1) of routes in the user's scope."""

    serializer_class = ser.CorrectionSerializer
    queryset_model_name = "route_correction"

    def get_queryset(self):
        if not access.has_role(self.request.user, *ROUTE_ROLES):
            return Correction.objects.none()
        return access.restrict(
            self.request.user, Correction.objects.select_related("author", "signed_by")
        ).order_by("created_at", "pk")


__all__ = [
    "CatalogueViewSet",
    "CommentViewSet",
    "CorrectionViewSet",
    "ReviewViewSet",
    "RouteViewSet",
]
