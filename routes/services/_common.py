"""Helpers shared by the routes services: who is in a route's circle, who signs, notifications."""

from __future__ import annotations

from django.urls import reverse

from cnppm.choices import Role
from cnppm.models import Person, SupportAssignment
from cnppm.services import DomainError, notify

from .. import workflow
from ..models import Route


def circle_users(route: Route, *, roles=("curator", "tutor", "mentor"), include_teacher: bool = True) -> list:
    """Users of the route's teacher and of the teacher's active supporters of the given roles."""
    users = []
    if include_teacher and route.teacher.user_id:
        users.append(route.teacher.user)
    supporters = (
        SupportAssignment.objects.filter(person_id=route.teacher_id, ended_at__isnull=True, role__in=roles)
        .select_related("supporter__user")
        .order_by("role")
    )
    users += [s.supporter.user for s in supporters if s.supporter.user_id]
    return users


def regional_methodist_users(route: Route) -> list:
    region_id = route.teacher.organization.municipality.region_id
    people = Person.objects.filter(
        roles__role=Role.REGIONAL_METHODIST, roles__region_id=region_id, user__isnull=False
    ).select_related("user")
    return [p.user for p in people.distinct()]


def card_url(route: Route) -> str:
    return reverse("routes:card", args=[route.pk])


def tell(users, text: str, route: Route, *, exclude=None) -> int:
    recipients = {u.pk: u for u in users if u is not None and (exclude is None or u.pk != exclude.pk)}
    return notify(recipients=list(recipients.values()), text=text, url=card_url(route))


def require(roles: frozenset[str], allowed: frozenset[str], message: str) -> None:
    if not roles & allowed:
        raise DomainError(workflow.refusal(roles, message), code="forbidden")


def lock(route: Route) -> Route:
    """Re-read the route under a row lock (a double submit sees the first one's result)."""
    return (
        Route.objects.select_for_update()
        .select_related("teacher__organization__municipality")
        .get(pk=route.pk)
    )


def roles_for(actor, route: Route) -> frozenset[str]:
    return workflow.route_roles(actor, route)
