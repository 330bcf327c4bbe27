"""Forms of the courses app: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator

from cnppm.forms import IsoDateInput
from cnppm.models import Person, Subject
from diagnostics.models import CompetenceBlock
from routes.forms import Styled

from .choices import AssessmentResult
from .models import Group, GroupSession, Programme

DATE = IsoDateInput()


class ProgrammeForm(Styled, forms.ModelForm):
    competences = forms.ModelMultipleChoiceField(
        CompetenceBlock.objects.filter(is_scored=True),
        label="Компетенции",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    subjects = forms.ModelMultipleChoiceField(
        Subject.objects.all(),
        label="Предметные области",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Пусто — для педагогов всех предметов",
    )

    class Meta:
        model = Programme
        fields = [
            "title",
            "kind",
            "hours",
            "form",
            "description",
            "competences",
            "subjects",
            "for_high_deficit",
            "for_medium_deficit",
            "for_minimal_deficit",
            "provider_level",
            "provider_name",
            "in_federal_registry",
            "registry_number",
            "document_kind",
            "min_attendance_percent",
            "requires_assessment",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class GroupForm(Styled, forms.ModelForm):
    link = forms.URLField(label="Ссылка на занятия", required=False, assume_scheme="https")
    teachers = forms.ModelMultipleChoiceField(
        Person.objects.none(),
        label="Преподаватели курса",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Они видят группу и отмечают посещаемость и аттестацию",
    )

    class Meta:
        model = Group
        fields = ["name", "starts_on", "ends_on", "capacity", "place", "link", "organiser", "teachers"]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = people if people is not None else Person.objects.none()
        self.fields["teachers"].queryset = people
        self.fields["organiser"].queryset = people
        self.fields["capacity"].widget.attrs.update({"min": 1})

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class SessionForm(Styled, forms.ModelForm):
    class Meta:
        model = GroupSession
        fields = ["date", "starts_at", "ends_at", "topic", "hours", "place"]
        widgets = {
            "date": DATE,
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A session is a day's teaching at most (the API's session serializer has the same bound).
        hours = self.fields["hours"]
        hours.max_value = 24
        hours.validators.append(MaxValueValidator(24))
        hours.widget.attrs.update({"min": 0, "max": 24})

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class SessionDeleteForm(forms.Form):
    """Deleting a session whose attendance is marked asks for this confirmation (the marks go too)."""

    confirm_attendance = forms.BooleanField(label="Удалить вместе с отметками посещаемости", required=False)


class BulkEnrolForm(Styled, forms.Form):
    people = forms.CharField(
        label="Список слушателей",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="По одному на строке: e-mail педагога (как в справочнике).",
    )
    waitlist_overflow = forms.BooleanField(
        label="Если мест не хватит, остальных — в лист ожидания", required=False
    )

    def __init__(self, *args, people_qs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people_qs = people_qs

    def clean_people(self):
        lines = [line.strip() for line in self.cleaned_data["people"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Список пуст.")
        if len(lines) > 500:
            raise forms.ValidationError("Не больше 500 строк за раз.")
        found = {
            p.email.lower(): p for p in self.people_qs.filter(email__in=[*lines, *(x.lower() for x in lines)])
        }
        missing = [line for line in lines if line.lower() not in found]
        if missing:
            raise forms.ValidationError(
                "Не найдены в справочнике вашего региона: "
                + ", ".join(missing[:20])
                + ". Ничего не записано."
            )
        return [found[line.lower()] for line in lines]


class AssessmentForm(forms.Form):
    result = forms.ChoiceField(choices=AssessmentResult.choices)
    comment = forms.CharField(required=False, max_length=500)
