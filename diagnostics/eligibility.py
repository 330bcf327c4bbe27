"""Who is offered which diagnostic: the instrument's audience against the person's roles, and a final
diagnostic only to someone whose ИОМ is being carried out. One place for the list, the start page and
the start service."""

from __future__ import annotations

from django.db.models import Q

from cnppm.choices import Role
from cnppm.models import Person, RoleAssignment

from .choices import Audience, InstrumentKind

# People who teach take the teachers' diagnostics: a mentor is a teacher of the same school. A person
# with no role at all is a participant from the roster. Centre, municipal and ministry staff are not.
TEACHING_ROLES = frozenset({Role.TEACHER, Role.MENTOR})
# The final diagnostic closes a route: offered while the route is carried out or being completed.
FINAL_ROUTE_STATUSES = ("in_progress", "completing")


def audience_of(person: Person) -> str | None:
    """Audience.MANAGERS for management staff (the is_manager flag or a school head), TEACHERS for
    those who teach, None for staff roles only (nothing to take)."""
    if person.is_manager:
        return Audience.MANAGERS
    roles = set(RoleAssignment.objects.filter(person=person).values_list("role", flat=True))
    if not roles or roles & TEACHING_ROLES:
        return Audience.TEACHERS
    if Role.SCHOOL_HEAD in roles:
        return Audience.MANAGERS
    return None


def route_underway(person: Person) -> bool:
    return person.routes.filter(status__in=FINAL_ROUTE_STATUSES).exists()


def offered_q(person: Person) -> Q:
    """Instruments the person may be offered (publication and dates are checked by the caller)."""
    audience = audience_of(person)
    if audience is None:
        return Q(pk__in=[])
    q = Q(audience=audience)
    if not route_underway(person):
        q &= ~Q(kind=InstrumentKind.FINAL)
    return q


def refusal(instrument, person: Person) -> str:
    """Why the instrument is not for this person ('' when it is)."""
    audience = audience_of(person)
    if audience is None:
        return "Диагностика предназначена для педагогических работников и управленческих кадров."
    if instrument.audience != audience:
        return "Эта работа предназначена для другой категории участников."
    if instrument.kind == InstrumentKind.FINAL and not route_underway(person):
        return "Итоговая диагностика проводится, когда ИОМ реализуется или завершается."
    return ""
