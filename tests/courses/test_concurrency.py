"""Capacity under concurrency (issue 12.2): two managers confirm two requests at once for the last
seat; the group row lock lets exactly one through, the other gets the Russian «no seats» message."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from cnppm.services import DomainError
from courses.choices import EnrolmentStatus as S
from courses.models import Enrolment
from courses.services.enrolment import enrolment_transition
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_last_seat_taken_once(world):
    group = GroupFactory(
        programme=ProgrammeFactory(region=world["m1"].region), capacity=1, organiser=world["tutor"]
    )
    first = enrol(group, world["teacher"], status=S.REQUESTED)
    second = enrol(group, world["other_teacher"], status=S.REQUESTED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(actor, enrolment):
        try:
            barrier.wait(timeout=10)
            enrolment_transition(actor=actor, enrolment=enrolment, to_status=S.CONFIRMED)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=confirm, args=(world["operator"].user, first)),
        threading.Thread(target=confirm, args=(world["tutor"].user, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("ok") == 1, outcomes
    assert any("нет свободных мест" in o for o in outcomes)
    assert Enrolment.objects.filter(group=group, status=S.CONFIRMED).count() == 1
