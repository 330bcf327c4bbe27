"""Enrolment: a teacher asks from an approved ИОМ activity, the operator or the organiser confirms
or waitlists; the operator enrols a list at once. Capacity holds under concurrency: every change of
seats locks the group row first (`_common.lock_group`). A freed seat goes to the waiting list."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cnppm.russian import with_number
from cnppm.services import DomainError, notify
from routes import workflow as route_workflow

from .. import workflow
from ..choices import SEAT_STATUSES, EnrolmentSource, EnrolmentStatus, GroupStatus, ProgrammeStatus
from ..models import Enrolment, EnrolmentEvent, Group
from ._common import lock_group, require_group_roles

S = EnrolmentStatus
PENDING = (S.REQUESTED, S.CONFIRMED, S.WAITLISTED)


def seats_taken(group: Group) -> int:
    return group.enrolments.filter(status__in=SEAT_STATUSES).count()


def full_message(group: Group) -> str:
    return (
        f"В группе «{group.name}» нет свободных мест (всего мест: {group.capacity}). "
        "Поставьте заявку в лист ожидания: когда место освободится, слушатели из листа ожидания "
        "будут зачислены по очереди."
    )


def _event(enrolment: Enrolment, actor, old: str, new: str, comment: str = "") -> None:
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=old,
        to_status=new,
        comment=comment,
    )


def _tell(enrolment: Enrolment, text: str) -> None:
    if enrolment.person.user_id:
        notify(recipients=[enrolment.person.user], text=text, url=reverse("courses:my"))


def _move(enrolment: Enrolment, actor, target: str, comment: str = "") -> Enrolment:
    old = enrolment.status
    enrolment.status = target
    fields = ["status"]
    now = timezone.now()
    if target == S.CONFIRMED:
        enrolment.confirmed_at = now
        fields.append("confirmed_at")
    if target == S.WAITLISTED:
        enrolment.waitlisted_at = now
        fields.append("waitlisted_at")
    if target in (S.COMPLETED, S.NOT_COMPLETED):
        enrolment.finished_at = now
        fields.append("finished_at")
    enrolment.save(update_fields=fields)
    _event(enrolment, actor, old, target, comment)
    return enrolment


def _active_in_programme(person_id: int, programme_id: int):
    return Enrolment.objects.filter(person_id=person_id, group__programme_id=programme_id, status__in=PENDING)


@transaction.atomic
def enrolment_request(*, actor, route_activity, group: Group) -> Enrolment:
    """The teacher asks to join `group` for an activity of their approved ИОМ that points (through
    the catalogue) to the group's programme. The request waits for the operator or the organiser."""
    group = lock_group(group)
    route = route_activity.route
    person = route.teacher
    if person.user_id != getattr(actor, "pk", None):
        raise DomainError("Заявку на курс из ИОМ подаёт сам педагог.", code="forbidden")
    if route.status not in route_workflow.IMPLEMENTATION_STATUSES:
        raise DomainError("Записаться на курс из ИОМ можно после утверждения ИОМ.")
    catalogue = route_activity.catalogue_activity
    if catalogue is None or catalogue.programme_id != group.programme_id:
        raise DomainError("Это мероприятие ИОМ не относится к программе выбранной группы.")
    if group.programme.status != ProgrammeStatus.OPEN or group.status != GroupStatus.RECRUITING:
        raise DomainError(f"Набор в группу «{group.name}» закрыт. Выберите другую группу.")
    existing = _active_in_programme(person.pk, group.programme_id).select_related("group").first()
    if existing is not None:
        raise DomainError(
            f"Вы уже записаны на эту программу: группа «{existing.group.name}», "
            f"статус «{existing.get_status_display()}»."
        )
    enrolment = Enrolment.objects.create(
        group=group,
        person=person,
        status=S.REQUESTED,
        source=EnrolmentSource.ROUTE,
        route_activity=route_activity,
        created_by=actor,
    )
    _event(enrolment, actor, "", S.REQUESTED, f"Из ИОМ: «{route_activity.title}»")
    recipients = [p.user for p in [group.organiser] if p is not None and p.user_id]
    notify(
        recipients=recipients,
        text=f"Новая заявка на курс «{group.programme.title}», группа «{group.name}»: {person.short_name}.",
        url=reverse("courses:group", args=[group.pk]),
    )
    return enrolment


@transaction.atomic
def enrolment_transition(*, actor, enrolment: Enrolment, to_status: str, comment: str = "") -> Enrolment:
    """Confirm, waitlist or cancel an enrolment (the map in courses/workflow.py). Confirming needs a
    free seat; cancelling a confirmed enrolment frees one for the waiting list."""
    group = lock_group(enrolment.group)
    enrolment = Enrolment.objects.select_related("person__user", "group__programme").get(pk=enrolment.pk)
    enrolment.group = group
    roles = workflow.enrolment_roles(actor, enrolment)
    workflow.check(roles, enrolment.status, to_status)
    if to_status == S.CONFIRMED and seats_taken(group) >= group.capacity:
        raise DomainError(full_message(group))
    was_seated = enrolment.status in SEAT_STATUSES
    _move(enrolment, actor, to_status, comment.strip())
    label = S(to_status).label
    _tell(enrolment, f"Курс «{group.programme.title}», группа «{group.name}»: {label}.")
    if was_seated and to_status == S.CANCELLED:
        waitlist_promote(actor=actor, group=group)
    return enrolment


def waitlist_promote(*, actor, group: Group) -> list[Enrolment]:
    """Give the free seats to the waiting list, first come first served. Call it inside the
    transaction that freed the seats, with the group row locked (`lock_group`)."""
    free = group.capacity - seats_taken(group)
    if free <= 0:
        return []
    waiting = (
        Enrolment.objects.filter(group=group, status=S.WAITLISTED)
        .select_related("person__user")
        .order_by("waitlisted_at", "id")[:free]
    )
    promoted = []
    for enrolment in waiting:
        _move(enrolment, actor, S.CONFIRMED, "Место освободилось: зачислен из листа ожидания.")
        _tell(
            enrolment,
            f"Освободилось место: вы зачислены на курс «{group.programme.title}», группа «{group.name}».",
        )
        promoted.append(enrolment)
    return promoted


@transaction.atomic
def enrolment_bulk_add(*, actor, group: Group, people: Iterable, waitlist_overflow: bool = False) -> dict:
    """The operator (or the organiser) enrols a list of people: all confirmed while seats last; the
    rest go to the waiting list only if asked (`waitlist_overflow`), otherwise nothing is written and
    the message says how many seats are left. People already in the programme are refused by name."""
    group = lock_group(group)
    require_group_roles(
        actor, group, workflow.MANAGERS, "Зачисляет списком оператор ЦНППМ или организатор курса."
    )
    if group.status not in (GroupStatus.RECRUITING, GroupStatus.RUNNING):
        raise DomainError(f"Группа «{group.name}» {GroupStatus(group.status).label}: зачислять в неё нельзя.")
    people = list(dict.fromkeys(people))
    if not people:
        raise DomainError("Список пуст: выберите хотя бы одного человека.")
    taken = {
        e.person_id: e
        for e in Enrolment.objects.filter(
            person__in=people, group__programme_id=group.programme_id, status__in=PENDING
        ).select_related("group")
    }
    if taken:
        names = "; ".join(
            f"{p.short_name} (группа «{taken[p.pk].group.name}»)" for p in people if p.pk in taken
        )
        raise DomainError(f"Уже записаны на эту программу: {names}. Уберите их из списка.")
    free = max(group.capacity - seats_taken(group), 0)
    if len(people) > free and not waitlist_overflow:
        raise DomainError(
            f"В группе «{group.name}» свободно {with_number(free, 'место')}, а в списке "
            f"{with_number(len(people), 'слушатель')}. Сократите список или отметьте «остальных — в лист ожидания»."
        )
    now = timezone.now()
    result = {"confirmed": [], "waitlisted": []}
    for i, person in enumerate(people):
        status = S.CONFIRMED if i < free else S.WAITLISTED
        enrolment = Enrolment.objects.create(
            group=group,
            person=person,
            status=status,
            source=EnrolmentSource.OPERATOR,
            created_by=actor,
            confirmed_at=now if status == S.CONFIRMED else None,
            waitlisted_at=now if status == S.WAITLISTED else None,
        )
        _event(enrolment, actor, "", status, "Зачислен списком")
        result[str(status)].append(enrolment)
    notify(
        recipients=[p.user for p in people if p.user_id],
        text=f"Вы записаны на курс «{group.programme.title}», группа «{group.name}».",
        url=reverse("courses:my"),
    )
    return result
