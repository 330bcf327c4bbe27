"""Implementation monitoring: each activity marked done or not done (with the reason) and its
evidence, a link or a file (served only through the scoped evidence view)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cnppm.services import DomainError, event_record

from .. import workflow
from ..choices import ActivityOutcome
from ..models import RouteActivity
from ._common import lock, roles_for

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "doc", "docx", "odt", "xlsx", "pptx", "zip"}


@transaction.atomic
def route_activity_mark(
    *,
    actor,
    activity: RouteActivity,
    outcome: str,
    reason: str = "",
    evidence_url: str = "",
    evidence_file=None,
) -> RouteActivity:
    route = lock(activity.route)
    activity = RouteActivity.objects.select_for_update().get(pk=activity.pk)
    if not roles_for(actor, route) & workflow.IMPLEMENTATION_MARKERS:
        raise DomainError(
            "Отметку о выполнении ставят педагог, его куратор, тьютор или наставник.", code="forbidden"
        )
    if route.status not in workflow.IMPLEMENTATION_STATUSES:
        raise DomainError("Отметки о выполнении ставятся после утверждения ИОМ, во время его реализации.")
    if outcome not in ActivityOutcome.values:
        raise DomainError("Выберите отметку: выполнено или не выполнено.")
    today = timezone.localdate()
    if outcome == ActivityOutcome.DONE and activity.starts_on and activity.starts_on > today:
        # Done before it began is a mistake (or a wrong date): the date must be corrected first.
        raise DomainError(
            f"Мероприятие «{activity.title}» начинается {activity.starts_on:%d.%m.%Y}: отметить его "
            "выполненным можно не раньше даты начала. Если даты изменились, сначала исправьте их в плане."
        )
    reason = (reason or "").strip()
    if outcome == ActivityOutcome.NOT_DONE and not reason:
        raise DomainError("Укажите причину невыполнения.")
    if evidence_file is not None:
        name = getattr(evidence_file, "name", "") or ""
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in EVIDENCE_EXTENSIONS:
            raise DomainError(
                "Файл подтверждения: допустимы PDF, изображения, документы Word/ODT, XLSX, PPTX, ZIP."
            )
        if evidence_file.size > MAX_EVIDENCE_BYTES:
            raise DomainError("Файл подтверждения больше 10 МБ.")
    old = activity.outcome
    activity.outcome = outcome
    activity.not_done_reason = reason if outcome == ActivityOutcome.NOT_DONE else ""
    fields = ["outcome", "not_done_reason"]
    if evidence_url.strip():
        activity.evidence_url = evidence_url.strip()
        fields.append("evidence_url")
    if evidence_file is not None:
        activity.evidence_file = evidence_file
        fields.append("evidence_file")
    activity.save(update_fields=fields)
    event_record(
        actor=actor,
        target=route,
        verb="route_activity_marked",
        field=str(activity.pk),
        old=old,
        new=outcome,
        comment=reason,
    )
    return activity
