"""The life of a route card, in one place: which status may move to which, who may move it, and
what must be true first. Services perform the moves (`routes.services.routes.route_transition`,
`route_review`); pages draw their buttons from `available_transitions`.

Roles here are relative to the route: "teacher" is the route's own teacher; "curator", "tutor",
"mentor" are the supporters actively assigned to that teacher; "school_head", "municipal_methodist",
"regional_methodist", "operator" hold the role with a scope that covers the teacher.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnppm import access
from cnppm.choices import Role

from .choices import RouteStatus as S
from .choices import Verdict

TEACHER = "teacher"
CURATOR = Role.CURATOR.value
TUTOR = Role.TUTOR.value
MENTOR = Role.MENTOR.value
SCHOOL_HEAD = Role.SCHOOL_HEAD.value
MUNICIPAL_METHODIST = Role.MUNICIPAL_METHODIST.value
REGIONAL_METHODIST = Role.REGIONAL_METHODIST.value
OPERATOR = Role.OPERATOR.value


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[str]
    label: str
    # "review": only through the curator's verdict (route_review), never a plain button.
    via: str = "button"
    needs_comment: bool = False
    style: str = "primary"


_CANCEL_FROM = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.IN_PROGRESS, S.COMPLETING)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, frozenset({TEACHER}), "Отправить на экспертизу куратору"),
    Transition(S.RETURNED, S.SUBMITTED, frozenset({TEACHER}), "Отправить доработанный ИОМ куратору"),
    Transition(S.SUBMITTED, S.APPROVED, frozenset({CURATOR}), "Утвердить", via="review"),
    Transition(S.SUBMITTED, S.RETURNED, frozenset({CURATOR}), "Вернуть на доработку", via="review"),
    Transition(S.APPROVED, S.IN_PROGRESS, frozenset({TEACHER, CURATOR}), "Приступить к реализации"),
    Transition(S.IN_PROGRESS, S.COMPLETING, frozenset({TEACHER, CURATOR}), "Перейти к завершению"),
    Transition(
        S.COMPLETING, S.COMPLETED, frozenset({CURATOR, REGIONAL_METHODIST}), "Завершить ИОМ", style="success"
    ),
    Transition(
        S.DRAFT,
        S.CANCELLED,
        frozenset({TEACHER, OPERATOR}),
        "Отменить ИОМ",
        needs_comment=True,
        style="danger",
    ),
    *(
        Transition(
            source, S.CANCELLED, frozenset({OPERATOR}), "Отменить ИОМ", needs_comment=True, style="danger"
        )
        for source in _CANCEL_FROM
        if source != S.DRAFT
    ),
)

# state → states it may move to (the pipeline, for reading and for tests).
PIPELINE: dict[str, set[str]] = {}
for _t in TRANSITIONS:
    PIPELINE.setdefault(_t.source, set()).add(_t.target)

# The curator's verdict decides the move out of "submitted".
VERDICT_TARGET = {
    Verdict.NO_CORRECTIONS: S.APPROVED,
    Verdict.MINOR: S.RETURNED,
    Verdict.MAJOR: S.RETURNED,
}

# Who may do the other things the card allows, and in which statuses.
EDITABLE_BY_TEACHER = {S.DRAFT, S.RETURNED}
CORRECTABLE = {S.APPROVED, S.IN_PROGRESS, S.COMPLETING}
CORRECTION_AUTHORS = frozenset({TEACHER, CURATOR, REGIONAL_METHODIST})
CORRECTION_SIGNERS = frozenset({REGIONAL_METHODIST})
IMPLEMENTATION_STATUSES = {S.APPROVED, S.IN_PROGRESS, S.COMPLETING}
IMPLEMENTATION_MARKERS = frozenset({TEACHER, CURATOR, TUTOR, MENTOR})
CONCLUSIONS_AUTHORS = frozenset({CURATOR, REGIONAL_METHODIST})
CONCLUSIONS_SIGNERS = {
    REGIONAL_METHODIST: "conclusions_signed_by_methodist",
    SCHOOL_HEAD: "conclusions_signed_by_head",
}
COMMENTERS = frozenset({TEACHER, CURATOR, TUTOR, MENTOR})
REVIEWERS = frozenset({CURATOR})


def find(source: str, target: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.source == source and t.target == target:
            return t
    return None


def route_roles(user, route) -> frozenset[str]:
    """The roles `user` holds with respect to this route (see the module docstring)."""
    scope = access.scope_of(user)
    if scope.person_id is None:
        return frozenset()
    roles: set[str] = set()
    teacher = route.teacher
    if teacher.pk == scope.person_id:
        roles.add(TEACHER)
    roles |= access.support_roles_over(user, teacher.pk)
    org = teacher.organization
    if Role.SCHOOL_HEAD in scope.roles and org.pk in scope.organization_ids:
        roles.add(SCHOOL_HEAD)
    if Role.MUNICIPAL_METHODIST in scope.roles and org.municipality_id in scope.municipality_ids:
        roles.add(MUNICIPAL_METHODIST)
    if scope.region_ids and org.municipality.region_id in scope.region_ids:
        roles |= {r for r in (REGIONAL_METHODIST, OPERATOR) if r in scope.roles}
    if TEACHER in roles:
        # Nobody reviews, approves, signs or completes their own work: on their own route a person
        # is only its teacher, whatever roles they hold and however they came to be assigned.
        return frozenset({TEACHER})
    return frozenset(roles)


OWN_ROUTE = (
    "Собственный ИОМ нельзя проверять, утверждать, подписывать или завершать: "
    "это делают куратор, методист и руководитель — другие люди."
)


def refusal(roles: frozenset[str], message: str) -> str:
    """The message for a refused action on a route: on their own route a person is told that nobody
    reviews their own work; anybody else gets `message`."""
    return OWN_ROUTE if TEACHER in roles else message


def available_transitions(user, route, *, roles: frozenset[str] | None = None) -> list[Transition]:
    """The buttons this user may press on this route now (review moves excluded: the review form
    stands for them)."""
    roles = route_roles(user, route) if roles is None else roles
    return [t for t in TRANSITIONS if t.source == route.status and t.via == "button" and t.roles & roles]


def can_review(user, route, *, roles: frozenset[str] | None = None) -> bool:
    roles = route_roles(user, route) if roles is None else roles
    return route.status == S.SUBMITTED and bool(roles & REVIEWERS)


def conclusions_unavailable(route, *, has_final_attempt: bool) -> str:
    """Why the conclusions (Appendix 2) cannot be written on this route now, and when they can;
    empty when they can. The card hides the form and shows this sentence instead, and the service
    refuses with the same words."""
    if route.status in (S.COMPLETED, S.CANCELLED):
        return f"ИОМ в статусе «{route.get_status_display()}»: выводы больше не вносятся."
    if route.status != S.COMPLETING:
        return (
            "Выводы вносятся на этапе завершения ИОМ: форма появится, когда ИОМ перейдёт в статус "
            f"«{S.COMPLETING.label}» (сейчас — «{route.get_status_display()}»)."
        )
    if not has_final_attempt:
        return (
            "Итоговая диагностика педагогом ещё не пройдена (или её результат не готов): форма выводов "
            "появится, когда результат итоговой диагностики будет готов."
        )
    return ""
