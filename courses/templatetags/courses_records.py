"""{% courses_last_3_years person as courses %}: the profile's «Курсы за 3 года» from the training
records (courses.selectors_records), with the typed text for courses before the portal."""

from django import template
from django.utils import timezone

from courses.selectors_records import courses_last_3_years as _courses

register = template.Library()


@register.simple_tag
def courses_last_3_years(person) -> str:
    return _courses(person.pk, until=timezone.localdate(), typed=person.courses_last_3_years)


@register.simple_tag
def course_figures(programme) -> dict:
    """{% course_figures programme as f %}: f.groups (each with fill and completion rates), f.totals."""
    from courses.selectors_figures import group_figures, programme_totals

    groups = group_figures(programme)
    return {"groups": groups, "totals": programme_totals(groups)}
