"""Forms of the staff directory: the person's own profile (card section 1) in the cabinet."""

from django import forms

from .models import Person, Subject

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
)


class ProfileForm(forms.ModelForm):
    """What a person may correct in their own profile. Name, organization and roles come from the
    roster and are changed by the operator."""

    class Meta:
        model = Person
        fields = PROFILE_FIELDS
        widgets = {
            "attestation_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "courses_last_3_years": forms.Textarea(attrs={"rows": 3}),
            "awards": forms.Textarea(attrs={"rows": 2}),
            "additional_info": forms.Textarea(attrs={"rows": 2}),
            "subjects": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "courses_last_3_years": "Каждый курс с новой строки: название, организатор, часы, год.",
            "experience_years": "Полных лет педагогического стажа.",
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

    def clean_experience_years(self):
        value = self.cleaned_data.get("experience_years")
        if value is not None and value > 70:
            raise forms.ValidationError("Стаж не может превышать 70 лет.")
        return value
