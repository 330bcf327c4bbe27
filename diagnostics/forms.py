"""Forms of the authoring pages: competence blocks, instruments, items (the options/key JSON is
built from two plain text fields, by the same rules as the XLSX template), file uploads."""

from __future__ import annotations

from django import forms

from cnppm.forms import IsoDateTimeInput

from .choices import ItemType
from .importers.xlsx import cells_to_item, item_to_cells
from .models import CompetenceBlock, Instrument, Item

MAX_UPLOAD = 10 * 1024 * 1024


class Styled:
    """Bootstrap classes, and help texts and errors tied to the field for screen readers."""

    def _style(self):
        errors = self._errors or {}  # never trigger validation from here
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs.setdefault("class", css)
            if field.help_text or name in errors:
                widget.attrs["aria-describedby"] = f"id_{name}_help"
            if name in errors:
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def full_clean(self):
        super().full_clean()
        self._style()


class BlockForm(Styled, forms.ModelForm):
    class Meta:
        model = CompetenceBlock
        fields = ["code", "name", "audience", "is_scored", "order"]


class InstrumentForm(Styled, forms.ModelForm):
    class Meta:
        model = Instrument
        fields = [
            "code",
            "title",
            "audience",
            "subject",
            "kind",
            "blocks",
            "time_limit_minutes",
            "pass_mark",
            "threshold_medium",
            "threshold_minimal",
            "opens_at",
            "closes_at",
            "instructions",
        ]
        widgets = {
            "blocks": forms.CheckboxSelectMultiple,
            "opens_at": IsoDateTimeInput(),
            "closes_at": IsoDateTimeInput(),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "threshold_medium": "Ниже этого процента — высокий дефицит (по умолчанию 60 %).",
            "threshold_minimal": "Выше этого процента — минимальный дефицит (по умолчанию 80 %).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blocks"].required = False
        self.fields["blocks"].queryset = CompetenceBlock.objects.all()


OPTIONS_HELP = (
    "По одному на строке. Соответствие: «левая часть -> правая часть» (строка «-> лишнее» добавляет "
    "лишний вариант справа). Последовательность: элементы в верном порядке. Самоанализ: подписи шкалы."
)
ANSWER_HELP = (
    "Один или несколько верных: номера вариантов, например «2» или «1; 3». Краткий ответ: допустимые "
    "ответы через «;». Для остальных типов оставьте пустым."
)


class ItemForm(Styled, forms.ModelForm):
    options_text = forms.CharField(
        label="Варианты ответа",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=OPTIONS_HELP,
    )
    answer_text = forms.CharField(label="Верный ответ", required=False, help_text=ANSWER_HELP)

    class Meta:
        model = Item
        fields = [
            "number",
            "block",
            "type",
            "difficulty",
            "topic",
            "points",
            "stem",
            "image",
            "partial_credit",
            "rubric",
        ]
        widgets = {"stem": forms.Textarea(attrs={"rows": 5}), "rubric": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "stem": "Обычный текст; переносы строк сохраняются, разметка HTML не применяется.",
            "number": "Пусто — следующий по порядку.",
        }

    def __init__(self, *args, instrument=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        blocks = instrument.blocks.all() if instrument is not None else CompetenceBlock.objects.none()
        if instrument is not None and not blocks.exists():
            blocks = CompetenceBlock.objects.filter(audience=instrument.audience)
        self.fields["block"].queryset = blocks
        if self.instance.pk:
            options, answer = item_to_cells(self.instance.type, self.instance.options, self.instance.key)
            self.initial.setdefault("options_text", options)
            self.initial.setdefault("answer_text", answer)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and getattr(image, "size", 0) > 2 * 1024 * 1024:
            raise forms.ValidationError("Изображение должно быть не больше 2 МБ.")
        return image

    def clean(self):
        data = super().clean()
        item_type = data.get("type")
        if not item_type:
            return data
        lines = [line.strip() for line in (data.get("options_text") or "").splitlines() if line.strip()]
        options, key, errors = cells_to_item(item_type, lines, data.get("answer_text") or "")
        for column, message in errors:
            self.add_error(
                "answer_text" if column == "answer" else "options_text", message[:1].upper() + message[1:]
            )
        data["options"], data["key"] = options, key
        if item_type == ItemType.EXTENDED and not (data.get("rubric") or "").strip():
            self.add_error("rubric", "Для развёрнутого ответа нужны критерии оценивания.")
        return data

    def service_data(self) -> dict:
        data = {
            f: self.cleaned_data.get(f)
            for f in (
                "number",
                "block",
                "type",
                "difficulty",
                "topic",
                "points",
                "stem",
                "partial_credit",
                "rubric",
            )
        }
        data["options"], data["key"] = self.cleaned_data["options"], self.cleaned_data["key"]
        return data


class UploadForm(Styled, forms.Form):
    file = forms.FileField(label="Файл")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("Файл больше 10 МБ.")
        return f


class ItemsImportForm(UploadForm):
    instrument = forms.ModelChoiceField(label="Диагностическая работа", queryset=Instrument.objects.none())
    default_variant = forms.IntegerField(
        label="Вариант по умолчанию",
        min_value=1,
        initial=1,
        help_text="Для вопросов, у которых в категории (или в столбце «Вариант») не указан вариант.",
    )
    replace = forms.BooleanField(label="Заменить все задания работы", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.exclude(status="archived").order_by("code")


class ResultsImportForm(UploadForm):
    instrument = forms.ModelChoiceField(label="Диагностическая работа", queryset=Instrument.objects.none())
    source = forms.CharField(
        label="Источник", initial="ФИОКО", max_length=200, help_text="Если в файле нет столбца «Источник»."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.order_by("code")
