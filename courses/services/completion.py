"""Completion: at the end of a group each enrolled listener is checked against the programme's rules
(share of sessions attended, passed assessment). Who meets them completes: a training record is
written (person, programme, hours, dates, the organization they work in now), the certificate is
issued (courses.services.certificates) and the ИОМ activity the enrolment came from is marked done
with the record (and its certificate) as evidence, with the route's event row. Who does not is
«обучение не завершено»; the activity gets the reason."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from cnppm.services import DomainError, event_record
from routes.choices import ActivityKind, ActivityOutcome
from routes.models import RouteActivity
from routes.workflow import IMPLEMENTATION_STATUSES

from .. import selectors, workflow
from ..choices import DocumentKind, EnrolmentStatus, GroupStatus, TrainingSource
from ..models import Enrolment, Group, GroupSession, TrainingRecord
from ._common import lock_group, require_group_roles
from .enrolment import _move, _tell

S = EnrolmentStatus


def _issues_certificate(programme) -> bool:
    try:
        from . import certificates
    except ImportError:  # pragma: no cover (the certificates part of issue 12 ships with this app)
        return False
    minimum = getattr(certificates, "MIN_QUALIFICATION_HOURS", 0)
    return programme.document_kind == DocumentKind.QUALIFICATION_CERTIFICATE and programme.hours >= minimum


def _record_write(enrolment: Enrolment, actor) -> TrainingRecord:
    group, programme = enrolment.group, enrolment.group.programme
    person = enrolment.person
    return TrainingRecord.objects.create(
        person=person,
        programme=programme,
        title=programme.title,
        kind=programme.kind,
        provider=programme.provider or "ЦНППМ",
        hours=programme.hours,
        starts_on=group.starts_on,
        ends_on=group.ends_on,
        organization_id=person.organization_id,
        is_qualification_programme=programme.kind == ActivityKind.QUALIFICATION,
        source=TrainingSource.COURSE,
        group=group,
        enrolment=enrolment,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _mark_route_activity(enrolment: Enrolment, actor, *, done: bool, record=None, reason: str = "") -> None:
    """The ИОМ activity the enrolment came from: done with the training record (its certificate) as
    evidence, or not done with the reason. Only while the route is being carried out."""
    if enrolment.route_activity_id is None:
        return
    activity = (
        RouteActivity.objects.select_for_update().select_related("route").get(pk=enrolment.route_activity_id)
    )
    route = activity.route
    if route.status not in IMPLEMENTATION_STATUSES or activity.removed_at is not None:
        return
    old = activity.outcome
    if done:
        activity.outcome = ActivityOutcome.DONE
        activity.not_done_reason = ""
        activity.evidence_url = reverse("courses:record", args=[record.pk])
        certificate = record.certificate
        comment = (
            f"Курс завершён: удостоверение № {certificate.registration_number} от {certificate.issued_on:%d.%m.%Y}"
            if certificate
            else f"Курс завершён: {record.hours} ч., {record.starts_on:%d.%m.%Y} – {record.ends_on:%d.%m.%Y}"
        )
    else:
        activity.outcome = ActivityOutcome.NOT_DONE
        activity.not_done_reason = f"Обучение не завершено: {reason}."
        comment = activity.not_done_reason
    activity.save(update_fields=["outcome", "not_done_reason", "evidence_url"])
    event_record(
        actor=actor,
        target=route,
        verb="route_activity_marked",
        field=str(activity.pk),
        old=old,
        new=activity.outcome,
        comment=comment,
    )


def _finish(enrolments: list[Enrolment], actor, sessions_total: int, attended: dict[int, int]) -> dict:
    done, not_done = [], []
    for e in enrolments:
        check = selectors.completion_check(e, sessions_total=sessions_total, attended=attended.get(e.pk, 0))
        if check.ok:
            _move(e, actor, S.COMPLETED, "Правила завершения выполнены")
            done.append((e, _record_write(e, actor)))
        else:
            reason = "; ".join(check.unmet)
            _move(e, actor, S.NOT_COMPLETED, reason)
            not_done.append((e, reason))
    certificates = {}
    programme = enrolments[0].group.programme if enrolments else None
    if done and _issues_certificate(programme):
        from .certificates import certificates_issue

        for c in certificates_issue(actor=actor, records=[r for _, r in done]):
            certificates[c.training_record_id] = c
    for e, record in done:
        record.certificate = certificates.get(record.pk)
        _mark_route_activity(e, actor, done=True, record=record)
        _tell(e, f"Обучение по программе «{programme.title}» завершено.")
    for e, reason in not_done:
        _mark_route_activity(e, actor, done=False, reason=reason)
        _tell(e, f"Обучение по программе «{programme.title}» не завершено: {reason}.")
    return {"completed": [e for e, _ in done], "not_completed": [e for e, _ in not_done]}


def _attended(group: Group, enrolment_ids) -> dict[int, int]:
    rows = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .annotate(n=Count("attendance", filter=Q(attendance__present=True, attendance__session__group=group)))
        .values_list("pk", "n")
    )
    return dict(rows)


@transaction.atomic
def group_finish(*, actor, group: Group) -> dict:
    """Finish the group: every confirmed listener completes or not by the programme's rules (all at
    once, all or nothing). Refused before the last day of the group and, where the programme
    requires an assessment, while someone's result is not recorded."""
    group = lock_group(group)
    require_group_roles(
        actor,
        group,
        workflow.FINISHERS,
        "Завершает обучение оператор ЦНППМ, организатор или преподаватель курса.",
    )
    if group.status in (GroupStatus.FINISHED, GroupStatus.CANCELLED):
        raise DomainError(f"Группа «{group.name}»: {GroupStatus(group.status).label}.")
    if group.ends_on > timezone.localdate():
        raise DomainError(
            f"Обучение в группе «{group.name}» идёт до {group.ends_on:%d.%m.%Y}: завершить его можно с этой даты."
        )
    enrolments = list(
        Enrolment.objects.filter(group=group, status=S.CONFIRMED)
        .select_related("person__user", "person__organization")
        .order_by("person__last_name", "person__first_name", "id")
    )
    for e in enrolments:
        e.group = group
    if group.programme.requires_assessment:
        pending = [e.person.short_name for e in enrolments if e.assessment_result == "pending"]
        if pending:
            raise DomainError("Не отмечена итоговая аттестация: " + ", ".join(pending) + ".")
    sessions_total = GroupSession.objects.filter(group=group).count()
    result = _finish(enrolments, actor, sessions_total, _attended(group, [e.pk for e in enrolments]))
    old = group.status
    group.status = GroupStatus.FINISHED
    group.save(update_fields=["status"])
    event_record(actor=actor, target=group, verb="group_status", field="status", old=old, new=group.status)
    return result


@transaction.atomic
def enrolment_finish(*, actor, enrolment: Enrolment) -> Enrolment:
    """Finish one listener of a finished group again (after a retaken assessment or corrected
    attendance): «не завершено» becomes «завершено» when the rules are met now."""
    group = lock_group(enrolment.group)
    enrolment = Enrolment.objects.select_related("person__user", "person__organization").get(pk=enrolment.pk)
    enrolment.group = group
    workflow.check(workflow.enrolment_roles(actor, enrolment), enrolment.status, S.COMPLETED, via="finish")
    if enrolment.status == S.CONFIRMED and group.ends_on > timezone.localdate():
        raise DomainError(f"Обучение идёт до {group.ends_on:%d.%m.%Y}: завершить его можно с этой даты.")
    check = selectors.completion_check(enrolment)
    if not check.ok:
        raise DomainError("Правила завершения не выполнены: " + "; ".join(check.unmet) + ".")
    sessions_total = check.sessions_total
    _finish([enrolment], actor, sessions_total, {enrolment.pk: check.attended})
    return enrolment
