"""The indicator definitions as data: the data migration 0002 creates them; `ensure_definitions()`
creates any that are missing (a database built without migrations, e.g. the tests, or the bench)."""

from __future__ import annotations

from importlib import import_module

DEFINITIONS = import_module("monitoring.migrations.0002_indicator_definitions").DEFINITIONS


def ensure_definitions() -> int:
    from .models import IndicatorDefinition

    present = set(IndicatorDefinition.objects.values_list("code", flat=True))
    missing = [
        IndicatorDefinition(
            code=code,
            name=name,
            numerator_text=num,
            denominator_text=den,
            formula_text=formula,
            unit=unit,
            order=order,
        )
        for order, (code, name, num, den, formula, unit) in enumerate(DEFINITIONS, 1)
        if code not in present
    ]
    IndicatorDefinition.objects.bulk_create(missing)
    return len(missing)
