"""Factories of the courses app (programmes, groups, sessions, enrolments): a programme belongs to
the region of the world's municipalities; a group's dates hold its sessions."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from courses.choices import EnrolmentSource, EnrolmentStatus, ProgrammeForm
from courses.models import Enrolment, Group, GroupSession, Programme
from routes.choices import RouteStatus
from routes.models import Activity, RouteActivity
from tests.cnppm.factories import RegionFactory
from tests.routes.factories import ActivityFactory, RouteFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    region = factory.SubFactory(RegionFactory)
    title = factory.Sequence(lambda n: f"Функциональная грамотность: программа {n}")
    kind = "qualification"
    hours = 36
    form = ProgrammeForm.MIXED
    status = "open"
    min_attendance_percent = 75
    requires_assessment = True


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Группа {n}")
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=20))
    ends_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    capacity = 2

    @factory.post_generation
    def teachers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.teachers.set(extracted)


def sessions(group: Group, n: int) -> list[GroupSession]:
    return [
        GroupSession.objects.create(group=group, number=i, date=group.starts_on + timedelta(days=i))
        for i in range(1, n + 1)
    ]


def enrol(group: Group, person, status=EnrolmentStatus.CONFIRMED, **kwargs) -> Enrolment:
    return Enrolment.objects.create(
        group=group, person=person, status=status, source=EnrolmentSource.OPERATOR, **kwargs
    )


def route_course(teacher, programme: Programme, *, status=RouteStatus.IN_PROGRESS) -> RouteActivity:
    """An activity of the teacher's route that points (through the catalogue) to `programme`."""
    catalogue: Activity = ActivityFactory(programme=programme, title=programme.title)
    from routes.models import Route

    route = Route.objects.filter(teacher=teacher, academic_year=2025).first() or RouteFactory(
        teacher=teacher, status=status
    )
    return RouteActivity.objects.create(
        route=route, catalogue_activity=catalogue, title=catalogue.title, kind="qualification", order=1
    )
