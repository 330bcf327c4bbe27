"""Forms of the monitoring pages (labels in Russian; validation of meaning is in the services)."""

from django import forms

from cnppm.forms import IsoDateInput
from cnppm.models import Municipality, Organization

from .models import IndicatorDefinition


class ReferenceStatisticForm(forms.Form):
    municipality = forms.ModelChoiceField(Municipality.objects.none(), label="Муниципалитет")
    year = forms.IntegerField(label="Год", min_value=2000, max_value=2100)
    teachers_total = forms.IntegerField(label="Педагогов всего (официально)", min_value=0, required=False)
    school_teachers_total = forms.IntegerField(label="Учителей школ", min_value=0, required=False)
    schools_total = forms.IntegerField(label="Общеобразовательных организаций", min_value=0, required=False)
    additional_total = forms.IntegerField(label="Организаций доп. образования", min_value=0, required=False)
    vocational_total = forms.IntegerField(label="Организаций СПО", min_value=0, required=False)

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Файл XLSX", help_text="Первая строка — заголовки столбцов в указанном порядке"
    )


class OrganizationFactForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label="Организация")
    year = forms.IntegerField(label="Год", min_value=2000, max_value=2100)
    implements_mentoring = forms.BooleanField(label="Реализует целевую модель наставничества", required=False)
    management_team_trained = forms.BooleanField(label="Управленческая команда прошла ДПП ПК", required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class RegionalEventForm(forms.Form):
    title = forms.CharField(label="Название", max_length=500)
    kind = forms.CharField(label="Форма (конференция, семинар…)", max_length=100, required=False)
    held_on = forms.DateField(label="Дата проведения", widget=IsoDateInput())
    participants = forms.IntegerField(label="Участников", min_value=0, initial=0)
    organizer = forms.CharField(label="Организатор", max_length=300, required=False)


class PlanForm(forms.Form):
    indicator = forms.ModelChoiceField(IndicatorDefinition.objects.all(), label="Показатель")
    year = forms.IntegerField(label="Год", min_value=2000, max_value=2100)
    value = forms.CharField(label="Плановое значение", max_length=20)


class PeriodForm(forms.Form):
    code = forms.CharField(
        label="Код периода",
        max_length=20,
        help_text="2024 — год, 2024-Q2 — квартал, 2024-H1 — полугодие, 2024-W1 / 2024-W2 — волна диагностики",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Причина открытия периода", widget=forms.Textarea(attrs={"rows": 2}))
