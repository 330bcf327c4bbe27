"""Forms of the routes app: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from cnppm.choices import SupportKind
from cnppm.forms import IsoDateInput
from cnppm.models import Subject
from diagnostics.models import CompetenceBlock

from .choices import ActivityFormat, ActivityKind, ActivityLevel, ActivityOutcome, Verdict
from .models import Activity

DATE = IsoDateInput()


class Styled:
    """Bootstrap classes on the widgets (labels and help texts are rendered by the template)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.CheckboxInput)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")


class CatalogueActivityForm(Styled, forms.ModelForm):
    competences = forms.ModelMultipleChoiceField(
        CompetenceBlock.objects.filter(is_scored=True),
        label="Компетенции",
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
        model = Activity
        fields = [
            "kind",
            "title",
            "description",
            "competences",
            "subjects",
            "level",
            "format",
            "organizer",
            "municipality",
            "starts_on",
            "ends_on",
            "hours",
            "in_federal_registry",
            "registry_number",
            "audience",
            "is_active",
            "programme",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "programme": "Для курсов ЦНППМ: педагог, выбравший мероприятие, записывается в группу программы"
        }

    def __init__(self, *args, municipalities=None, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
        if programmes is not None:
            self.fields["programme"].queryset = programmes
        else:
            self.fields.pop("programme")

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)


class RouteEditForm(Styled, forms.Form):
    educational_tasks = forms.CharField(
        label="Образовательные задачи",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Каждая задача с новой строки",
    )
    final_event_title = forms.CharField(
        label="Заключительное публичное мероприятие", required=False, max_length=500
    )
    final_event_level = forms.ChoiceField(
        label="Уровень проведения", required=False, choices=[("", "—"), *ActivityLevel.choices]
    )
    final_event_starts_on = forms.DateField(label="Начало", required=False, widget=DATE)
    final_event_ends_on = forms.DateField(label="Окончание", required=False, widget=DATE)
    agreed_position = forms.CharField(label="СОГЛАСОВАНО: должность", required=False, max_length=200)
    agreed_organization = forms.CharField(label="СОГЛАСОВАНО: организация", required=False, max_length=300)
    agreed_name = forms.CharField(label="СОГЛАСОВАНО: имя, отчество, фамилия", required=False, max_length=200)
    agreed_date = forms.DateField(label="СОГЛАСОВАНО: дата", required=False, widget=DATE)
    approved_position = forms.CharField(label="УТВЕРЖДАЮ: должность", required=False, max_length=200)
    approved_organization = forms.CharField(label="УТВЕРЖДАЮ: организация", required=False, max_length=300)
    approved_name = forms.CharField(label="УТВЕРЖДАЮ: имя, отчество, фамилия", required=False, max_length=200)
    approved_date = forms.DateField(label="УТВЕРЖДАЮ: дата", required=False, widget=DATE)
    reason = forms.CharField(
        label="Причина корректировки",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Обязательна, если ИОМ уже утверждён: изменение попадёт в лист корректировки",
    )

    @classmethod
    def initial_for(cls, route) -> dict:
        approval = route.approval or {}
        initial = {
            "educational_tasks": route.educational_tasks,
            "final_event_title": route.final_event_title,
            "final_event_level": route.final_event_level,
            "final_event_starts_on": route.final_event_starts_on,
            "final_event_ends_on": route.final_event_ends_on,
        }
        for side in ("agreed", "approved"):
            for key in ("position", "organization", "name", "date"):
                initial[f"{side}_{key}"] = approval.get(side, {}).get(key, "")
        return initial

    def approval(self) -> dict:
        out = {}
        for side in ("agreed", "approved"):
            part = {}
            for key in ("position", "organization", "name", "date"):
                value = self.cleaned_data.get(f"{side}_{key}")
                part[key] = value.strftime("%d.%m.%Y") if key == "date" and value else (value or "")
            out[side] = part
        return out


class RouteActivityForm(Styled, forms.Form):
    title = forms.CharField(label="Мероприятие", max_length=500)
    kind = forms.ChoiceField(label="Вид", required=False, choices=[("", "—"), *ActivityKind.choices])
    competences = forms.ModelMultipleChoiceField(
        CompetenceBlock.objects.filter(is_scored=True),
        label="Формируемые компетенции",
        widget=forms.CheckboxSelectMultiple,
    )
    level = forms.ChoiceField(label="Уровень мероприятия", choices=ActivityLevel.choices)
    format = forms.ChoiceField(label="Формат", required=False, choices=[("", "—"), *ActivityFormat.choices])
    organizer = forms.CharField(label="Организатор", max_length=300)
    starts_on = forms.DateField(label="Начало", required=False, widget=DATE)
    ends_on = forms.DateField(label="Окончание", required=False, widget=DATE)
    result_form = forms.CharField(label="Результат / форма представления результата", max_length=500)
    reason = forms.CharField(
        label="Причина корректировки",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Обязательна, если ИОМ уже утверждён",
    )


class PickForm(Styled, forms.Form):
    activity = forms.ModelChoiceField(Activity.objects.filter(is_active=True), widget=forms.HiddenInput)
    reason = forms.CharField(required=False)


class ReasonForm(Styled, forms.Form):
    reason = forms.CharField(
        label="Причина корректировки", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(Styled, forms.Form):
    verdict = forms.ChoiceField(
        label="Заключение куратора", choices=Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Комментарий для педагога",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Обязателен при возврате на доработку",
    )


class CommentForm(Styled, forms.Form):
    text = forms.CharField(label="Комментарий", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    activity = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MarkForm(Styled, forms.Form):
    outcome = forms.ChoiceField(
        label="Отметка о выполнении",
        choices=[(ActivityOutcome.DONE, "выполнено"), (ActivityOutcome.NOT_DONE, "не выполнено")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Причина невыполнения", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_url = forms.URLField(label="Подтверждение: ссылка", required=False, assume_scheme="https")
    evidence_file = forms.FileField(label="Подтверждение: файл", required=False)


class ConclusionsForm(Styled, forms.Form):
    conclusions = forms.CharField(label="Выводы", widget=forms.Textarea(attrs={"rows": 6}))


class TransitionForm(Styled, forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Moving to completion while activities are still «запланировано» needs this confirmation.
    confirm_planned = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CatalogueImportForm(Styled, forms.Form):
    file = forms.FileField(label="Файл XLSX по шаблону")


class CatalogueFilterForm(Styled, forms.Form):
    q = forms.CharField(label="Поиск", required=False)
    kind = forms.ChoiceField(label="Вид", required=False, choices=[("", "все"), *ActivityKind.choices])
    level = forms.ChoiceField(label="Уровень", required=False, choices=[("", "все"), *ActivityLevel.choices])
    competence = forms.ModelChoiceField(
        CompetenceBlock.objects.filter(is_scored=True), label="Компетенция", required=False, empty_label="все"
    )
    subject = forms.ModelChoiceField(
        Subject.objects.all(), label="Предмет", required=False, empty_label="все"
    )
    actual = forms.BooleanField(label="Только текущие и предстоящие", required=False)


class SupporterProfileForm(Styled, forms.Form):
    support_kind = forms.ChoiceField(label="Вид сопровождающего", choices=SupportKind.choices)
    subjects = forms.ModelMultipleChoiceField(
        Subject.objects.order_by("order", "name"),
        label="Предметные области сопровождения",
        widget=forms.CheckboxSelectMultiple,
        help_text="Куратор и тьютор назначаются педагогам этих предметных областей",
    )
