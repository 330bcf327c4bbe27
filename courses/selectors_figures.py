"""Figures of the courses (issue 12.5): per group its fill rate and completion rate (for a course's
page), and per programme the participants and completions of a period (for the monitoring reports).
Aggregates in the database, one query per list; people who withdrew consent are not counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from cnppm.access import consenting_q
from monitoring.numbers import percent

from .choices import SEAT_STATUSES, EnrolmentStatus, GroupStatus, TrainingSource
from .models import Group, Programme, TrainingRecord

FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


@dataclass(frozen=True)
class GroupFigures:
    group: Group
    capacity: int
    seats_taken: int
    finished: int  # enrolments with an outcome (completed or not)
    completed: int

    @property
    def fill_percent(self) -> Decimal | None:
        """Seats taken of the capacity, %."""
        return percent(self.seats_taken, self.capacity)

    @property
    def completion_percent(self) -> Decimal | None:
        """Completed of those whose training ended (completed or not), %; none before the end."""
        return percent(self.completed, self.finished)


def group_figures(programme: Programme) -> list[GroupFigures]:
    """The programme's groups (cancelled ones left out) with their figures, one query."""
    people = consenting_q("enrolments__person")
    groups = (
        Group.objects.filter(programme=programme)
        .exclude(status=GroupStatus.CANCELLED)
        .annotate(
            taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES) & people, distinct=True),
            finished_n=Count("enrolments", filter=Q(enrolments__status__in=FINISHED) & people, distinct=True),
            completed_n=Count(
                "enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED) & people, distinct=True
            ),
        )
        .order_by("starts_on", "name")
    )
    return [GroupFigures(g, g.capacity, g.taken, g.finished_n, g.completed_n) for g in groups]


def programme_totals(figures: list[GroupFigures]) -> dict:
    """The programme's totals over its groups: capacity, seats, fill and completion rates."""
    capacity = sum(f.capacity for f in figures)
    taken = sum(f.seats_taken for f in figures)
    finished = sum(f.finished for f in figures)
    completed = sum(f.completed for f in figures)
    return {
        "groups": len(figures),
        "capacity": capacity,
        "seats_taken": taken,
        "fill_percent": percent(taken, capacity),
        "finished": finished,
        "completed": completed,
        "completion_percent": percent(completed, finished),
    }


def courses_of_period(region_id: int, starts_on: date, ends_on: date) -> list[dict]:
    """Per programme of the region with a group running inside [starts_on, ends_on]: its groups,
    participants (people holding a seat) and completions (training records of the programme ending
    inside the window). Two grouped queries."""
    running = Q(groups__starts_on__lte=ends_on, groups__ends_on__gte=starts_on) & ~Q(
        groups__status=GroupStatus.CANCELLED
    )
    seat = (
        running & Q(groups__enrolments__status__in=SEAT_STATUSES) & consenting_q("groups__enrolments__person")
    )
    rows = list(
        Programme.objects.filter(running, region_id=region_id)
        .annotate(
            groups_n=Count("groups", filter=running, distinct=True),
            participants=Count("groups__enrolments__person", filter=seat, distinct=True),
        )
        .order_by("title", "pk")
        .values(
            "pk",
            "title",
            "hours",
            "provider_name",
            "provider_organization__short_name",
            "groups_n",
            "participants",
        )
    )
    completions = dict(
        TrainingRecord.objects.filter(
            consenting_q("person"),
            programme__region_id=region_id,
            source=TrainingSource.COURSE,
            ends_on__gte=starts_on,
            ends_on__lte=ends_on,
        )
        .order_by()
        .values("programme_id")
        .annotate(n=Count("person", distinct=True))
        .values_list("programme_id", "n")
    )
    return [
        {
            "title": r["title"],
            "provider": r["provider_name"] or r["provider_organization__short_name"] or "ЦНППМ",
            "hours": r["hours"],
            "groups": r["groups_n"],
            "participants": r["participants"],
            "completed": completions.get(r["pk"], 0),
        }
        for r in rows
    ]
