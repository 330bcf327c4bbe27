"""The life of an enrolment, in one place: which status may move to which, who may move it.
Services perform the moves (`courses.services.enrolment.enrolment_transition`, the completion in
`courses.services.completion`); pages draw their buttons from `available_transitions`.

Roles here are relative to the enrolment: "listener" is the enrolled person; "operator" holds the
operator role in the programme's region; "organiser" is the group's organiser; "course_teacher" is a
teacher of the group; "system" is the portal itself (promotion from the waiting list).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnppm import access
from cnppm.services import DomainError

from .choices import EnrolmentStatus as S

LISTENER = "listener"
OPERATOR = "operator"
ORGANISER = "organiser"
COURSE_TEACHER = "course_teacher"
SYSTEM = "system"

MANAGERS = frozenset({OPERATOR, ORGANISER})
FINISHERS = frozenset({OPERATOR, ORGANISER, COURSE_TEACHER})
# Who marks attendance and records the final assessment.
MARKERS = frozenset({OPERATOR, ORGANISER, COURSE_TEACHER})


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[str]
    label: str
    # "finish": only through the completion (rules checked), never a plain button.
    via: str = "button"
    style: str = "primary"


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.REQUESTED, S.CONFIRMED, MANAGERS, "Зачислить", style="success"),
    Transition(S.REQUESTED, S.WAITLISTED, MANAGERS, "В лист ожидания", style="secondary"),
    Transition(S.WAITLISTED, S.CONFIRMED, MANAGERS | {SYSTEM}, "Зачислить", style="success"),
    Transition(S.REQUESTED, S.CANCELLED, MANAGERS | {LISTENER}, "Отменить заявку", style="danger"),
    Transition(S.WAITLISTED, S.CANCELLED, MANAGERS | {LISTENER}, "Отменить заявку", style="danger"),
    Transition(S.CONFIRMED, S.CANCELLED, MANAGERS | {LISTENER}, "Отчислить", style="danger"),
    Transition(S.CONFIRMED, S.COMPLETED, FINISHERS, "Обучение завершено", via="finish"),
    Transition(S.CONFIRMED, S.NOT_COMPLETED, FINISHERS, "Обучение не завершено", via="finish"),
    # After a retaken assessment (or corrected attendance) the listener may still complete.
    Transition(S.NOT_COMPLETED, S.COMPLETED, FINISHERS, "Обучение завершено", via="finish"),
)

# state → states it may move to.
PIPELINE: dict[str, set[str]] = {}
for _t in TRANSITIONS:
    PIPELINE.setdefault(_t.source, set()).add(_t.target)


def enrolment_roles(user, enrolment) -> frozenset[str]:
    """The roles `user` holds with respect to this enrolment (see the module docstring)."""
    if user is SYSTEM:
        return frozenset({SYSTEM})
    scope = access.scope_of(user)
    roles: set[str] = set()
    group = enrolment.group
    if scope.person_id is not None:
        if enrolment.person_id == scope.person_id:
            roles.add(LISTENER)
        if group.organiser_id == scope.person_id:
            roles.add(ORGANISER)
        if any(t.pk == scope.person_id for t in group.teachers.all()):
            roles.add(COURSE_TEACHER)
    if access.has_role(user, "operator") and group.programme.region_id in access.region_ids_for_write(user):
        roles.add(OPERATOR)
    if LISTENER in roles:
        # Nobody confirms, marks or completes their own enrolment: on it a person is its listener.
        return frozenset({LISTENER})
    return frozenset(roles)


def group_roles(user, group) -> frozenset[str]:
    """The roles `user` holds with respect to a group (operator, organiser, course teacher)."""
    scope = access.scope_of(user)
    roles: set[str] = set()
    if scope.person_id is not None:
        if group.organiser_id == scope.person_id:
            roles.add(ORGANISER)
        if any(t.pk == scope.person_id for t in group.teachers.all()):
            roles.add(COURSE_TEACHER)
    if access.has_role(user, "operator") and group.programme.region_id in access.region_ids_for_write(user):
        roles.add(OPERATOR)
    return frozenset(roles)


def find(source: str, target: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.source == source and t.target == target:
            return t
    return None


def check(roles: frozenset[str], source: str, target: str, *, via: str = "button") -> Transition:
    """The transition, if allowed for these roles by this path; a DomainError otherwise."""
    t = find(source, target)
    if t is None or t.via != via:
        raise DomainError(f"Зачисление в статусе «{S(source).label}» нельзя перевести в «{S(target).label}».")
    if not roles & t.roles:
        raise DomainError(_refusal(t), code="forbidden")
    return t


def _refusal(t: Transition) -> str:
    if t.roles == MANAGERS or t.roles == MANAGERS | {SYSTEM}:
        return "Зачисляет и ставит в лист ожидания оператор ЦНППМ или организатор курса."
    if t.via == "finish":
        return "Завершение обучения отмечают оператор, организатор или преподаватель курса."
    return "Отменить заявку может сам слушатель, оператор ЦНППМ или организатор курса."


def available_transitions(user, enrolment) -> list[Transition]:
    roles = enrolment_roles(user, enrolment)
    return [t for t in TRANSITIONS if t.source == enrolment.status and t.via == "button" and roles & t.roles]
