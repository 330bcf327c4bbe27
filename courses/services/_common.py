"""Helpers shared by the courses services."""

from __future__ import annotations

from cnppm.services import DomainError

from .. import workflow
from ..models import Group


def lock_group(group: Group) -> Group:
    """Re-read the group under a row lock: every change of its seats (confirming, promoting,
    cancelling, bulk enrolment) is serialized on this row, so two requests never take the last seat
    twice."""
    return Group.objects.select_for_update().select_related("programme").get(pk=group.pk)


def require_group_roles(actor, group: Group, allowed: frozenset[str], message: str) -> frozenset[str]:
    roles = workflow.group_roles(actor, group)
    if not roles & allowed:
        raise DomainError(message, code="forbidden")
    return roles
