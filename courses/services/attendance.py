"""Attendance by session and the final assessment, marked by the group's course teachers, its
organiser or the operator."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cnppm.services import DomainError, event_record

from .. import workflow
from ..choices import AssessmentResult, EnrolmentStatus, GroupStatus
from ..models import Attendance, Enrolment, GroupSession
from ._common import lock_group, require_group_roles

MARKABLE = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
REFUSED = "Посещаемость и аттестацию отмечают преподаватели курса, его организатор или оператор ЦНППМ."


@transaction.atomic
def attendance_mark(*, actor, session: GroupSession, present: dict[int, bool]) -> int:
    """Mark who attended `session`: `present` maps enrolment ids of the group's listeners to
    True/False. All or nothing: an id that is not a listener of this group refuses the whole list.
    Returns the number of marks written."""
    group = lock_group(session.group)
    require_group_roles(actor, group, workflow.MARKERS, REFUSED)
    if group.status == GroupStatus.CANCELLED:
        raise DomainError("Группа отменена: посещаемость не отмечается.")
    if session.date > timezone.localdate():
        raise DomainError(f"Занятие {session.date:%d.%m.%Y} ещё не прошло: отметить посещаемость нельзя.")
    listeners = set(
        Enrolment.objects.filter(group=group, status__in=MARKABLE, pk__in=list(present)).values_list(
            "pk", flat=True
        )
    )
    strangers = set(present) - listeners
    if strangers:
        raise DomainError("В списке есть люди, которые не зачислены в эту группу. Обновите страницу.")
    existing = {
        a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment_id__in=listeners)
    }
    now = timezone.now()
    changed, created = [], []
    for enrolment_id, flag in present.items():
        mark = existing.get(enrolment_id)
        if mark is None:
            created.append(
                Attendance(
                    session=session,
                    enrolment_id=enrolment_id,
                    present=bool(flag),
                    marked_by=actor,
                    marked_at=now,
                )
            )
        elif mark.present != bool(flag):
            mark.present, mark.marked_by, mark.marked_at = bool(flag), actor, now
            changed.append(mark)
    Attendance.objects.bulk_create(created)
    Attendance.objects.bulk_update(changed, ["present", "marked_by", "marked_at"])
    attended = sum(1 for v in present.values() if v)
    event_record(
        actor=actor,
        target=group,
        verb="attendance_marked",
        field=str(session.number),
        new=f"{attended}/{len(present)}",
    )
    return len(created) + len(changed)


@transaction.atomic
def assessment_record(*, actor, enrolment: Enrolment, result: str, comment: str = "") -> Enrolment:
    """Record the final assessment of a listener (passed / failed / not held)."""
    group = lock_group(enrolment.group)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    enrolment.group = group
    roles = workflow.enrolment_roles(actor, enrolment)
    if not roles & workflow.MARKERS:
        raise DomainError(REFUSED, code="forbidden")
    if result not in AssessmentResult.values:
        raise DomainError("Выберите результат аттестации: зачтено или не зачтено.")
    if enrolment.status not in MARKABLE:
        raise DomainError("Аттестацию отмечают только зачисленным слушателям.")
    if enrolment.status == EnrolmentStatus.COMPLETED:
        raise DomainError("Обучение уже завершено и удостоверение выдано: результат аттестации не меняется.")
    old = enrolment.assessment_result
    enrolment.assessment_result = result
    enrolment.assessment_comment = comment.strip()[:500]
    enrolment.save(update_fields=["assessment_result", "assessment_comment"])
    event_record(
        actor=actor,
        target=enrolment,
        verb="assessment_recorded",
        field="assessment_result",
        old=old,
        new=result,
        comment=comment,
    )
    return enrolment
