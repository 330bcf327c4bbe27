"""Rendering of form fields with Bootstrap classes and the ARIA wiring screen readers need
(label, help text and errors tied to the input)."""

from django import forms, template

register = template.Library()


@register.filter
def bs_widget(bound_field):
    """The field's widget with Bootstrap's class, aria-describedby for help and errors and
    aria-invalid when it has errors."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
        widget, forms.CheckboxSelectMultiple | forms.RadioSelect
    ):
        css = "form-select"
    elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        css = ""
    else:
        css = "form-control"
    attrs = {}
    existing = widget.attrs.get("class", "")
    if css and css not in existing.split():
        attrs["class"] = f"{existing} {css}".strip()
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
        attrs["class"] = f"{attrs.get('class', existing)} is-invalid".strip()
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound_field.field.required:
        attrs["aria-required"] = "true"
    return bound_field.as_widget(attrs=attrs)
