"""Filters of the staff directory's read API (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from cnppm.choices import Education, MunicipalityKind, OrganizationKind, QualificationCategory, Role
from cnppm.models import Municipality, Organization, Person


class IdFilter(django_filters.NumberFilter):
    """An id in a query string: a whole number within the key range; anything else answers 400, never
    a 500 from the database (SQLite overflows on -1e243)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class MunicipalityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MunicipalityKind.choices, label="Вид")

    class Meta:
        model = Municipality
        fields = ["kind"]


class OrganizationFilter(django_filters.FilterSet):
    municipality = IdFilter(field_name="municipality_id", label="Муниципалитет (id)")
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label="Тип")
    low_results = django_filters.BooleanFilter(label="ШНОР")

    class Meta:
        model = Organization
        fields = ["municipality", "kind", "low_results"]


class PersonFilter(django_filters.FilterSet):
    municipality = IdFilter(field_name="organization__municipality_id", label="Муниципалитет (id)")
    organization = IdFilter(field_name="organization_id", label="Организация (id)")
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label="Роль")
    subject = django_filters.CharFilter(method="filter_subject", label="Предметная область (код)")
    education = django_filters.ChoiceFilter(choices=Education.choices, label="Образование")
    qualification_category = django_filters.ChoiceFilter(
        choices=QualificationCategory.choices, label="Квалификационная категория"
    )
    is_manager = django_filters.BooleanFilter(label="Управленческие кадры")

    class Meta:
        model = Person
        fields = [
            "municipality",
            "organization",
            "role",
            "subject",
            "education",
            "qualification_category",
            "is_manager",
        ]

    def filter_role(self, queryset, name, value):
        return queryset.filter(Q(pk__in=Person.objects.filter(roles__role=value).values("pk")))

    def filter_subject(self, queryset, name, value):
        return queryset.filter(Q(pk__in=Person.objects.filter(subjects__code=value).values("pk")))
