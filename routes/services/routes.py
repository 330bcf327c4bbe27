"""Route cards: creation (snapshots of section 1 and 2), edits of the draft, the activities, the
workflow moves, the curator's review and the final conclusions."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from cnppm import access
from cnppm.models import Person
from cnppm.russian import person_name, with_number
from cnppm.services import DomainError, event_record
from diagnostics.choices import InstrumentKind

from .. import selectors, workflow
from ..choices import ActivityFormat, ActivityKind, ActivityLevel, ActivityOutcome, RouteStatus, Verdict
from ..models import Activity, Route, RouteActivity, RouteEvent, RouteReview
from ._common import circle_users, lock, regional_methodist_users, require, roles_for, tell
from .corrections import correction_record

S = RouteStatus


def _write_event(*, route: Route, actor, old: str, new: str, comment: str = "") -> RouteEvent:
    return RouteEvent.objects.create(
        route=route, actor=actor, from_status=old, to_status=new, comment=comment
    )


@transaction.atomic
def route_create(*, actor, teacher: Person, academic_year: int) -> Route:
    """Create the card of `teacher` for the academic year, from the latest entry diagnostics.
    The teacher or their assigned curator creates it."""
    if teacher.pk != access.scope_of(actor).person_id and "curator" not in access.support_roles_over(
        actor, teacher.pk
    ):
        raise DomainError("Создать ИОМ может сам педагог или его куратор.", code="forbidden")
    if (
        Route.objects.filter(teacher=teacher, academic_year=academic_year)
        .exclude(status=S.CANCELLED)
        .exists()
    ):
        raise DomainError(f"ИОМ на {academic_year}/{academic_year + 1} учебный год уже создан.")
    attempt = selectors.latest_final_attempt(teacher, InstrumentKind.ENTRY)
    if attempt is None:
        raise DomainError("ИОМ составляется по результатам входной диагностики: результатов пока нет.")
    teacher = Person.objects.select_related("organization__municipality__region").get(pk=teacher.pk)
    try:
        with transaction.atomic():
            route = Route.objects.create(
                teacher=teacher,
                academic_year=academic_year,
                organization=teacher.organization,
                entry_attempt=attempt,
                profile_snapshot=selectors.profile_snapshot(teacher),
                diagnostics_snapshot=selectors.diagnostics_rows(attempt),
                status=S.DRAFT,
            )
    except IntegrityError:
        raise DomainError(f"ИОМ на {academic_year}/{academic_year + 1} учебный год уже создан.") from None
    _write_event(route=route, actor=actor, old="", new=S.DRAFT, comment="ИОМ создан")
    return route


def _change_mode(actor, route: Route, reason: str) -> bool:
    """Check the actor may change the card now. True when the change is a correction (after
    approval), which needs a reason and goes into Appendix 1."""
    roles = roles_for(actor, route)
    if route.status in workflow.EDITABLE_BY_TEACHER:
        require(roles, frozenset({workflow.TEACHER}), "Черновик ИОМ редактирует сам педагог.")
        return False
    if route.status in workflow.CORRECTABLE:
        require(
            roles,
            workflow.CORRECTION_AUTHORS,
            "Изменения утверждённого ИОМ вносят педагог, куратор или региональный методист.",
        )
        if not (reason or "").strip():
            raise DomainError("ИОМ утверждён: изменение вносится как корректировка, укажите её причину.")
        return True
    raise DomainError(f"ИОМ в статусе «{route.get_status_display()}» изменить нельзя.")


@transaction.atomic
def route_update(
    *,
    actor,
    route: Route,
    educational_tasks: str,
    final_event_title: str,
    final_event_level: str,
    final_event_starts_on: date | None,
    final_event_ends_on: date | None,
    approval: dict | None = None,
    reason: str = "",
) -> Route:
    """Edit the card's text sections: educational tasks, final public event, approval block."""
    route = lock(route)
    correction = _change_mode(actor, route, reason)
    if final_event_level and final_event_level not in ActivityLevel.values:
        raise DomainError("Неизвестный уровень итогового мероприятия.")
    if final_event_starts_on and final_event_ends_on and final_event_ends_on < final_event_starts_on:
        raise DomainError("Окончание итогового мероприятия раньше его начала.")
    fields = {
        "educational_tasks": educational_tasks.strip(),
        "final_event_title": final_event_title.strip(),
        "final_event_level": final_event_level,
        "final_event_starts_on": final_event_starts_on,
        "final_event_ends_on": final_event_ends_on,
    }
    if approval is not None:
        fields["approval"] = approval
    changed = [name for name, value in fields.items() if getattr(route, name) != value]
    if not changed:
        return route
    labels = {name: Route._meta.get_field(name).verbose_name for name in changed}
    for name in changed:
        event_record(
            actor=actor,
            target=route,
            verb="route_updated",
            field=name,
            old=getattr(route, name),
            new=fields[name],
        )
        setattr(route, name, fields[name])
    route.save(update_fields=[*changed, "updated_at"])
    if correction:
        correction_record(
            actor=actor,
            route=route,
            reason=reason,
            description="Изменено: " + ", ".join(map(str, labels.values())),
        )
    return route


def _activity_fields_check(*, title: str, level: str, starts_on, ends_on) -> None:
    if not title.strip():
        raise DomainError("Укажите название мероприятия.")
    if level and level not in ActivityLevel.values:
        raise DomainError("Неизвестный уровень мероприятия.")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError("Дата окончания мероприятия раньше даты начала.")


@transaction.atomic
def route_activity_add_from_catalogue(
    *, actor, route: Route, activity: Activity, result_form: str = "", reason: str = ""
) -> RouteActivity:
    """Add a catalogue activity to the route (the teacher picks it from the recommendations)."""
    route = lock(route)
    correction = _change_mode(actor, route, reason)
    if not activity.is_active:
        raise DomainError("Это мероприятие больше не доступно для выбора.")
    if activity.ends_on and activity.ends_on < timezone.localdate():
        raise DomainError("Мероприятие уже прошло; выберите текущее или предстоящее.")
    if (
        activity.level == ActivityLevel.MUNICIPAL
        and activity.municipality_id
        and activity.municipality_id != route.teacher.organization.municipality_id
    ):
        raise DomainError("Это муниципальное мероприятие другого муниципалитета.")
    if route.activities.filter(catalogue_activity=activity).exists():
        raise DomainError("Это мероприятие уже есть в маршруте.")
    ra = RouteActivity.objects.create(
        route=route,
        catalogue_activity=activity,
        title=activity.title,
        kind=activity.kind,
        level=activity.level,
        format=activity.format,
        organizer=activity.organizer,
        starts_on=activity.starts_on,
        ends_on=activity.ends_on,
        result_form=result_form.strip() or _default_result_form(activity.kind),
        order=_next_order(route),
    )
    ra.competences.set(activity.competences.all())
    event_record(actor=actor, target=route, verb="route_activity_added", new=ra.title)
    if correction:
        correction_record(
            actor=actor, route=route, reason=reason, description=f"Добавлено мероприятие «{ra.title}»"
        )
    return ra


def _default_result_form(kind: str) -> str:
    return {
        ActivityKind.QUALIFICATION: "удостоверение о повышении квалификации",
        ActivityKind.RETRAINING: "диплом о профессиональной переподготовке",
        ActivityKind.INTERNSHIP: "отчёт о стажировке",
        ActivityKind.OPEN_LESSON: "конспект открытого урока",
        ActivityKind.MASTER_CLASS: "методическая разработка",
    }.get(kind, "сертификат участника")


def _next_order(route: Route) -> int:
    # Removed activities count too: a number, once given, is never given again.
    last = (
        RouteActivity.all_objects.filter(route=route)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    return (last or 0) + 1


@transaction.atomic
def route_activity_add_manual(
    *,
    actor,
    route: Route,
    title: str,
    competences,
    level: str,
    organizer: str,
    starts_on: date | None,
    ends_on: date | None,
    result_form: str,
    kind: str = "",
    format: str = "",
    reason: str = "",
) -> RouteActivity:
    """Add an activity typed in by hand (a school-level event, self-study …)."""
    route = lock(route)
    correction = _change_mode(actor, route, reason)
    _activity_fields_check(title=title, level=level, starts_on=starts_on, ends_on=ends_on)
    if kind and kind not in ActivityKind.values:
        raise DomainError("Неизвестный вид мероприятия.")
    if format and format not in ActivityFormat.values:
        raise DomainError("Неизвестный формат мероприятия.")
    competences = list(competences)
    if not competences:
        raise DomainError("Отметьте хотя бы одну формируемую компетенцию.")
    ra = RouteActivity.objects.create(
        route=route,
        title=title.strip(),
        kind=kind,
        level=level,
        format=format,
        organizer=organizer.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        result_form=result_form.strip(),
        order=_next_order(route),
    )
    ra.competences.set(competences)
    event_record(actor=actor, target=route, verb="route_activity_added", new=ra.title)
    if correction:
        correction_record(
            actor=actor, route=route, reason=reason, description=f"Добавлено мероприятие «{ra.title}»"
        )
    return ra


@transaction.atomic
def route_activity_update(
    *,
    actor,
    activity: RouteActivity,
    title: str,
    competences,
    level: str,
    organizer: str,
    starts_on: date | None,
    ends_on: date | None,
    result_form: str,
    reason: str = "",
) -> RouteActivity:
    route = lock(activity.route)
    correction = _change_mode(actor, route, reason)
    _activity_fields_check(title=title, level=level, starts_on=starts_on, ends_on=ends_on)
    competences = list(competences)
    if not competences:
        raise DomainError("Отметьте хотя бы одну формируемую компетенцию.")
    before = {
        "title": activity.title,
        "level": activity.level,
        "organizer": activity.organizer,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "result_form": activity.result_form,
    }
    after = {
        "title": title.strip(),
        "level": level,
        "organizer": organizer.strip(),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "result_form": result_form.strip(),
    }
    changed = [k for k in after if before[k] != after[k]]
    old_competences = set(activity.competences.values_list("pk", flat=True))
    new_competences = {c.pk for c in competences}
    if not changed and old_competences == new_competences:
        return activity
    for k in changed:
        setattr(activity, k, after[k])
    activity.save(update_fields=changed or None)
    activity.competences.set(competences)
    labels = [str(RouteActivity._meta.get_field(k).verbose_name) for k in changed]
    if old_competences != new_competences:
        labels.append("формируемые компетенции")
    event_record(
        actor=actor, target=route, verb="route_activity_updated", old=before["title"], new=", ".join(labels)
    )
    if correction:
        correction_record(
            actor=actor,
            route=route,
            reason=reason,
            description=f"Изменено мероприятие «{activity.title}»: " + ", ".join(labels),
        )
    return activity


@transaction.atomic
def route_activity_remove(*, actor, activity: RouteActivity, reason: str = "") -> None:
    """Take the activity out of the plan. It is marked removed, never deleted: the comments on it
    and the verdicts that name it are other people's records and stay, shown in the route's history."""
    route = lock(activity.route)
    correction = _change_mode(actor, route, reason)
    title = activity.title
    activity.removed_at = timezone.now()
    activity.removed_by = actor
    activity.save(update_fields=["removed_at", "removed_by"])
    event_record(actor=actor, target=route, verb="route_activity_removed", old=title)
    if correction:
        correction_record(
            actor=actor, route=route, reason=reason, description=f"Исключено мероприятие «{title}»"
        )


# --- The workflow -------------------------------------------------------------------------------


def _move(*, actor, route: Route, target: str, comment: str = "") -> Route:
    old = route.status
    route.status = target
    now = timezone.now()
    fields = ["status", "updated_at"]
    if target == S.SUBMITTED and route.submitted_at is None:
        route.submitted_at = now
        fields.append("submitted_at")
    if target == S.APPROVED:
        route.approved_at = now
        fields.append("approved_at")
    if target == S.COMPLETED:
        route.completed_at = now
        fields.append("completed_at")
    route.save(update_fields=fields)
    _write_event(route=route, actor=actor, old=old, new=target, comment=comment)
    return route


def _check_before(route: Route, target: str, *, confirm_planned: bool = False) -> None:
    """What must be true of the card before a move (besides who moves it)."""
    if target == S.COMPLETING and not confirm_planned:
        planned = list(
            route.activities.filter(outcome=ActivityOutcome.PLANNED)
            .order_by("order")
            .values_list("title", flat=True)
        )
        if planned:
            # Not a refusal of the move, a question: the person confirms and the move is recorded.
            raise DomainError(
                f"Нет отметки о выполнении у {with_number(len(planned), 'мероприятие', 'gent')}: "
                + ", ".join(f"«{t}»" for t in planned)
                + ". Отметьте их или подтвердите переход к завершению.",
                code="confirm_planned",
            )
    if target == S.SUBMITTED:
        if not route.activities.exists():
            raise DomainError("Добавьте в маршрут хотя бы одно мероприятие.")
        if not route.educational_tasks.strip():
            raise DomainError("Сформулируйте образовательные задачи маршрута.")
    if target == S.COMPLETED:
        missing = []
        if route.final_attempt_id is None:
            missing.append("итоговая диагностика")
        if not route.conclusions.strip():
            missing.append("выводы")
        if route.conclusions_signed_by_methodist_id is None:
            missing.append("подпись регионального методиста")
        if route.conclusions_signed_by_head_id is None:
            missing.append("подпись руководителя ОО")
        if missing:
            raise DomainError("Завершить ИОМ нельзя: нет — " + ", ".join(missing) + ".")


@transaction.atomic
def route_transition(
    *, actor, route: Route, target: str, comment: str = "", confirm_planned: bool = False
) -> Route:
    """Move the route to `target` if the map allows it for this actor; writes a RouteEvent and
    notifies the route's circle."""
    route = lock(route)
    transition = workflow.find(route.status, target)
    if transition is None:
        raise DomainError(
            f"Из статуса «{route.get_status_display()}» нельзя перейти в «{S(target).label if target in S.values else target}»."
        )
    if transition.via == "review":
        raise DomainError("Утвердить или вернуть ИОМ можно только заключением куратора по итогам экспертизы.")
    roles = roles_for(actor, route)
    require(roles, transition.roles, "У вас нет права на это действие с ИОМ.")
    if transition.needs_comment and not comment.strip():
        raise DomainError("Укажите причину.")
    _check_before(route, target, confirm_planned=confirm_planned)
    comment = comment.strip()
    if target == S.COMPLETING and confirm_planned:
        left = route.activities.filter(outcome=ActivityOutcome.PLANNED).count()
        if left:
            note = f"подтверждён переход при неотмеченных мероприятиях: {left}"
            comment = f"{comment}; {note}" if comment else note
    _move(actor=actor, route=route, target=target, comment=comment)
    # «ИОМ педагога Петрова И. С.»: the name in the genitive, as the sentence needs.
    teacher = route.teacher
    name = person_name(teacher, "gent", "short")
    text = f"ИОМ педагога {name}: {S(target).label}"
    if target == S.SUBMITTED:
        tell(
            circle_users(route, roles=("curator",), include_teacher=False),
            f"ИОМ педагога {name} отправлен на экспертизу",
            route,
        )
    else:
        tell(circle_users(route), text, route, exclude=actor)
    return route


def route_submit(*, actor, route: Route) -> Route:
    return route_transition(actor=actor, route=route, target=S.SUBMITTED)


@transaction.atomic
def route_review(*, actor, route: Route, verdict: str, comment: str = "") -> RouteReview:
    """The curator's verdict on a submitted route: no corrections → approved; minor or major
    revision → returned, with a comment the teacher sees in the review and in the thread."""
    route = lock(route)
    if verdict not in Verdict.values:
        raise DomainError(
            "Выберите заключение: корректировки не требуются, незначительная или существенная доработка."
        )
    roles = roles_for(actor, route)
    require(roles, workflow.REVIEWERS, "Экспертизу ИОМ проводит закреплённый за педагогом куратор.")
    if route.status != S.SUBMITTED:
        raise DomainError(
            f"ИОМ в статусе «{route.get_status_display()}»: экспертиза уже проведена или ИОМ не подан."
        )
    target = workflow.VERDICT_TARGET[verdict]
    if target == S.RETURNED and not comment.strip():
        raise DomainError("При возврате на доработку напишите комментарий: что нужно исправить.")
    review = RouteReview.objects.create(
        route=route,
        curator=Person.objects.get(pk=access.scope_of(actor).person_id),
        verdict=verdict,
        comment=comment.strip(),
    )
    route.verdict = verdict
    route.save(update_fields=["verdict"])
    _move(
        actor=actor,
        route=route,
        target=target,
        comment=f"{Verdict(verdict).label}. {comment.strip()}".strip(),
    )
    if comment.strip():
        from ..models import Comment

        Comment.objects.create(
            route=route,
            author=actor,
            text=f"Заключение куратора: {Verdict(verdict).label}. {comment.strip()}",
        )
    event_record(actor=actor, target=route, verb="route_reviewed", new=verdict, comment=comment.strip())
    tell(circle_users(route), f"Заключение куратора по ИОМ: {Verdict(verdict).label}", route, exclude=actor)
    return review


# --- Appendix 2: final diagnostics and conclusions ---------------------------------------------


@transaction.atomic
def route_conclusions_save(*, actor, route: Route, conclusions: str) -> Route:
    """The curator (or regional methodist) writes the conclusions when the route is completing;
    the latest final diagnostics is attached. Changing the text drops earlier signatures."""
    route = lock(route)
    require(
        roles_for(actor, route),
        workflow.CONCLUSIONS_AUTHORS,
        "Выводы пишет куратор или региональный методист.",
    )
    attempt = selectors.latest_final_attempt(route.teacher, InstrumentKind.FINAL)
    why_not = workflow.conclusions_unavailable(route, has_final_attempt=attempt is not None)
    if why_not:
        raise DomainError(why_not)
    if not conclusions.strip():
        raise DomainError("Напишите выводы.")
    old = route.conclusions
    route.conclusions = conclusions.strip()
    route.final_attempt = attempt
    fields = ["conclusions", "final_attempt", "updated_at"]
    if old != route.conclusions:
        route.conclusions_signed_by_methodist = None
        route.conclusions_signed_by_head = None
        route.conclusions_signed_at = None
        route.conclusions_acknowledged_at = None
        fields += [
            "conclusions_signed_by_methodist",
            "conclusions_signed_by_head",
            "conclusions_signed_at",
            "conclusions_acknowledged_at",
        ]
    route.save(update_fields=fields)
    event_record(
        actor=actor,
        target=route,
        verb="route_conclusions",
        field="conclusions",
        old=old,
        new=route.conclusions,
    )
    tell(
        [route.teacher.user, *regional_methodist_users(route)],
        "Внесены выводы по итогам ИОМ",
        route,
        exclude=actor,
    )
    return route


@transaction.atomic
def route_conclusions_sign(*, actor, route: Route, as_role: str) -> Route:
    """The regional methodist or the school head signs the conclusions (Appendix 2)."""
    route = lock(route)
    field = workflow.CONCLUSIONS_SIGNERS.get(as_role)
    roles = roles_for(actor, route)
    if field is None or as_role not in roles:
        raise DomainError(
            workflow.refusal(roles, "Выводы подписывают региональный методист и руководитель ОО."),
            code="forbidden",
        )
    if not route.conclusions:
        raise DomainError("Выводы ещё не внесены.")
    if getattr(route, f"{field}_id"):
        raise DomainError("Выводы уже подписаны.")
    setattr(route, field, Person.objects.get(pk=access.scope_of(actor).person_id))
    fields = [field, "updated_at"]
    if field == "conclusions_signed_by_methodist":
        # Appendix 2 dates the conclusions above the regional methodist's signature.
        route.conclusions_signed_at = timezone.now()
        fields.append("conclusions_signed_at")
    route.save(update_fields=fields)
    event_record(
        actor=actor,
        target=route,
        verb="route_conclusions_signed",
        field=field,
        new=str(getattr(route, field)),
    )
    return route


@transaction.atomic
def route_conclusions_acknowledge(*, actor, route: Route) -> Route:
    route = lock(route)
    if workflow.TEACHER not in roles_for(actor, route):
        raise DomainError("С выводами знакомится педагог.", code="forbidden")
    if not route.conclusions:
        raise DomainError("Выводы ещё не внесены.")
    if route.conclusions_acknowledged_at:
        return route
    route.conclusions_acknowledged_at = timezone.now()
    route.save(update_fields=["conclusions_acknowledged_at", "updated_at"])
    event_record(actor=actor, target=route, verb="route_conclusions_acknowledged")
    return route


@transaction.atomic
def route_final_event_mark(*, actor, route: Route, done: bool) -> Route:
    route = lock(route)
    require(
        roles_for(actor, route),
        workflow.IMPLEMENTATION_MARKERS,
        "Отметку о выполнении ставят педагог и его сопровождающие.",
    )
    if route.status not in workflow.IMPLEMENTATION_STATUSES:
        raise DomainError("Отметки о выполнении ставятся во время реализации ИОМ.")
    if route.final_event_done != done:
        event_record(
            actor=actor, target=route, verb="route_final_event", old=route.final_event_done, new=done
        )
        route.final_event_done = done
        route.save(update_fields=["final_event_done", "updated_at"])
    return route
