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


@register.simple_tag
def can_issue_certificate(record, user) -> bool:
    """Whether the record page offers «Выдать удостоверение»: a Centre course's record without one,
    for the operator of its region or the organiser / a course teacher of its group (the service
    checks the same and the rules of the programme)."""
    from courses.services.certificates import _can_issue

    if record.certificate_id or record.programme_id is None:
        return False
    return _can_issue(user, record.programme.region_id, [record])
