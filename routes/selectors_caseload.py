"""Reads of the support side of routes: who supports whom, caseloads against the norm, the
participants' list with their curator, tutor and mentor, a supporter's caseload with each route's
status and flags. Every function takes the user who fetches and narrows through cnppm.access."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cnppm import access
from cnppm.choices import Role, SupportRole
from cnppm.models import Person, RoleAssignment, Subject, SupportAssignment

from .choices import RouteStatus
from .models import Correction, Route

# The staff role a person must hold to be assigned in each support role.
STAFF_ROLE = {
    SupportRole.CURATOR: Role.CURATOR,
    SupportRole.TUTOR: Role.TUTOR,
    SupportRole.MENTOR: Role.MENTOR,
}


def support_norm() -> int:
    """The norm of the pool: one curator and one tutor per this many participants."""
    return int(settings.SUPPORT_NORM)


def active_assignments() -> QuerySet:
    return SupportAssignment.objects.filter(ended_at__isnull=True)


def load_subquery(role: str):
    """A subquery giving, for an outer Person, the number of their active assignments in `role`."""
    return Coalesce(
        Subquery(
            active_assignments()
            .filter(supporter_id=OuterRef("pk"), role=role)
            .order_by()
            .values("supporter_id")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def support_loads(*, role: str, supporter_ids=None) -> dict[int, int]:
    """Active caseload per supporter in `role`, counted in the database."""
    qs = active_assignments().filter(role=role)
    if supporter_ids is not None:
        qs = qs.filter(supporter_id__in=list(supporter_ids))
    return dict(qs.order_by().values("supporter_id").annotate(n=Count("id")).values_list("supporter_id", "n"))


def supporter_subject_ids(*, role: str, supporter_ids) -> dict[int, set[int]]:
    """The subject areas each supporter covers in `role` (from their RoleAssignment.subjects)."""
    through = RoleAssignment.subjects.through
    rows = through.objects.filter(
        roleassignment__role=STAFF_ROLE[role], roleassignment__person_id__in=list(supporter_ids)
    ).values_list("roleassignment__person_id", "subject_id")
    result: dict[int, set[int]] = {}
    for person_id, subject_id in rows:
        result.setdefault(person_id, set()).add(subject_id)
    return result


def holds_staff_role(person_id: int, role: str) -> bool:
    return RoleAssignment.objects.filter(person_id=person_id, role=STAFF_ROLE[role]).exists()


@dataclass
class SupporterRow:
    """A curator, tutor or mentor with their caseload against the norm."""

    person: Person
    role: str
    load: int
    norm: int
    kinds: list[str] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)

    @property
    def over_norm(self) -> bool:
        return self.load > self.norm

    @property
    def free(self) -> int:
        return max(self.norm - self.load, 0)

    @property
    def percent(self) -> int:
        return round(self.load * 100 / self.norm) if self.norm else 0


def support_pool(*, user, role: str, subject_id=None, search: str = "") -> list[SupporterRow]:
    """Supporters in `role` inside the user's scope, with their active caseload; constant queries."""
    staff_role = STAFF_ROLE[role]
    qs = (
        access.people(user)
        .filter(Exists(RoleAssignment.objects.filter(person_id=OuterRef("pk"), role=staff_role)))
        .select_related("organization__municipality")
        .annotate(load=load_subquery(role))
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.filter(role=staff_role).prefetch_related("subjects"),
                to_attr="staff_roles",
            )
        )
        .order_by("last_name", "first_name", "id")
    )
    if subject_id:
        through = RoleAssignment.subjects.through
        qs = qs.filter(
            Exists(
                through.objects.filter(
                    roleassignment__person_id=OuterRef("pk"),
                    roleassignment__role=staff_role,
                    subject_id=subject_id,
                )
            )
        )
    if search:
        qs = qs.filter(last_name__icontains=search)
    norm = support_norm()
    rows = []
    for person in qs:
        subjects: dict[int, Subject] = {}
        kinds = []
        for ra in person.staff_roles:
            if ra.support_kind:
                kinds.append(ra.get_support_kind_display())
            for s in ra.subjects.all():
                subjects[s.pk] = s
        rows.append(
            SupporterRow(
                person=person,
                role=role,
                load=person.load,
                norm=norm,
                kinds=sorted(set(kinds)),
                subjects=sorted(subjects.values(), key=lambda s: (s.order, s.name)),
            )
        )
    return rows


def participants_qs(
    *,
    user,
    municipality_id=None,
    organization_id=None,
    subject_id=None,
    missing_role: str = "",
    search: str = "",
) -> QuerySet:
    """Participants (people holding the teacher role) inside the user's scope, each with their active
    curator, tutor and mentor prefetched as `active_support`."""
    qs = (
        access.people(user)
        .filter(Exists(RoleAssignment.objects.filter(person_id=OuterRef("pk"), role=Role.TEACHER)))
        .select_related("organization__municipality")
        .prefetch_related(
            "subjects",
            Prefetch(
                "support_assignments",
                queryset=active_assignments().select_related("supporter", "subject").order_by("role"),
                to_attr="active_support",
            ),
        )
        .order_by("last_name", "first_name", "middle_name", "id")
    )
    if municipality_id:
        qs = qs.filter(organization__municipality_id=municipality_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if subject_id:
        qs = qs.filter(
            Exists(Person.subjects.through.objects.filter(person_id=OuterRef("pk"), subject_id=subject_id))
        )
    if missing_role:
        qs = qs.exclude(Exists(active_assignments().filter(person_id=OuterRef("pk"), role=missing_role)))
    for word in search.split():
        qs = qs.filter(
            Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(middle_name__icontains=word)
        )
    return qs


def support_by_role(person: Person) -> dict[str, SupportAssignment]:
    """The person's active assignments keyed by role (uses the prefetched `active_support`)."""
    items = getattr(person, "active_support", None)
    if items is None:
        items = list(active_assignments().filter(person=person).select_related("supporter", "subject"))
    return {a.role: a for a in items}


def person_assignments(*, user, person: Person) -> QuerySet:
    """All assignments of one participant (active first, then history), scoped."""
    return (
        access.restrict(user, SupportAssignment.objects.filter(person=person))
        .select_related("supporter__organization", "subject", "assigned_by")
        .order_by(F("ended_at").desc(nulls_first=True), "-started_at", "-id")
    )


def assignment_list(*, user, role: str = "", active: bool | None = True) -> QuerySet:
    """Assignments inside the user's scope (the API list)."""
    qs = access.restrict(user, SupportAssignment.objects.all()).select_related(
        "person__organization", "supporter", "subject"
    )
    if role:
        qs = qs.filter(role=role)
    if active is True:
        qs = qs.filter(ended_at__isnull=True)
    elif active is False:
        qs = qs.filter(ended_at__isnull=False)
    return qs.order_by("person__last_name", "person__first_name", "person_id", "role", "-started_at")


# --- A supporter's caseload -------------------------------------------------------------------


@dataclass
class CaseloadRow:
    assignment: SupportAssignment
    route: Route | None
    flags: list[str]

    @property
    def person(self) -> Person:
        return self.assignment.person


def _route_flags(route: Route) -> list[str]:
    """Flags a supporter acts on: uncovered deficits (routes.selectors.routes_with_flags), corrections
    the teacher has not acknowledged, a route returned for revision."""
    flags = []
    uncovered = getattr(route, "uncovered_count", 0) or 0
    if uncovered:
        flags.append(f"не покрыто дефицитов: {uncovered}")
    if getattr(route, "has_pending_corrections", False):
        flags.append("корректировка не подтверждена педагогом")
    if route.status == RouteStatus.RETURNED:
        flags.append("возвращён на доработку")
    return flags


def _annotated_routes(route_qs: QuerySet) -> QuerySet:
    from .selectors import routes_with_flags

    return routes_with_flags(route_qs).annotate(
        has_pending_corrections=Exists(
            Correction.objects.filter(route_id=OuterRef("pk"), acknowledged_at__isnull=True)
        )
    )


def caseload(*, user, supporter: Person, role: str = "") -> list[CaseloadRow]:
    """The supporter's active participants, each with their current route (the latest not cancelled),
    its status and flags. The supporter must be inside the user's scope or be the user."""
    assignments = (
        access.restrict(user, active_assignments().filter(supporter=supporter))
        .select_related("person__organization__municipality", "subject")
        .order_by("person__last_name", "person__first_name", "person_id", "role")
    )
    if role:
        assignments = assignments.filter(role=role)
    assignments = list(assignments)
    person_ids = {a.person_id for a in assignments}
    routes = _annotated_routes(
        Route.objects.filter(teacher_id__in=person_ids)
        .exclude(status=RouteStatus.CANCELLED)
        .order_by("teacher_id", "-academic_year", "-id")
    )
    latest: dict[int, Route] = {}
    for route in routes:
        latest.setdefault(route.teacher_id, route)
    rows = []
    for a in assignments:
        route = latest.get(a.person_id)
        flags = _route_flags(route) if route else []
        if route is None:
            flags = ["ИОМ не создан"]
        rows.append(CaseloadRow(assignment=a, route=route, flags=flags))
    return rows


# The caseload's status filter: a route status, or no route yet.
NO_ROUTE = "none"


def caseload_statuses() -> list[tuple[str, str]]:
    return [*RouteStatus.choices, (NO_ROUTE, "ИОМ не создан")]


def caseload_by_status(rows: list[CaseloadRow], status: str) -> list[CaseloadRow]:
    """The rows whose current route has `status` (NO_ROUTE: no route yet); all rows for ""."""
    if not status:
        return rows
    if status == NO_ROUTE:
        return [r for r in rows if r.route is None]
    return [r for r in rows if r.route is not None and r.route.status == status]


def caseload_summary(rows: list[CaseloadRow]) -> dict:
    by_status: dict[str, int] = {}
    for row in rows:
        label = row.route.get_status_display() if row.route else "ИОМ не создан"
        by_status[label] = by_status.get(label, 0) + 1
    return {"total": len({r.person.pk for r in rows}), "by_status": sorted(by_status.items())}
