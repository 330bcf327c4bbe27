"""Enrolment rules: requests from the ИОМ, capacity, the waiting list and its promotion, the workflow
map (every allowed and refused move), bulk enrolment all or nothing."""

from __future__ import annotations

import pytest

from cnppm.services import DomainError
from courses import workflow
from courses.choices import EnrolmentStatus as S
from courses.models import Enrolment, EnrolmentEvent
from courses.services.enrolment import enrolment_bulk_add, enrolment_request, enrolment_transition
from routes.choices import RouteStatus
from tests.cnppm.factories import make_person
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, route_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    programme = ProgrammeFactory(region=world["m1"].region)
    return GroupFactory(programme=programme, capacity=2, organiser=world["tutor"])


def test_teacher_requests_from_approved_route(world, group):
    activity = route_course(world["teacher"], group.programme)
    e = enrolment_request(actor=world["teacher"].user, route_activity=activity, group=group)
    assert (e.status, e.source, e.route_activity_id) == (S.REQUESTED, "route", activity.pk)
    assert EnrolmentEvent.objects.get(enrolment=e).to_status == S.REQUESTED
    # The organiser hears of it.
    assert world["tutor"].user.notifications.filter(text__contains="Новая заявка").exists()
    with pytest.raises(DomainError, match="уже записаны на эту программу"):
        enrolment_request(actor=world["teacher"].user, route_activity=activity, group=group)


def test_request_refused_from_unapproved_route_or_other_programme(world, group):
    draft = route_course(world["teacher"], group.programme, status=RouteStatus.SUBMITTED)
    with pytest.raises(DomainError, match="после утверждения ИОМ"):
        enrolment_request(actor=world["teacher"].user, route_activity=draft, group=group)
    other = route_course(world["other_teacher"], ProgrammeFactory(region=group.programme.region))
    with pytest.raises(DomainError, match="не относится к программе"):
        enrolment_request(actor=world["other_teacher"].user, route_activity=other, group=group)
    with pytest.raises(DomainError, match="подаёт сам педагог"):
        enrolment_request(actor=world["operator"].user, route_activity=other, group=group)
    assert not Enrolment.objects.exists()


def test_capacity_refuses_confirmation_with_russian_message(world, group):
    enrol(group, world["mentor"])
    enrol(group, world["curator"])
    waiting = enrol(group, world["teacher"], status=S.REQUESTED)
    with pytest.raises(DomainError, match="нет свободных мест \\(всего мест: 2\\)"):
        enrolment_transition(actor=world["operator"].user, enrolment=waiting, to_status=S.CONFIRMED)
    waiting.refresh_from_db()
    assert waiting.status == S.REQUESTED
    enrolment_transition(actor=world["operator"].user, enrolment=waiting, to_status=S.WAITLISTED)
    waiting.refresh_from_db()
    assert waiting.status == S.WAITLISTED and waiting.waitlisted_at


def test_freed_seat_goes_to_the_first_on_the_waiting_list(world, group):
    leaving = enrol(group, world["mentor"])
    enrol(group, world["curator"])
    first = enrol(group, world["teacher"], status=S.REQUESTED)
    second = enrol(group, world["other_teacher"], status=S.REQUESTED)
    op = world["operator"].user
    enrolment_transition(actor=op, enrolment=first, to_status=S.WAITLISTED)
    enrolment_transition(actor=op, enrolment=second, to_status=S.WAITLISTED)
    # The listener leaves on their own: the seat goes to the first waiting.
    enrolment_transition(actor=world["mentor"].user, enrolment=leaving, to_status=S.CANCELLED)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.CONFIRMED, S.WAITLISTED)
    assert first.events.last().comment.startswith("Место освободилось")
    assert world["teacher"].user.notifications.filter(text__startswith="Освободилось место").exists()


def test_raising_capacity_promotes_the_waiting_list(world, group):
    from courses.services.programmes import GROUP_FIELDS, group_save

    enrol(group, world["mentor"])
    enrol(group, world["curator"])
    waiting = enrol(group, world["teacher"], status=S.WAITLISTED)
    data = {f: getattr(group, f) for f in GROUP_FIELDS}
    with pytest.raises(DomainError, match="уже зачислено 2"):
        group_save(actor=world["operator"].user, group=group, data={**data, "capacity": 1})
    group_save(actor=world["operator"].user, group=group, data={**data, "capacity": 3})
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED


def test_bulk_enrolment_all_or_nothing(world, group):
    op = world["operator"].user
    people = [world["teacher"], world["other_teacher"], world["mentor"]]
    with pytest.raises(DomainError, match="свободно 2 места, а в списке 3 слушателя"):
        enrolment_bulk_add(actor=op, group=group, people=people)
    assert not Enrolment.objects.exists()
    result = enrolment_bulk_add(actor=op, group=group, people=people, waitlist_overflow=True)
    assert [len(result["confirmed"]), len(result["waitlisted"])] == [2, 1]
    with pytest.raises(DomainError, match="Уже записаны на эту программу"):
        enrolment_bulk_add(actor=op, group=group, people=[world["teacher"]], waitlist_overflow=True)
    # Only the operator of the region or the organiser enrols lists.
    with pytest.raises(DomainError, match="оператор ЦНППМ или организатор"):
        enrolment_bulk_add(actor=world["curator"].user, group=group, people=[make_person()])


@pytest.mark.parametrize("transition", workflow.TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
def test_every_transition_allowed_and_refused(world, group, transition):
    """Each move of the map: allowed for its roles, refused (Russian) for a stranger and by the
    wrong path; the listener never manages their own enrolment."""
    e = enrol(group, world["teacher"], status=transition.source)
    actors = {
        workflow.OPERATOR: world["operator"].user,
        workflow.ORGANISER: world["tutor"].user,
        workflow.LISTENER: world["teacher"].user,
        workflow.COURSE_TEACHER: world["curator"].user,
    }
    group.teachers.add(world["curator"])
    for role, user in actors.items():
        roles = workflow.enrolment_roles(user, Enrolment.objects.get(pk=e.pk))
        if role in transition.roles:
            assert workflow.check(roles, transition.source, transition.target, via=transition.via)
        else:
            with pytest.raises(DomainError):
                workflow.check(roles, transition.source, transition.target, via=transition.via)
    stranger = workflow.enrolment_roles(world["mentor"].user, e)
    with pytest.raises(DomainError):
        workflow.check(stranger, transition.source, transition.target, via=transition.via)
    if transition.via == "finish":
        with pytest.raises(DomainError, match="нельзя перевести"):
            enrolment_transition(actor=world["operator"].user, enrolment=e, to_status=transition.target)


def test_moves_outside_the_map_are_refused(world, group):
    e = enrol(group, world["teacher"], status=S.CANCELLED)
    with pytest.raises(DomainError, match="«отменено» нельзя перевести в «зачислен»"):
        enrolment_transition(actor=world["operator"].user, enrolment=e, to_status=S.CONFIRMED)
