"""Every date and time field of every form round-trips: `<input type="date">` accepts only ISO
values, so a value rendered as 01.12.2026 comes back empty and saving erases the date."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.utils import timezone

from cnppm.models import Municipality, Organization

APPS = ("cnppm", "diagnostics", "routes", "monitoring", "courses")
DATE = datetime.date(2026, 12, 1)
MOMENT = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 30))
INPUT = re.compile(r"<input[^>]*>")


def _all_form_classes() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, app + "."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    found = {c for c in walk(forms.BaseForm) if c.__module__.split(".")[0] in APPS}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def _date_fields(cls) -> dict[str, forms.Field]:
    return {
        name: field
        for name, field in cls.base_fields.items()
        if isinstance(field, (forms.DateField, forms.DateTimeField))
    }


def _extra_kwargs(cls, user) -> dict:
    """Forms that take a queryset or the user besides the usual arguments."""
    known = {
        "municipalities": Municipality.objects.none(),
        "organizations": Organization.objects.none(),
        "user": user,
        "instrument": None,
    }
    params = inspect.signature(cls.__init__).parameters
    return {name: value for name, value in known.items() if name in params}


def _build(cls, user, values: dict):
    kwargs = _extra_kwargs(cls, user)
    if issubclass(cls, forms.ModelForm):
        instance = cls._meta.model(**{k: v for k, v in values.items() if k in cls._meta.fields})
        return cls(instance=instance, initial=values, **kwargs)
    return cls(initial=values, **kwargs)


def _rendered_dates(html: str) -> list[tuple[str, str]]:
    out = []
    for tag in INPUT.findall(html):
        kind = re.search(r'type="([^"]+)"', tag).group(1)
        if kind in ("date", "datetime-local"):
            value = re.search(r'value="([^"]*)"', tag)
            out.append((kind, value.group(1) if value else ""))
    return out


def test_the_walk_finds_the_date_forms():
    names = {c.__name__ for c in _all_form_classes() if _date_fields(c)}
    assert {"RouteEditForm", "RouteActivityForm", "CatalogueActivityForm", "ProfileForm"} <= names
    assert {"InstrumentForm", "RegionalEventForm"} <= names


@pytest.mark.parametrize("as_text", [False, True], ids=["date-objects", "russian-text"])
def test_every_date_input_of_every_form_renders_iso(world, as_text):
    """Dates given as objects (a model instance) and as Russian text (the ИОМ approval block keeps
    01.12.2026 in JSON) both come out as ISO in the input's value."""
    user = world["operator"].user
    checked = 0
    for cls in _all_form_classes():
        fields = _date_fields(cls)
        if not fields:
            continue
        values = {}
        for name, field in fields.items():
            if isinstance(field, forms.DateTimeField):
                values[name] = "01.12.2026 09:30" if as_text else MOMENT
            else:
                values[name] = "01.12.2026" if as_text else DATE
        form = _build(cls, user, values)
        rendered = _rendered_dates(str(form))
        label = f"{cls.__module__}.{cls.__name__}"
        assert len(rendered) == len(fields), f"{label}: a date field is not an ISO date input"
        for kind, value in rendered:
            expected = "2026-12-01T09:30" if kind == "datetime-local" else "2026-12-01"
            assert value == expected, f"{label}: {kind} rendered {value!r}"
        checked += 1
    assert checked >= 6


def test_route_edit_form_prefills_the_stored_approval_dates(world):
    from routes.forms import RouteEditForm
    from tests.routes.factories import RouteFactory

    route = RouteFactory(teacher=world["teacher"])
    route.approval = {"agreed": {"date": "01.12.2026"}, "approved": {"date": "02.12.2026"}}
    html = str(RouteEditForm(initial=RouteEditForm.initial_for(route)))
    assert ("date", "2026-12-01") in _rendered_dates(html)
    assert ("date", "2026-12-02") in _rendered_dates(html)
    # Saving the untouched form keeps both dates.
    data = {"agreed_date": "2026-12-01", "approved_date": "2026-12-02"}
    form = RouteEditForm(data)
    assert form.is_valid(), form.errors
    approval = form.approval()
    assert approval["agreed"]["date"] == "01.12.2026"
    assert approval["approved"]["date"] == "02.12.2026"
