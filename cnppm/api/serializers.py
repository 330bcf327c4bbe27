"""Serializers of the staff directory's read API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cnppm.models import Municipality, Organization, Person


class MunicipalitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Municipality
        fields = ["id", "code", "name", "kind", "kind_display", "region"]


class OrganizationSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "short_name",
            "full_name",
            "kind",
            "kind_display",
            "low_results",
            "municipality",
            "municipality_name",
        ]


class PersonSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    organization_name = serializers.CharField(source="organization.short_name", read_only=True)
    municipality = serializers.IntegerField(source="organization.municipality_id", read_only=True)
    municipality_name = serializers.CharField(source="organization.municipality.name", read_only=True)
    experience_band = serializers.CharField(read_only=True, allow_null=True)
    subjects = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "last_name",
            "first_name",
            "middle_name",
            "full_name",
            "email",
            "organization",
            "organization_name",
            "municipality",
            "municipality_name",
            "position",
            "education",
            "experience_years",
            "experience_band",
            "qualification_category",
            "is_manager",
            "subjects",
            "roles",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_subjects(self, obj) -> list[str]:
        return [s.code for s in obj.subjects.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, obj) -> list[str]:
        return sorted({r.role for r in obj.roles.all()})


class PersonDetailSerializer(PersonSerializer):
    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "attestation_date",
            "courses_last_3_years",
            "academic_degree",
            "academic_title",
            "awards",
            "additional_info",
        ]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="Имя пользователя или e-mail")
    password = serializers.CharField(label="Пароль", style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Показывается один раз; храните его как пароль.")
    expires_at = serializers.DateTimeField(help_text="Когда токен перестанет действовать.")


class TokenRevokeResponseSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="Сколько токенов отозвано (0 или 1).")
