"""Appendix 1, the corrections log: every change of an approved route is recorded with its reason
and who made it, signed by the regional methodist and acknowledged by the teacher."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cnppm import access
from cnppm.models import Person
from cnppm.services import DomainError, event_record

from .. import workflow
from ..models import Correction, Route
from ._common import regional_methodist_users, roles_for, tell


def correction_record(*, actor, route: Route, reason: str, description: str) -> Correction:
    """Write a correction row; called inside the transaction of the change it records. A change
    the teacher made is acknowledged by them at once; others wait for the teacher."""
    is_teacher = access.scope_of(actor).person_id == route.teacher_id
    correction = Correction.objects.create(
        route=route,
        reason=reason.strip(),
        description=description,
        author=actor,
        acknowledged_at=timezone.now() if is_teacher else None,
    )
    event_record(actor=actor, target=route, verb="route_corrected", new=description, comment=reason.strip())
    tell(
        regional_methodist_users(route),
        "Корректировка ИОМ ждёт подписи регионального методиста",
        route,
        exclude=actor,
    )
    if not is_teacher:
        tell([route.teacher.user], "В ваш ИОМ внесена корректировка: ознакомьтесь", route)
    return correction


def _get(correction: Correction) -> Correction:
    return (
        Correction.objects.select_for_update()
        .select_related("route__teacher__organization__municipality")
        .get(pk=correction.pk)
    )


@transaction.atomic
def correction_sign(*, actor, correction: Correction) -> Correction:
    correction = _get(correction)
    roles = roles_for(actor, correction.route)
    if not roles & workflow.CORRECTION_SIGNERS:
        raise DomainError(
            workflow.refusal(roles, "Корректировки ИОМ подписывает региональный методист."), code="forbidden"
        )
    if correction.signed_by_id:
        raise DomainError("Корректировка уже подписана.")
    correction.signed_by = Person.objects.get(pk=access.scope_of(actor).person_id)
    correction.save(update_fields=["signed_by"])
    event_record(actor=actor, target=correction.route, verb="correction_signed", new=correction.pk)
    return correction


@transaction.atomic
def correction_acknowledge(*, actor, correction: Correction) -> Correction:
    correction = _get(correction)
    if workflow.TEACHER not in roles_for(actor, correction.route):
        raise DomainError("С корректировкой знакомится педагог, чей это ИОМ.", code="forbidden")
    if correction.acknowledged_at:
        return correction  # a double click acknowledges once
    correction.acknowledged_at = timezone.now()
    correction.save(update_fields=["acknowledged_at"])
    event_record(actor=actor, target=correction.route, verb="correction_acknowledged", new=correction.pk)
    return correction
