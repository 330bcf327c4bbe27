"""A page's form in the API. An endpoint that does what a page's form does parses its input with that
very form (the same fields, the same Russian messages, the same cleaning) and then calls the same
service as the page: nothing is validated twice in two ways. The OpenAPI schema describes the form
through a serializer generated from its fields (`form_serializer`), which is also the first gate:
types and ids are checked there (an id beyond the key range is a 400, never a database error), then
the form cleans the data as on the page (`form_parse`)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from .fields import IdField

_SERIALIZERS: dict[str, type[serializers.Serializer]] = {}
INT_MAX = 2**31 - 1  # PostgreSQL's integer (IntegerField, PositiveIntegerField)


def _field(field: forms.Field, *, partial: bool = False) -> serializers.Field:
    kw = {"required": field.required and not partial, "help_text": str(field.help_text or "") or None}
    if field.label:
        kw["label"] = str(field.label)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=IdField(), allow_empty=not field.required, **kw)
    if isinstance(field, forms.ModelChoiceField):
        return IdField(allow_null=not field.required, **kw)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=[c for c in field.choices if c[0] != ""], **kw)
    if isinstance(field, forms.ChoiceField):
        choices = [c for c in field.choices if c[0] != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=True, **kw)
    if isinstance(field, forms.BooleanField):
        kw["required"] = False
        return serializers.BooleanField(**kw)
    if isinstance(field, forms.IntegerField):
        # A bound the form leaves open is the database's integer: beyond it a 400, not a DataError.
        return serializers.IntegerField(
            min_value=field.min_value if field.min_value is not None else -INT_MAX - 1,
            max_value=field.max_value if field.max_value is not None else INT_MAX,
            allow_null=not field.required,
            **kw,
        )
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits or 20,
            decimal_places=field.decimal_places if field.decimal_places is not None else 6,
            allow_null=not field.required,
            coerce_to_string=False,
            **kw,
        )
    if isinstance(field, forms.FloatField):
        return serializers.FloatField(allow_null=not field.required, **kw)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not field.required, **kw)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **kw)
    if isinstance(field, forms.ImageField | forms.FileField):
        return serializers.FileField(allow_null=not field.required, **kw)
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(allow_blank=True, max_length=field.max_length, **kw)
    return serializers.CharField(
        allow_blank=True,  # blank or not is the form's to say, in the page's words
        max_length=getattr(field, "max_length", None),
        trim_whitespace=False,
        **kw,
    )


def form_serializer(
    form_class: type[forms.BaseForm],
    *,
    name: str = "",
    form_kwargs: dict | None = None,
    extra: dict[str, serializers.Field] | None = None,
    exclude: tuple[str, ...] = (),
    partial: bool = False,
) -> type[serializers.Serializer]:
    """The serializer describing `form_class`'s fields (built once per name). `extra` adds fields the
    page reads beside its form (a region, a reason); `partial` makes every field optional (PATCH)."""
    name = name or f"{form_class.__name__.removesuffix('Form')}Input"
    if name in _SERIALIZERS:
        return _SERIALIZERS[name]
    form = form_class(**(form_kwargs or {}))
    fields = {}
    for field_name, field in form.fields.items():
        if field_name in exclude:
            continue
        fields[field_name] = _field(field, partial=partial)
    fields.update(extra or {})
    serializer = type(name, (serializers.Serializer,), fields)
    _SERIALIZERS[name] = serializer
    return serializer


def form_parse(request, form_class, *, serializer=None, instance_data: dict | None = None, **form_kwargs):
    """The bound, valid form for the request's data; a 400 with the form's Russian messages otherwise.
    `instance_data` fills the fields the request leaves out (PATCH of a model form)."""
    serializer = serializer or form_serializer(form_class)
    # The gate checks types and ids only (partial): what is required or blank the form says, in the
    # page's words, all fields at once.
    gate = serializer(data=request.data, partial=True)
    gate.is_valid(raise_exception=True)
    files = getattr(request, "FILES", None) or {}
    if hasattr(request.data, "lists"):  # a form post: keep the lists (multiple choices), not the files
        data = QueryDict(mutable=True)
        for key, values in request.data.lists():
            if key not in files:
                data.setlist(key, values)
    else:
        data = dict(request.data)
    for key, value in (instance_data or {}).items():
        if key in data:
            continue
        if hasattr(data, "setlist") and isinstance(value, list | tuple):
            data.setlist(key, [str(getattr(v, "pk", v)) for v in value])
        else:
            data[key] = value
    form = form_class(data=data, files=files or None, **form_kwargs)
    if not form.is_valid():
        raise ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
                for field, messages in form.errors.items()
            }
        )
    return form
