"""Forms of the staff directory: the person's own profile (card section 1) in the cabinet."""

import datetime

from django import forms
from django.utils import formats

from .models import Person, Subject


def _parse(value: str, format_key: str):
    """A date (time) typed or stored in any accepted format (01.12.2026, 2026-12-01, …), or None."""
    for fmt in formats.get_format(format_key):
        try:
            return datetime.datetime.strptime(value.strip(), fmt)
        except (ValueError, TypeError):
            continue
    return None


class IsoDateInput(forms.DateInput):
    """`<input type="date">` accepts only ISO values (2026-12-01): a Russian-formatted value comes back
    empty and saving erases the date. Every date field of the portal uses this widget; a value held
    as text (01.12.2026 in a JSON field) is parsed and rendered in ISO too."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str) and value:
            parsed = _parse(value, "DATE_INPUT_FORMATS")
            return parsed.date().isoformat() if parsed else value
        return super().format_value(value)


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` needs 2026-12-01T09:30, whatever the locale."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")

    def format_value(self, value):
        if isinstance(value, str) and value:
            parsed = _parse(value, "DATETIME_INPUT_FORMATS")
            return parsed.strftime("%Y-%m-%dT%H:%M") if parsed else value
        return super().format_value(value)


PROFILE_FIELDS = (
    "position",
    "education",
    "experience_years",
    "qualification_category",
    "attestation_date",
    "courses_last_3_years",
    "academic_degree",
    "academic_title",
    "awards",
    "subjects",
    "additional_info",
    # What a certificate's entry in the federal register (ФИС ФРДО) needs (issue 12.4).
    "birth_date",
    "sex",
    "snils",
    "citizenship",
)


class ProfileForm(forms.ModelForm):
    """What a person may correct in their own profile. Name, organization and roles come from the
    roster and are changed by the operator."""

    class Meta:
        model = Person
        fields = PROFILE_FIELDS
        widgets = {
            "attestation_date": IsoDateInput(),
            "birth_date": IsoDateInput(),
            "courses_last_3_years": forms.Textarea(attrs={"rows": 3}),
            "awards": forms.Textarea(attrs={"rows": 2}),
            "additional_info": forms.Textarea(attrs={"rows": 2}),
            "subjects": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "courses_last_3_years": (
                "Курсы, пройденные вне портала до его запуска (курсы ЦНППМ и загруженные записи об "
                "обучении добавляются сами). Каждый курс с новой строки: название, организатор, часы, год."
            ),
            "experience_years": "Полных лет педагогического стажа.",
            "snils": "ХХХ-ХХХ-ХХХ ХХ; нужен для записи удостоверения в федеральный реестр (ФИС ФРДО).",
            "citizenship": "Код страны по ОКСМ: 643 — Российская Федерация.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = Subject.objects.order_by("order", "name")
        self.fields["experience_years"].max_value = 70
        self.fields["experience_years"].widget.attrs.update({"min": 0, "max": 70})
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_help"

    def clean_snils(self):
        from courses.frdo import snils_format, snils_valid

        value = (self.cleaned_data.get("snils") or "").strip()
        if value and not snils_valid(value):
            raise forms.ValidationError("СНИЛС указан с ошибкой: 11 цифр, последние две — контрольное число.")
        return snils_format(value) if value else ""

    def clean_citizenship(self):
        value = (self.cleaned_data.get("citizenship") or "").strip()
        if value and not (len(value) == 3 and value.isdigit()):
            raise forms.ValidationError(
                "Укажите трёхзначный код страны по ОКСМ (643 — Российская Федерация)."
            )
        return value

    def clean_birth_date(self):
        from django.utils import timezone

        value = self.cleaned_data.get("birth_date")
        today = timezone.localdate()
        if value and not (today.year - 100 <= value.year <= today.year - 16):
            raise forms.ValidationError("Проверьте дату рождения.")
        return value

    def clean_experience_years(self):
        value = self.cleaned_data.get("experience_years")
        if value is not None and value > 70:
            raise forms.ValidationError("Стаж не может превышать 70 лет.")
        return value
