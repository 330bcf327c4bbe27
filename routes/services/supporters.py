"""Supporter profiles: the operator sets what kind of curator or tutor a person is and which subject
areas they support (what the assignment of curators and tutors matches the teacher's subjects with)."""

from __future__ import annotations

from django.db import transaction

from cnppm import access
from cnppm.choices import SupportKind
from cnppm.models import RoleAssignment, Subject
from cnppm.services import DomainError, event_record


def _names(subjects) -> str:
    return ", ".join(sorted(s.name for s in subjects))


@transaction.atomic
def supporter_profile_update(
    *, actor, profile: RoleAssignment, support_kind: str, subjects: list[Subject]
) -> RoleAssignment:
    """Change a curator's or tutor's kind and subject areas; the change is recorded (old → new)."""
    try:
        profile = access.supporter_profiles(actor).select_for_update().get(pk=profile.pk)
    except RoleAssignment.DoesNotExist:
        raise DomainError("Профиль сопровождающего не найден или вне вашей области доступа.") from None
    if support_kind not in SupportKind.values:
        raise DomainError("Выберите вид сопровождающего: сотрудник ЦНППМ, по договору ГПХ или муниципальный.")
    if not subjects:
        raise DomainError("Отметьте хотя бы одну предметную область сопровождения.")
    old_subjects = list(profile.subjects.all())
    if profile.support_kind != support_kind:
        event_record(
            actor=actor,
            target=profile.person,
            verb="supporter_profile_updated",
            field="support_kind",
            old=profile.support_kind,
            new=support_kind,
        )
        profile.support_kind = support_kind
        profile.save(update_fields=["support_kind"])
    if {s.pk for s in old_subjects} != {s.pk for s in subjects}:
        event_record(
            actor=actor,
            target=profile.person,
            verb="supporter_profile_updated",
            field="subjects",
            old=_names(old_subjects),
            new=_names(subjects),
        )
        profile.subjects.set(subjects)
    return profile
