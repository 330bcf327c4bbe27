"""Completion rules: the share of sessions attended (exactly, at the boundary), the assessment, and
what completion writes: the training record at the organization of the time, the certificate, the
ИОМ activity done with the evidence and the route's event row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cnppm.models import AuditEvent
from cnppm.services import DomainError
from courses.choices import EnrolmentStatus as S
from courses.models import Attendance, Certificate, TrainingRecord
from courses.selectors import completion_check
from courses.services.attendance import assessment_record, attendance_mark
from courses.services.completion import enrolment_finish, group_finish
from routes.choices import ActivityOutcome
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, route_course, sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    programme = ProgrammeFactory(
        region=world["m1"].region, min_attendance_percent=75, requires_assessment=True
    )
    return GroupFactory(programme=programme, capacity=5, teachers=[world["tutor"]])


def _attend(enrolment, sessions_list, n):
    for s in sessions_list:
        Attendance.objects.create(session=s, enrolment=enrolment, present=s.number <= n)


def test_attendance_share_boundary(world, group):
    s = sessions(group, 4)
    e = enrol(group, world["teacher"], assessment_result="passed")
    _attend(e, s, 3)  # 3 of 4 = 75 %: exactly the rule
    assert completion_check(e).ok
    Attendance.objects.filter(enrolment=e, session=s[2]).update(present=False)  # 2 of 4 = 50 %
    check = completion_check(e)
    assert check.unmet == ["посещено 2 из 4 занятий, нужно не меньше 75 %"]


def test_assessment_rule(world, group):
    s = sessions(group, 2)
    e = enrol(group, world["teacher"])
    _attend(e, s, 2)
    assert completion_check(e).unmet == ["итоговая аттестация не отмечена"]
    e.assessment_result = "failed"
    assert completion_check(e).unmet == ["итоговая аттестация не пройдена"]
    group.programme.requires_assessment = False
    assert completion_check(e).ok


def test_group_finish_completes_writes_record_certificate_and_route_activity(world, group):
    s = sessions(group, 4)
    activity = route_course(world["teacher"], group.programme)
    done = enrol(group, world["teacher"], route_activity=activity)
    failed = enrol(group, world["other_teacher"])
    tutor = world["tutor"].user
    attendance_mark(actor=tutor, session=s[0], present={done.pk: True, failed.pk: False})
    for x in s[1:]:
        attendance_mark(actor=tutor, session=x, present={done.pk: True, failed.pk: True})
    with pytest.raises(DomainError, match="Не отмечена итоговая аттестация"):
        group_finish(actor=tutor, group=group)
    assessment_record(actor=tutor, enrolment=done, result="passed")
    assessment_record(actor=tutor, enrolment=failed, result="failed")

    result = group_finish(actor=tutor, group=group)

    assert [e.pk for e in result["completed"]] == [done.pk]
    done.refresh_from_db()
    failed.refresh_from_db()
    assert (done.status, failed.status) == (S.COMPLETED, S.NOT_COMPLETED)
    record = TrainingRecord.objects.get(enrolment=done)
    assert (record.organization, record.hours, record.ends_on) == (world["o1"], 36, group.ends_on)
    certificate = Certificate.objects.get(training_record=record)
    assert record.certificate == certificate
    activity.refresh_from_db()
    assert activity.outcome == ActivityOutcome.DONE
    assert activity.evidence_url == f"/courses/records/{record.pk}/"
    event = AuditEvent.objects.get(verb="route_activity_marked", object_id=str(activity.route_id))
    assert certificate.registration_number in event.comment
    group.refresh_from_db()
    assert group.status == "finished"
    assert not TrainingRecord.objects.filter(enrolment=failed).exists()


def test_record_keeps_the_organization_of_the_time(world, group):
    sessions(group, 1)
    group.programme.min_attendance_percent = 0
    group.programme.requires_assessment = False
    group.programme.save()
    e = enrol(group, world["teacher"])
    group_finish(actor=world["operator"].user, group=group)
    world["teacher"].organization = world["o3"]
    world["teacher"].save()
    assert TrainingRecord.objects.get(enrolment=e).organization == world["o1"]


def test_finish_refused_before_the_end_and_for_strangers(world, group):
    group.ends_on = date.today() + timedelta(days=3)
    group.save()
    with pytest.raises(DomainError, match="завершить его можно с этой даты"):
        group_finish(actor=world["tutor"].user, group=group)
    with pytest.raises(DomainError, match="Завершает обучение"):
        group_finish(actor=world["curator"].user, group=group)


def test_not_completed_completes_after_retake(world, group):
    s = sessions(group, 1)
    activity = route_course(world["teacher"], group.programme)
    e = enrol(group, world["teacher"], route_activity=activity)
    _attend(e, s, 1)
    assessment_record(actor=world["tutor"].user, enrolment=e, result="failed")
    group_finish(actor=world["tutor"].user, group=group)
    activity.refresh_from_db()
    assert activity.outcome == ActivityOutcome.NOT_DONE
    assert "итоговая аттестация не пройдена" in activity.not_done_reason
    e.refresh_from_db()
    with pytest.raises(DomainError, match="Правила завершения не выполнены"):
        enrolment_finish(actor=world["tutor"].user, enrolment=e)
    assessment_record(actor=world["tutor"].user, enrolment=e, result="passed")
    enrolment_finish(actor=world["tutor"].user, enrolment=e)
    e.refresh_from_db()
    activity.refresh_from_db()
    assert e.status == S.COMPLETED and activity.outcome == ActivityOutcome.DONE


def test_attendance_all_or_nothing(world, group):
    s = sessions(group, 1)
    e = enrol(group, world["teacher"])
    stranger = enrol(GroupFactory(programme=group.programme), world["other_teacher"])
    with pytest.raises(DomainError, match="не зачислены в эту группу"):
        attendance_mark(actor=world["tutor"].user, session=s[0], present={e.pk: True, stranger.pk: True})
    assert not Attendance.objects.exists()
    with pytest.raises(DomainError, match="отмечают преподаватели курса"):
        attendance_mark(actor=world["curator"].user, session=s[0], present={e.pk: True})
