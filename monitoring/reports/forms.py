"""The form that requests a report: kind, period, format, and the municipality or the comparison
period when the chosen report takes one. Choices are narrowed to the user's scope."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from cnppm import access
from cnppm.choices import Role

from ..choices import ReportFormat, ReportKind
from ..models import Period
from . import kinds_for


def periods_for(user):
    """Monitoring periods of the regions whose reports the user may request."""
    scope = access.scope_of(user)
    q = Q(region_id__in=scope.aggregate_region_ids)
    if scope.municipality_ids:
        q |= Q(region__municipalities__id__in=scope.municipality_ids)
    if getattr(user, "is_superuser", False):
        q = Q()
    return Period.objects.filter(q).distinct().order_by("-ends_on", "code")


def municipalities_for(user):
    scope = access.scope_of(user)
    if scope.roles & {Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY} or getattr(
        user, "is_superuser", False
    ):
        return access.municipalities(user).order_by("name")
    return access.municipalities(user).filter(id__in=scope.municipality_ids).order_by("name")


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Отчёт")
    period = forms.ModelChoiceField(
        label="Период",
        queryset=Period.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Выберите период из списка."},
    )
    format = forms.ChoiceField(label="Формат", choices=ReportFormat.choices, initial=ReportFormat.PDF)
    municipality = forms.ModelChoiceField(
        label="Муниципалитет (для муниципального письма)",
        queryset=None,
        required=False,
        empty_label="— весь регион —",
        error_messages={"invalid_choice": "Выберите муниципалитет из вашей области доступа."},
    )
    compare_with = forms.ModelChoiceField(
        label="Сравнить с периодом (для сравнения периодов)",
        queryset=Period.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Выберите период из списка."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = [(cls.kind, ReportKind(cls.kind).label) for cls in kinds_for(user)]
        periods = periods_for(user).select_related("region")
        self.fields["period"].queryset = periods
        self.fields["compare_with"].queryset = periods
        self.fields["municipality"].queryset = municipalities_for(user)
        # A user of several regions sees each region's period of the same code: the label names it.
        several = periods.values("region_id").distinct().count() > 1
        self.fields["period"].label_from_instance = lambda p: (
            (f"{p.region.name}: " if several else "")
            + f"{p.code} ({p.starts_on:%d.%m.%Y}–{p.ends_on:%d.%m.%Y})"
        )
        self.fields["compare_with"].label_from_instance = self.fields["period"].label_from_instance
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select"
            if self.errors.get(name):
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = f"id_{name}-error"
