"""{% courses_last_3_years person as courses %}: the profile's «Курсы за 3 года» from the training
records (courses.selectors_records), with the typed text for courses before the portal."""

from django import template
from django.utils import timezone

from courses.selectors_records import courses_last_3_years as _courses

register = template.Library()


@register.simple_tag
def courses_last_3_years(person) -> str:
    return _courses(person.pk, until=timezone.localdate(), typed=person.courses_last_3_years)
