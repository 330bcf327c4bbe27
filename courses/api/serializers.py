"""Serializers of the courses API: they parse input; the services decide."""

from __future__ import annotations

from rest_framework import serializers

from cnppm.api.fields import IdField

from ..choices import AssessmentResult, EnrolmentStatus, ProgrammeStatus
from ..models import Enrolment, Group, GroupSession, Programme


class ProgrammeSerializer(serializers.ModelSerializer):
    competences = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    subjects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    competence_ids = serializers.ListField(child=IdField(), write_only=True, required=False, max_length=50)
    subject_ids = serializers.ListField(child=IdField(), write_only=True, required=False, max_length=50)
    provider = serializers.CharField(read_only=True)
    deficit_levels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "region",
            "title",
            "kind",
            "description",
            "hours",
            "form",
            "competences",
            "subjects",
            "competence_ids",
            "subject_ids",
            "for_high_deficit",
            "for_medium_deficit",
            "for_minimal_deficit",
            "deficit_levels",
            "provider_level",
            "provider_name",
            "provider",
            "in_federal_registry",
            "registry_number",
            "document_kind",
            "min_attendance_percent",
            "requires_assessment",
            "status",
        ]
        read_only_fields = ["id", "region", "status"]
        extra_kwargs = {
            "hours": {"min_value": 1, "max_value": 10000},
            "min_attendance_percent": {"max_value": 100},
        }


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProgrammeStatus.choices)


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupSession
        fields = ["id", "group", "number", "date", "starts_at", "ends_at", "topic", "hours", "place"]
        read_only_fields = ["id", "group", "number"]
        extra_kwargs = {"hours": {"max_value": 24}}


class GroupSerializer(serializers.ModelSerializer):
    programme = IdField(write_only=True)
    teachers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    teacher_ids = serializers.ListField(child=IdField(), write_only=True, required=False, max_length=50)
    organiser = IdField(write_only=True, required=False, allow_null=True)
    seats_taken = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Group
        fields = [
            "id",
            "programme",
            "name",
            "starts_on",
            "ends_on",
            "capacity",
            "place",
            "link",
            "teachers",
            "teacher_ids",
            "organiser",
            "status",
            "seats_taken",
            "waiting",
        ]
        read_only_fields = ["id", "status"]
        extra_kwargs = {"capacity": {"min_value": 1, "max_value": 100000}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["programme"] = instance.programme_id
        data["organiser"] = instance.organiser_id
        return data


class GroupStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("running", "идёт обучение"), ("cancelled", "отменена")])


class BulkEnrolSerializer(serializers.Serializer):
    people = serializers.ListField(child=IdField(), min_length=1, max_length=500)
    waitlist_overflow = serializers.BooleanField(default=False)


class EnrolmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "group",
            "person",
            "person_name",
            "status",
            "source",
            "route_activity",
            "assessment_result",
            "assessment_comment",
            "created_at",
            "confirmed_at",
            "finished_at",
        ]
        read_only_fields = fields


class EnrolmentRequestSerializer(serializers.Serializer):
    route_activity = IdField()
    group = IdField()


class EnrolmentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AssessmentSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=AssessmentResult.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MarkSerializer(serializers.Serializer):
    enrolment = IdField()
    present = serializers.BooleanField()


class AttendanceSerializer(serializers.Serializer):
    marks = MarkSerializer(many=True, allow_empty=False, max_length=1000)
