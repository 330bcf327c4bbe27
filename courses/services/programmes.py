"""Programmes and groups: created and changed by the operator of the programme's region."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cnppm import access
from cnppm.russian import with_number
from cnppm.services import DomainError, event_record

from .. import workflow
from ..choices import EnrolmentStatus, GroupStatus, ProgrammeStatus
from ..models import Enrolment, Group, GroupSession, Programme
from ._common import lock_group, require_group_roles

PROGRAMME_FIELDS = (
    "title",
    "kind",
    "description",
    "hours",
    "form",
    "for_high_deficit",
    "for_medium_deficit",
    "for_minimal_deficit",
    "provider_level",
    "provider_organization",
    "provider_name",
    "in_federal_registry",
    "registry_number",
    "document_kind",
    "min_attendance_percent",
    "requires_assessment",
)
GROUP_FIELDS = ("name", "starts_on", "ends_on", "capacity", "place", "link", "organiser")


def _require_operator(actor, region_id: int) -> None:
    if not access.has_role(actor, "operator") or region_id not in access.region_ids_for_write(actor):
        raise DomainError("Программы и группы ведёт оператор ЦНППМ своего региона.", code="forbidden")


def _validate_programme(data: dict) -> None:
    if not (data.get("title") or "").strip():
        raise DomainError("Укажите название программы.")
    if not data.get("hours") or int(data["hours"]) < 1:
        raise DomainError("Укажите объём программы в часах (не меньше 1).")
    if int(data.get("min_attendance_percent") or 0) > 100:
        raise DomainError("Доля посещённых занятий не может быть больше 100 %.")
    if (data.get("provider_level") or "centre") != "centre" and not (
        (data.get("provider_name") or "").strip() or data.get("provider_organization")
    ):
        raise DomainError("Укажите организацию-исполнитель программы.")


@transaction.atomic
def programme_save(*, actor, data: dict, programme: Programme | None = None, region=None) -> Programme:
    """Create (in the actor's region, or `region`) or change a programme, with its competences and
    subjects (`data["competences"]`, `data["subjects"]`: iterables of objects or ids)."""
    _validate_programme(data)
    if programme is None:
        region = region or access.write_region(actor)
        _require_operator(actor, region.pk)
        programme = Programme(region=region, created_by=actor if actor.pk else None)
        verb = "programme_created"
    else:
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        _require_operator(actor, programme.region_id)
        verb = "programme_updated"
    for name in PROGRAMME_FIELDS:
        if name in data:
            setattr(programme, name, data[name])
    programme.title = programme.title.strip()
    programme.save()
    if "competences" in data:
        programme.competences.set(data["competences"])
    if "subjects" in data:
        programme.subjects.set(data["subjects"])
    event_record(actor=actor, target=programme, verb=verb, new=programme.title)
    return programme


@transaction.atomic
def programme_set_status(*, actor, programme: Programme, status: str) -> Programme:
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_operator(actor, programme.region_id)
    if status not in ProgrammeStatus.values:
        raise DomainError("Неизвестный статус программы.")
    old = programme.status
    if old == status:
        return programme
    programme.status = status
    programme.save(update_fields=["status", "updated_at"])
    event_record(actor=actor, target=programme, verb="programme_status", field="status", old=old, new=status)
    return programme


def _validate_group(data: dict) -> None:
    if not (data.get("name") or "").strip():
        raise DomainError("Укажите название группы.")
    if not data.get("starts_on") or not data.get("ends_on"):
        raise DomainError("Укажите даты начала и окончания обучения.")
    if data["ends_on"] < data["starts_on"]:
        raise DomainError("Дата окончания обучения раньше даты начала.")
    if not data.get("capacity") or int(data["capacity"]) < 1:
        raise DomainError("Укажите число мест в группе (не меньше 1).")


@transaction.atomic
def group_save(*, actor, data: dict, programme: Programme | None = None, group: Group | None = None) -> Group:
    """Create a group of `programme` or change `group` (dates, capacity, place, link, organiser,
    teachers). Raising the capacity promotes people from the waiting list; lowering it below the
    people already enrolled is refused."""
    from .enrolment import seats_taken, waitlist_promote

    _validate_group(data)
    if group is None:
        if programme is None:
            raise DomainError("Укажите программу группы.")
        _require_operator(actor, programme.region_id)
        if programme.status == ProgrammeStatus.ARCHIVED:
            raise DomainError("Программа в архиве: новые группы по ней не открываются.")
        group = Group(programme=programme, created_by=actor if actor.pk else None)
        verb = "group_created"
    else:
        group = lock_group(group)
        _require_operator(actor, group.programme.region_id)
        taken = seats_taken(group)
        if int(data["capacity"]) < taken:
            raise DomainError(
                f"В группе уже зачислено {taken}: мест не может быть меньше. Сначала отчислите лишних."
            )
        verb = "group_updated"
    for name in GROUP_FIELDS:
        if name in data:
            setattr(group, name, data[name])
    group.name = group.name.strip()
    group.save()
    if "teachers" in data:
        group.teachers.set(data["teachers"])
    event_record(actor=actor, target=group, verb=verb, new=str(group))
    if verb == "group_updated":
        waitlist_promote(actor=actor, group=group)
    return group


@transaction.atomic
def group_set_status(*, actor, group: Group, status: str) -> Group:
    """Start the teaching (recruiting → running) or cancel the group; finishing is
    courses.services.completion.group_finish."""
    group = lock_group(group)
    require_group_roles(
        actor,
        group,
        frozenset({"operator", "organiser"}),
        "Состояние группы меняет оператор ЦНППМ или организатор курса.",
    )
    allowed = {
        GroupStatus.RECRUITING: {GroupStatus.RUNNING, GroupStatus.CANCELLED},
        GroupStatus.RUNNING: {GroupStatus.CANCELLED},
    }
    if status not in allowed.get(group.status, set()):
        raise DomainError(
            f"Группу в состоянии «{GroupStatus(group.status).label}» нельзя перевести в «{GroupStatus(status).label}»."
        )
    old = group.status
    group.status = status
    group.save(update_fields=["status"])
    event_record(actor=actor, target=group, verb="group_status", field="status", old=old, new=status)
    return group


# Sessions of a finished or cancelled group are the schedule its outcome was decided on.
CLOSED_STATUSES = (GroupStatus.FINISHED, GroupStatus.CANCELLED)
SESSION_FIELDS = ("date", "starts_at", "ends_at", "topic", "hours", "place")
# How messages and event rows name a session's fields.
SESSION_LABELS = {
    "date": "дата",
    "starts_at": "время начала",
    "ends_at": "время окончания",
    "topic": "тема",
    "hours": "часы",
    "place": "место или ссылка",
}
SCHEDULE_REFUSED = "Расписание ведёт оператор ЦНППМ или организатор курса."


def _require_schedule_open(actor, group: Group) -> None:
    require_group_roles(actor, group, workflow.MANAGERS, SCHEDULE_REFUSED)
    if group.status in CLOSED_STATUSES:
        raise DomainError(
            f"Группа «{group.name}»: {GroupStatus(group.status).label}. Расписание больше не меняется."
        )


def _validate_session(group: Group, data: dict) -> None:
    if not data.get("date"):
        raise DomainError("Укажите дату занятия.")
    if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
        raise DomainError("Занятие заканчивается раньше, чем начинается.")
    if not group.starts_on <= data["date"] <= group.ends_on:
        raise DomainError(
            f"Дата занятия вне сроков обучения группы ({group.starts_on:%d.%m.%Y} – {group.ends_on:%d.%m.%Y})."
        )


def _shown(name: str, value) -> str:
    """A session's field as the event row keeps it (what a person reads in the history)."""
    if value in (None, ""):
        return "—"
    if name == "date":
        return f"{value:%d.%m.%Y}"
    if name in ("starts_at", "ends_at"):
        return f"{value:%H:%M}"
    return str(value)


def _summary(session: GroupSession, names=SESSION_FIELDS) -> str:
    return "; ".join(f"{SESSION_LABELS[n]}: {_shown(n, getattr(session, n))}" for n in names)


def _session_locked(session: GroupSession, group: Group) -> GroupSession:
    try:
        return GroupSession.objects.get(pk=session.pk, group=group)
    except GroupSession.DoesNotExist:
        raise DomainError("Этого занятия уже нет в расписании группы. Обновите страницу.") from None


@transaction.atomic
def session_save(*, actor, group: Group, data: dict) -> GroupSession:
    """Add a session to the group's schedule (numbered next); changes are session_update."""
    group = lock_group(group)
    _require_schedule_open(actor, group)
    _validate_session(group, data)
    last = group.sessions.order_by("-number").values_list("number", flat=True).first() or 0
    session = GroupSession(group=group, number=last + 1)
    for name in SESSION_FIELDS:
        if name in data:
            setattr(session, name, data[name])
    session.save()
    event_record(
        actor=actor, target=group, verb="session_saved", field=str(session.number), new=str(session.date)
    )
    return session


@transaction.atomic
def session_update(*, actor, session: GroupSession, data: dict) -> list[str]:
    """Change a session of the schedule (date, time, topic, hours, place or link). Returns the names
    of the fields that changed: none, and nothing is written (no save, no event row). A session whose
    attendance is marked keeps a past date: attendance is only marked for sessions that took place."""
    group = lock_group(session.group)
    _require_schedule_open(actor, group)
    # Re-read under the group's lock: a bound model form has already written its input into the
    # instance it was given.
    session = _session_locked(session, group)
    merged = {name: data.get(name, getattr(session, name)) for name in SESSION_FIELDS}
    merged["topic"] = (merged["topic"] or "").strip()
    merged["place"] = (merged["place"] or "").strip()
    _validate_session(group, merged)
    changed = [name for name in SESSION_FIELDS if merged[name] != getattr(session, name)]
    if not changed:
        return []
    if "date" in changed and merged["date"] > timezone.localdate() and session.attendance.exists():
        raise DomainError(
            f"По занятию {session.number} уже отмечена посещаемость: перенести его на будущую дату "
            f"({merged['date']:%d.%m.%Y}) нельзя."
        )
    old = _summary(session, changed)
    for name in changed:
        setattr(session, name, merged[name])
    session.save(update_fields=changed)
    event_record(
        actor=actor,
        target=group,
        verb="session_updated",
        field=str(session.number),
        old=old,
        new=_summary(session, changed),
    )
    return changed


@transaction.atomic
def session_delete(*, actor, session: GroupSession, confirm_attendance: bool = False) -> int:
    """Remove a session from the schedule, with its attendance marks. Returns the number of marks
    removed. The completion rules count the share of the sessions left (courses.selectors
    .completion_check counts the group's sessions and the listener's marks as they are), so:
    - marks of the course teachers are lost with the session: without `confirm_attendance` that is
      a question (code "confirm_attendance"), not a deletion;
    - once a listener's training is completed or not by this schedule, the schedule it was decided
      on stays (a finished or cancelled group's, and a single listener completed early)."""
    group = lock_group(session.group)
    _require_schedule_open(actor, group)
    session = _session_locked(session, group)
    decided = Enrolment.objects.filter(
        group=group, status__in=(EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
    ).count()
    if decided:
        raise DomainError(
            f"Итог обучения уже подведён у {with_number(decided, 'слушатель', 'gent')} группы: доля "
            "посещённых занятий считалась по этому расписанию, удалить занятие нельзя."
        )
    marks = session.attendance.count()
    if marks and not confirm_attendance:
        raise DomainError(
            f"По занятию {session.number} ({session.date:%d.%m.%Y}) уже отмечена посещаемость "
            f"({with_number(marks, 'отметка', 'nomn')}): при удалении отметки будут стёрты, а доля "
            "посещённых занятий слушателей будет считаться по оставшимся занятиям. "
            "Подтвердите удаление вместе с отметками.",
            code="confirm_attendance",
        )
    number, old = session.number, _summary(session)
    session.delete()
    event_record(
        actor=actor,
        target=group,
        verb="session_deleted",
        field=str(number),
        old=old,
        comment=f"удалено отметок посещаемости: {marks}" if marks else "",
    )
    return marks
