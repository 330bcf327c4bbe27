"""Serializers of the assignment API: assignments, their creation, a supporter's caseload and the
pool's caseloads against the norm."""

from __future__ import annotations

from rest_framework import serializers

from cnppm.api.fields import IdField
from cnppm.choices import SupportRole
from cnppm.models import SupportAssignment


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    organization = serializers.CharField(source="organization.short_name", read_only=True)


class SupportAssignmentSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)
    supporter = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    subject = serializers.CharField(source="subject.name", default=None, read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = SupportAssignment
        fields = [
            "id",
            "person",
            "supporter",
            "role",
            "role_label",
            "subject",
            "order_number",
            "order_date",
            "started_at",
            "ended_at",
            "is_active",
        ]

    def get_supporter(self, obj) -> dict:
        return {"id": obj.supporter_id, "full_name": obj.supporter.full_name}

    def get_is_active(self, obj) -> bool:
        return obj.ended_at is None


class SupportAssignmentCreateSerializer(serializers.Serializer):
    person = IdField(help_text="id участника (педагога)")
    supporter = IdField(help_text="id сопровождающего")
    role = serializers.ChoiceField(choices=SupportRole.choices)
    subject = IdField(required=False, allow_null=True, help_text="id предметной области")
    order_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    order_date = serializers.DateField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SupportEndSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CaseloadRouteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    academic_year = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class CaseloadRowSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(source="assignment.pk")
    person = PersonBriefSerializer()
    role = serializers.CharField(source="assignment.role")
    subject = serializers.CharField(source="assignment.subject.name", default=None)
    route = CaseloadRouteSerializer(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())


class SupporterLoadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.pk")
    full_name = serializers.CharField(source="person.full_name")
    organization = serializers.CharField(source="person.organization.short_name")
    role = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    subjects = serializers.SerializerMethodField()
    load = serializers.IntegerField()
    norm = serializers.IntegerField()
    over_norm = serializers.BooleanField()

    def get_subjects(self, obj) -> list[str]:
        return [s.name for s in obj.subjects]
