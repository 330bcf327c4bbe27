"""Reads of the courses app: lists for the pages and the API (scoped through cnppm/access.py) and the
completion rules of a programme checked for an enrolment."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from cnppm import access
from cnppm.russian import with_number
from routes.choices import ActivityOutcome
from routes.models import RouteActivity
from routes.workflow import IMPLEMENTATION_STATUSES

from .choices import ACTIVE_STATUSES, SEAT_STATUSES, AssessmentResult, EnrolmentStatus, GroupStatus
from .models import Attendance, Enrolment, Group, GroupSession, Programme, TrainingRecord


def programme_list(*, user, status: str = "") -> QuerySet:
    qs = access.programmes(user).select_related("region", "provider_organization")
    if status:
        qs = qs.filter(status=status)
    return qs.prefetch_related("competences", "subjects").annotate(
        groups_open=Count("groups", filter=Q(groups__status=GroupStatus.RECRUITING), distinct=True)
    )


def with_seats(qs: QuerySet) -> QuerySet:
    """Groups annotated with the seats taken and the waiting list length (one query)."""
    return qs.annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES), distinct=True),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED), distinct=True),
        requested=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.REQUESTED), distinct=True),
    )


def group_list(*, user, programme: Programme | None = None) -> QuerySet:
    qs = access.course_groups(user).select_related("programme", "organiser")
    if programme is not None:
        qs = qs.filter(programme=programme)
    return with_seats(qs).prefetch_related("teachers").order_by("starts_on", "name")


def taught_groups(*, user) -> QuerySet:
    return with_seats(access.course_groups_taught(user).select_related("programme")).order_by("-starts_on")


def roster(*, user, group: Group) -> QuerySet:
    """The group's enrolments the user may see, with the person and their organization."""
    return (
        access.enrolments(user)
        .filter(group=group, status__in=ACTIVE_STATUSES)
        .select_related("person__organization", "route_activity", "training_record")
        .annotate(present_count=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("person__last_name", "person__first_name", "id")
    )


def my_enrolments(*, user) -> QuerySet:
    person_id = access.scope_of(user).person_id
    return (
        Enrolment.objects.filter(person_id=person_id)
        .select_related("group__programme", "training_record__certificate")
        .prefetch_related("group__teachers")
        .order_by("-created_at")
    )


def route_courses(*, user) -> list[RouteActivity]:
    """The user's own activities of an approved ИОМ that point to a programme, each with the groups
    now recruiting (`open_groups`) and the enrolment made from it, if any (`enrolment`)."""
    person_id = access.scope_of(user).person_id
    if person_id is None:
        return []
    activities = list(
        RouteActivity.objects.filter(
            route__teacher_id=person_id,
            route__status__in=IMPLEMENTATION_STATUSES,
            catalogue_activity__programme__isnull=False,
        )
        .exclude(outcome=ActivityOutcome.DONE)
        .select_related("catalogue_activity__programme", "route")
    )
    programme_ids = {a.catalogue_activity.programme_id for a in activities}
    groups = with_seats(
        Group.objects.filter(
            programme_id__in=programme_ids, status=GroupStatus.RECRUITING, programme__status="open"
        )
    ).order_by("starts_on")
    by_programme: dict[int, list] = {}
    for g in groups:
        by_programme.setdefault(g.programme_id, []).append(g)
    pending = {
        e.route_activity_id: e
        for e in Enrolment.objects.filter(
            route_activity__in=activities, status__in=ACTIVE_STATUSES
        ).select_related("group")
    }
    for a in activities:
        a.open_groups = by_programme.get(a.catalogue_activity.programme_id, [])
        a.enrolment = pending.get(a.pk)
    return activities


def sessions(group: Group) -> QuerySet:
    """The schedule in the order of the days: a session moved to another date keeps its number (the
    event rows and the attendance name it by number), so the number alone is not the order."""
    return GroupSession.objects.filter(group=group).order_by("date", "starts_at", "number")


def attendance_map(group: Group) -> dict[tuple[int, int], bool]:
    """(session id, enrolment id) → present, for the whole group in one query."""
    return {
        (a.session_id, a.enrolment_id): a.present
        for a in Attendance.objects.filter(session__group=group).only("session_id", "enrolment_id", "present")
    }


@dataclass
class CompletionCheck:
    sessions_total: int
    attended: int
    required_percent: int
    assessment: str
    unmet: list[str]

    @property
    def ok(self) -> bool:
        return not self.unmet

    @property
    def percent(self) -> int | None:
        if not self.sessions_total:
            return None
        return (self.attended * 100 + self.sessions_total // 2) // self.sessions_total


def completion_check(
    enrolment: Enrolment, *, sessions_total: int | None = None, attended: int | None = None
) -> CompletionCheck:
    """The programme's completion rules against this enrolment: the share of the group's sessions
    attended (exactly: attended · 100 ≥ required · total) and, where required, a passed assessment."""
    programme = enrolment.group.programme
    if sessions_total is None:
        sessions_total = GroupSession.objects.filter(group_id=enrolment.group_id).count()
    if attended is None:
        attended = Attendance.objects.filter(enrolment=enrolment, present=True).count()
    required = programme.min_attendance_percent
    unmet = []
    if required:
        if not sessions_total:
            unmet.append("в расписании группы нет занятий: посещаемость не проверить")
        elif attended * 100 < required * sessions_total:
            unmet.append(
                f"посещено {attended} из {with_number(sessions_total, 'занятие', 'gent')}, "
                f"нужно не меньше {required} %"
            )
    if programme.requires_assessment and enrolment.assessment_result != AssessmentResult.PASSED:
        unmet.append(
            "итоговая аттестация не пройдена"
            if enrolment.assessment_result == AssessmentResult.FAILED
            else "итоговая аттестация не отмечена"
        )
    return CompletionCheck(sessions_total, attended, required, enrolment.assessment_result, unmet)


def training_records(*, user) -> QuerySet:
    return access.restrict(user, TrainingRecord.objects.all()).select_related("certificate", "organization")


def with_seats_one(group: Group) -> Group:
    """The group re-read with its seat counts (for an API answer after a write)."""
    return (
        with_seats(Group.objects.filter(pk=group.pk))
        .select_related("programme")
        .prefetch_related("teachers")
        .get()
    )
