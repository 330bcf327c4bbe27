"""Threaded comments on a route and on its single activities. The teacher, curator, tutor and
mentor of the route see and answer them; each of the others is notified."""

from __future__ import annotations

from django.db import transaction

from cnppm.russian import person_name
from cnppm.services import DomainError, event_record

from .. import workflow
from ..models import Comment, Route, RouteActivity
from ._common import circle_users, roles_for, tell

MAX_LENGTH = 5000


@transaction.atomic
def comment_add(
    *, actor, route: Route, text: str, activity: RouteActivity | None = None, parent: Comment | None = None
) -> Comment:
    if not roles_for(actor, route) & workflow.COMMENTERS:
        raise DomainError(
            "Комментарии к ИОМ пишут педагог, его куратор, тьютор и наставник.", code="forbidden"
        )
    text = (text or "").strip()
    if not text:
        raise DomainError("Комментарий пуст.")
    if len(text) > MAX_LENGTH:
        raise DomainError(f"Комментарий длиннее {MAX_LENGTH} символов.")
    if activity is not None and activity.route_id != route.pk:
        raise DomainError("Мероприятие не из этого ИОМ.")
    if parent is not None:
        if parent.route_id != route.pk:
            raise DomainError("Ответ можно дать только на комментарий этого ИОМ.")
        activity = parent.activity  # a reply stays in its thread
    comment = Comment.objects.create(route=route, activity=activity, parent=parent, author=actor, text=text)
    event_record(actor=actor, target=route, verb="comment_added", new=comment.pk)
    # «от Анны Антоновой»: the author's name in the genitive, as the sentence needs
    person = getattr(actor, "person", None)
    who = person_name(person, "gent", "natural") if person else actor.get_full_name() or actor.username
    about = f" (мероприятие «{activity.title}»)" if activity else ""
    tell(circle_users(route), f"Новый комментарий к ИОМ{about} от {who}", route, exclude=actor)
    return comment
