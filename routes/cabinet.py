"""The routes panel of the personal cabinet: the teacher's own route (status, uncovered deficits,
corrections to acknowledge) and, for curators, the routes waiting for their review."""

from __future__ import annotations

from cnppm import access
from diagnostics.choices import InstrumentKind

from . import selectors
from .choices import RouteStatus
from .models import Correction, Route


def panels(request) -> list[dict]:
    user = request.user
    scope = access.scope_of(user)
    if scope.person_id is None:
        return []
    context: dict = {}
    if "teacher" in scope.roles:
        route = (
            selectors.routes_with_flags(Route.objects.filter(teacher_id=scope.person_id))
            .exclude(status=RouteStatus.CANCELLED)
            .order_by("-academic_year")
            .first()
        )
        context["route"] = route
        if route is None:
            from cnppm.models import Person

            person = Person.objects.get(pk=scope.person_id)
            context["can_create"] = selectors.latest_final_attempt(person, InstrumentKind.ENTRY) is not None
        else:
            context["to_acknowledge"] = Correction.objects.filter(
                route=route, acknowledged_at__isnull=True
            ).count()
    if "curator" in scope.roles:
        assigned = access.restrict(user, Route.objects.all()).filter(
            teacher__support_assignments__supporter_id=scope.person_id,
            teacher__support_assignments__role="curator",
            teacher__support_assignments__ended_at__isnull=True,
        )
        context["to_review"] = assigned.filter(status=RouteStatus.SUBMITTED).count()
        context["curator"] = True
    if not context:
        return []
    return [{"template": "routes/_cabinet_panel.html", "context": context}]
