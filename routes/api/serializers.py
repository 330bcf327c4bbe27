"""Serializers of the routes API: the catalogue, routes with their activities, comments, verdicts
and corrections. Input serializers only parse; the services decide."""

from __future__ import annotations

from rest_framework import serializers

from cnppm.api.fields import IdField
from cnppm.models import Municipality, Subject
from diagnostics.models import CompetenceBlock

from ..choices import ActivityFormat, ActivityKind, ActivityLevel, ActivityOutcome, RouteStatus, Verdict
from ..models import Activity, Comment, Correction, Route, RouteActivity, RouteReview


class CatalogueActivitySerializer(serializers.ModelSerializer):
    competences = serializers.PrimaryKeyRelatedField(queryset=CompetenceBlock.objects.all(), many=True)
    subjects = serializers.PrimaryKeyRelatedField(queryset=Subject.objects.all(), many=True, required=False)
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), required=False, allow_null=True
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    format_label = serializers.CharField(source="get_format_display", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "description",
            "competences",
            "subjects",
            "level",
            "level_label",
            "format",
            "format_label",
            "organizer",
            "municipality",
            "starts_on",
            "ends_on",
            "hours",
            "in_federal_registry",
            "registry_number",
            "audience",
            "is_active",
        ]
        # validation of combinations (municipal level, registry number, scope) is the service's
        extra_kwargs = {
            "kind": {"required": False},
            "level": {"required": False},
            "format": {"required": False},
        }


class RouteActivitySerializer(serializers.ModelSerializer):
    competences = serializers.SerializerMethodField()
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    has_evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = RouteActivity
        fields = [
            "id",
            "catalogue_activity",
            "title",
            "kind",
            "competences",
            "level",
            "level_label",
            "format",
            "organizer",
            "starts_on",
            "ends_on",
            "result_form",
            "outcome",
            "outcome_label",
            "not_done_reason",
            "evidence_url",
            "has_evidence_file",
            "order",
        ]

    def get_competences(self, obj) -> list[dict]:
        return [{"id": c.pk, "code": c.code, "name": c.name} for c in obj.competences.all()]

    def get_has_evidence_file(self, obj) -> bool:
        return bool(obj.evidence_file)


class RouteSerializer(serializers.ModelSerializer):
    teacher_name = serializers.CharField(source="teacher.full_name", read_only=True)
    organization_name = serializers.CharField(source="organization.short_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)
    uncovered_count = serializers.IntegerField(read_only=True)
    activities = RouteActivitySerializer(many=True, read_only=True)

    class Meta:
        model = Route
        fields = [
            "id",
            "teacher",
            "teacher_name",
            "organization",
            "organization_name",
            "academic_year",
            "status",
            "status_label",
            "verdict",
            "verdict_label",
            "uncovered_count",
            "educational_tasks",
            "final_event_title",
            "final_event_level",
            "final_event_starts_on",
            "final_event_ends_on",
            "final_event_done",
            "profile_snapshot",
            "diagnostics_snapshot",
            "approval",
            "conclusions",
            "conclusions_signed_by_methodist",
            "conclusions_signed_by_head",
            "conclusions_signed_at",
            "conclusions_acknowledged_at",
            "submitted_at",
            "approved_at",
            "completed_at",
            "activities",
        ]


class RouteListSerializer(RouteSerializer):
    class Meta(RouteSerializer.Meta):
        fields = [f for f in RouteSerializer.Meta.fields if f not in ("profile_snapshot", "activities")]


class RouteCreateSerializer(serializers.Serializer):
    academic_year = serializers.IntegerField(min_value=2000, max_value=2100)


class RouteUpdateSerializer(serializers.Serializer):
    educational_tasks = serializers.CharField(allow_blank=True)
    final_event_title = serializers.CharField(allow_blank=True, max_length=500)
    final_event_level = serializers.ChoiceField(choices=ActivityLevel.choices, allow_blank=True)
    final_event_starts_on = serializers.DateField(allow_null=True, required=False, default=None)
    final_event_ends_on = serializers.DateField(allow_null=True, required=False, default=None)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class TransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=RouteStatus.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")
    confirm_planned = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Подтвердить переход к завершению, когда мероприятия ещё не отмечены.",
    )


class ReviewInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class ReviewSerializer(serializers.ModelSerializer):
    curator_name = serializers.CharField(source="curator.full_name", read_only=True)
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)

    class Meta:
        model = RouteReview
        fields = [
            "id",
            "route",
            "curator",
            "curator_name",
            "verdict",
            "verdict_label",
            "comment",
            "created_at",
        ]


class CommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "route", "activity", "parent", "author_name", "text", "created_at"]

    def get_author_name(self, obj) -> str:
        return obj.author.get_full_name() or obj.author.username


class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    activity = IdField(required=False, allow_null=True)
    parent = IdField(required=False, allow_null=True)


class CorrectionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    signed_by_name = serializers.CharField(source="signed_by.short_name", read_only=True, default="")

    class Meta:
        model = Correction
        fields = [
            "id",
            "route",
            "created_at",
            "reason",
            "description",
            "author_name",
            "signed_by_name",
            "acknowledged_at",
        ]

    def get_author_name(self, obj) -> str:
        return obj.author.get_full_name() or obj.author.username


class ActivityAddSerializer(serializers.Serializer):
    """Either `catalogue_activity` (an id of the catalogue) or the fields of a hand-typed activity."""

    catalogue_activity = IdField(required=False, allow_null=True)
    title = serializers.CharField(required=False, max_length=500, default="")
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False, allow_blank=True, default="")
    competences = serializers.PrimaryKeyRelatedField(
        queryset=CompetenceBlock.objects.all(), many=True, required=False, default=list
    )
    level = serializers.ChoiceField(
        choices=ActivityLevel.choices, required=False, allow_blank=True, default=""
    )
    format = serializers.ChoiceField(
        choices=ActivityFormat.choices, required=False, allow_blank=True, default=""
    )
    organizer = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    result_form = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MarkInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(ActivityOutcome.DONE, "выполнено"), (ActivityOutcome.NOT_DONE, "не выполнено")]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="")
    evidence_file = serializers.FileField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RecommendationActivitySerializer(serializers.Serializer):
    activity = CatalogueActivitySerializer()
    fit = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


class RecommendationSerializer(serializers.Serializer):
    block = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    level_label = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    covered = serializers.BooleanField()
    activities = RecommendationActivitySerializer(many=True)


# --- Conclusions, the final event, an activity's edit (issue 10.4): the page's forms describe them --

from cnppm.api.forms import form_serializer  # noqa: E402

from ..forms import ConclusionsForm, RouteActivityForm  # noqa: E402
from ..workflow import CONCLUSIONS_SIGNERS  # noqa: E402

ConclusionsInputSerializer = form_serializer(ConclusionsForm, name="ConclusionsInput")
ActivityEditInputSerializer = form_serializer(RouteActivityForm, name="RouteActivityEditInput")


class ConclusionsSignSerializer(serializers.Serializer):
    as_role = serializers.ChoiceField(
        choices=[(r, r) for r in CONCLUSIONS_SIGNERS], help_text="в какой роли подписать выводы"
    )


class FinalEventMarkSerializer(serializers.Serializer):
    done = serializers.BooleanField(help_text="заключительное мероприятие проведено")
