"""Pages of the route card: list, card, edits, picking from recommendations, the workflow, the
curator's review, comments, corrections, implementation and conclusions. Thin: parse, call a
service, show its message."""

from __future__ import annotations

import mimetypes
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log
from diagnostics.choices import InstrumentKind

from .. import selectors, workflow
from ..choices import ActivityOutcome, RouteStatus
from ..forms import (
    CommentForm,
    ConclusionsForm,
    MarkForm,
    ReasonForm,
    ReviewForm,
    RouteActivityForm,
    RouteEditForm,
    TransitionForm,
)
from ..models import Activity, Comment, Correction, Route, RouteActivity
from ..services import comments as comment_services
from ..services import corrections as correction_services
from ..services import implementation as implementation_services
from ..services import routes as route_services

PAGE_SIZE = 50
# The anchor of a competence block on the recommendations page (g-<block>); anything else is not echoed.
BLOCK_ANCHOR = re.compile(r"[\w-]{1,64}")
# Statuses in which the route needs a curator next: the card warns when none is assigned.
NEEDS_CURATOR = (RouteStatus.DRAFT, RouteStatus.RETURNED, RouteStatus.SUBMITTED)


def _card(route) -> str:
    return reverse("routes:card", args=[route.pk])


def _route(request, pk) -> Route:
    return selectors.route_get(user=request.user, pk=pk)


def _activity(request, route, apk) -> RouteActivity:
    try:
        return route.activities.get(pk=apk)
    except (RouteActivity.DoesNotExist, ValueError):
        raise Http404 from None


def _run(request, fn, success: str, **kwargs):
    """Call a service; show its refusal as an error message. Returns the result or None."""
    try:
        result = fn(actor=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None
    messages.success(request, success)
    return result if result is not None else True


def permissions(user, route) -> dict:
    """What the card page lets this user do, from the workflow map."""
    roles = workflow.route_roles(user, route)
    status = route.status
    teacher_edit = status in workflow.EDITABLE_BY_TEACHER and workflow.TEACHER in roles
    correct = status in workflow.CORRECTABLE and bool(roles & workflow.CORRECTION_AUTHORS)
    return {
        "roles": roles,
        "edit": teacher_edit or correct,
        "correction_mode": correct,
        "transitions": workflow.available_transitions(user, route, roles=roles),
        "review": workflow.can_review(user, route, roles=roles),
        "comment": bool(roles & workflow.COMMENTERS),
        "mark": status in workflow.IMPLEMENTATION_STATUSES and bool(roles & workflow.IMPLEMENTATION_MARKERS),
        "sign_corrections": bool(roles & workflow.CORRECTION_SIGNERS),
        "acknowledge": workflow.TEACHER in roles,
        "write_conclusions": status == RouteStatus.COMPLETING and bool(roles & workflow.CONCLUSIONS_AUTHORS),
        "conclusions_author": bool(roles & workflow.CONCLUSIONS_AUTHORS),
        "sign_conclusions": [r for r in workflow.CONCLUSIONS_SIGNERS if r in roles],
    }


LIST_ROLES = (
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "regional_methodist",
    "operator",
)


@access.role_required(*LIST_ROLES)
def route_list(request):
    status = request.GET.get("status", "")
    if status and status not in RouteStatus.values:
        status = ""
    qs = selectors.route_list(user=request.user, status=status, search=request.GET.get("q", "").strip())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="route",
        records=len(page.object_list),
        path=request.get_full_path(),
    )
    me = access.scope_of(request.user).person_id
    own_route_exists = (
        Route.objects.filter(teacher_id=me).exclude(status=RouteStatus.CANCELLED).exists() if me else True
    )
    return render(
        request,
        "routes/list.html",
        {
            "page": page,
            "statuses": RouteStatus.choices,
            "status": status,
            "q": request.GET.get("q", ""),
            "can_create": access.has_role(request.user, "teacher") and not own_route_exists,
        },
    )


@login_required
@require_POST
def route_create(request):
    from cnppm.models import Person

    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise Http404
    year = _current_academic_year()
    route = _run(
        request,
        route_services.route_create,
        "ИОМ создан. Добавьте мероприятия из рекомендаций.",
        teacher=person,
        academic_year=year,
    )
    if route:
        return redirect("routes:recommendations", route.pk)
    return redirect("routes:list")


def _current_academic_year() -> int:
    from django.utils import timezone

    today = timezone.localdate()
    return today.year if today.month >= 8 else today.year - 1


@login_required
def card(request, pk):
    return _card_page(request, _route(request, pk))


def _card_page(
    request,
    route,
    *,
    review_form=None,
    comment_form=None,
    conclusions_form=None,
    transition_form=None,
    status=200,
):
    """The card; after a refused save the bound form comes back with its error and what was typed."""
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.VIEW,
        object_type="route",
        object_id=route.pk,
        path=request.path,
    )
    perms = permissions(request.user, route)
    context = selectors.card_context(route)
    threads = selectors.comment_threads(route, user=request.user) if perms["comment"] else []
    conclusions_blocker = ""
    if perms["conclusions_author"]:
        final = selectors.latest_final_attempt(route.teacher, InstrumentKind.FINAL)
        conclusions_blocker = workflow.conclusions_unavailable(route, has_final_attempt=final is not None)
    return render(
        request,
        "routes/card.html",
        {
            **context,
            "card": context,
            "perms": perms,
            "threads": threads,
            "reviews": route.reviews.select_related("curator").all(),
            "events": route.events.select_related("actor").all(),
            "removed_activities": selectors.removed_activities(route, user=request.user),
            "review_form": review_form or ReviewForm(),
            "comment_form": comment_form or CommentForm(),
            "conclusions_form": conclusions_form
            or ConclusionsForm(initial={"conclusions": route.conclusions}),
            "conclusions_blocker": conclusions_blocker,
            "transition_form": transition_form,
            "no_curator": route.status in NEEDS_CURATOR
            and not selectors.has_active_curator(route.teacher_id),
            "has_pdf": _has_pdf(),
        },
        status=status,
    )


def _save_or_keep(request, form, fn, success: str, **kwargs) -> bool:
    """Call a service with a valid form's data; on refusal put the message on the form (which keeps
    what was typed) instead of dropping the POST with a redirect."""
    if not form.is_valid():
        return False
    try:
        fn(actor=request.user, **kwargs)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, success)
    return True


def _has_pdf() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("routes:card_pdf", args=[1])
    except NoReverseMatch:
        return False
    return True


@login_required
def edit(request, pk):
    route = _route(request, pk)
    perms = permissions(request.user, route)
    if not perms["edit"]:
        messages.error(request, f"ИОМ в статусе «{route.get_status_display()}» вы изменить не можете.")
        return redirect(_card(route))
    form = RouteEditForm(request.POST or None, initial=RouteEditForm.initial_for(route))
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        done = _run(
            request,
            route_services.route_update,
            "Изменения сохранены.",
            route=route,
            educational_tasks=cd["educational_tasks"],
            final_event_title=cd["final_event_title"],
            final_event_level=cd["final_event_level"],
            final_event_starts_on=cd["final_event_starts_on"],
            final_event_ends_on=cd["final_event_ends_on"],
            approval=form.approval(),
            reason=cd["reason"],
        )
        if done:
            return redirect(_card(route))
    return render(request, "routes/edit.html", {"route": route, "form": form, "perms": perms})


@login_required
def recommendations(request, pk):
    route = _route(request, pk)
    perms = permissions(request.user, route)
    if request.method == "POST":
        if not perms["edit"]:
            raise Http404
        try:
            activity = Activity.objects.get(pk=request.POST.get("activity"), is_active=True)
        except (Activity.DoesNotExist, ValueError):
            messages.error(request, "Мероприятие не найдено в каталоге.")
            return redirect("routes:recommendations", route.pk)
        _run(
            request,
            route_services.route_activity_add_from_catalogue,
            f"Мероприятие «{activity.title}» добавлено в маршрут.",
            route=route,
            activity=activity,
            reason=request.POST.get("reason", ""),
        )
        # Back to the competence just chosen for, not to the top of a long page.
        url = reverse("routes:recommendations", args=[route.pk])
        block = request.POST.get("block", "")
        return redirect(f"{url}#g-{block}" if BLOCK_ANCHOR.fullmatch(block) else url)
    return render(
        request,
        "routes/recommendations.html",
        {
            "route": route,
            "perms": perms,
            "groups": selectors.recommendations(route),
            "uncovered": selectors.uncovered_deficits(route),
            "activities": route.activities.all(),
        },
    )


@login_required
def activity_add(request, pk):
    route = _route(request, pk)
    perms = permissions(request.user, route)
    if not perms["edit"]:
        raise Http404
    form = RouteActivityForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            request,
            route_services.route_activity_add_manual,
            "Мероприятие добавлено.",
            route=route,
            **form.cleaned_data,
        )
    ):
        return redirect(_card(route) + "#activities")
    return render(
        request, "routes/activity_form.html", {"route": route, "form": form, "perms": perms, "activity": None}
    )


@login_required
def activity_edit(request, pk, apk):
    route = _route(request, pk)
    activity = _activity(request, route, apk)
    perms = permissions(request.user, route)
    if not perms["edit"]:
        raise Http404
    initial = {
        "title": activity.title,
        "kind": activity.kind,
        "competences": list(activity.competences.all()),
        "level": activity.level,
        "format": activity.format,
        "organizer": activity.organizer,
        "starts_on": activity.starts_on,
        "ends_on": activity.ends_on,
        "result_form": activity.result_form,
    }
    form = RouteActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = dict(form.cleaned_data)
        cd.pop("kind", None)
        cd.pop("format", None)
        if _run(
            request, route_services.route_activity_update, "Мероприятие изменено.", activity=activity, **cd
        ):
            return redirect(_card(route) + "#activities")
    return render(
        request,
        "routes/activity_form.html",
        {"route": route, "form": form, "perms": perms, "activity": activity},
    )


@login_required
@require_POST
def activity_remove(request, pk, apk):
    route = _route(request, pk)
    activity = _activity(request, route, apk)
    form = ReasonForm(request.POST)
    form.is_valid()
    _run(
        request,
        route_services.route_activity_remove,
        f"Мероприятие «{activity.title}» исключено из маршрута.",
        activity=activity,
        reason=form.cleaned_data.get("reason", ""),
    )
    return redirect(_card(route) + "#activities")


@login_required
def activity_mark(request, pk, apk):
    route = _route(request, pk)
    activity = _activity(request, route, apk)
    perms = permissions(request.user, route)
    if not perms["mark"]:
        raise Http404
    form = MarkForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "outcome": activity.outcome,
            "reason": activity.not_done_reason,
            "evidence_url": activity.evidence_url,
        },
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        if _run(
            request,
            implementation_services.route_activity_mark,
            "Отметка о выполнении сохранена.",
            activity=activity,
            outcome=cd["outcome"],
            reason=cd["reason"],
            evidence_url=cd["evidence_url"] or "",
            evidence_file=cd["evidence_file"],
        ):
            return redirect(_card(route) + "#monitoring")
    return render(request, "routes/mark.html", {"route": route, "activity": activity, "form": form})


@login_required
def evidence(request, apk):
    """The evidence file of a route activity, only to those who see the route."""
    activity = access.get_or_404(request.user, RouteActivity.objects.select_related("route"), pk=apk)
    if not activity.evidence_file:
        raise Http404
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.VIEW,
        object_type="route_evidence",
        object_id=activity.pk,
        path=request.path,
    )
    name = activity.evidence_file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        activity.evidence_file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


@login_required
@require_POST
def transition(request, pk):
    route = _route(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Не выбрано действие.")
        return redirect(_card(route))
    target = form.cleaned_data["target"]
    label = RouteStatus(target).label if target in RouteStatus.values else target
    success = f"Статус ИОМ: {label}."
    if target == RouteStatus.SUBMITTED and not selectors.has_active_curator(route.teacher_id):
        success += (
            " Куратор за вами пока не закреплён: ИОМ ждёт, когда оператор ЦНППМ назначит куратора, "
            "и после этого попадёт на экспертизу."
        )
    if _save_or_keep(
        request,
        form,
        route_services.route_transition,
        success,
        route=route,
        target=target,
        comment=form.cleaned_data["comment"],
        confirm_planned=form.cleaned_data["confirm_planned"],
    ):
        return redirect(_card(route))
    # Refused: the card again, with the reason and the comment as typed (e.g. a cancellation). Planned
    # activities left at completion are a question, not a refusal: the card offers to confirm.
    form.confirm_offer = (
        target == RouteStatus.COMPLETING
        and not form.cleaned_data.get("confirm_planned")
        and route.activities.filter(outcome=ActivityOutcome.PLANNED).exists()
    )
    return _card_page(request, route, transition_form=form)


@login_required
@require_POST
def review(request, pk):
    route = _route(request, pk)
    form = ReviewForm(request.POST)
    if _save_or_keep(
        request,
        form,
        route_services.route_review,
        "Заключение сохранено, педагог получил уведомление.",
        route=route,
        verdict=form.data.get("verdict", ""),
        comment=form.data.get("comment", ""),
    ):
        return redirect(_card(route))
    if "verdict" in form.errors:
        form.errors["verdict"] = form.error_class(["Выберите заключение куратора."])
    return _card_page(request, route, review_form=form)


@login_required
@require_POST
def comment_add(request, pk):
    route = _route(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        form.add_error(None, "Комментарий пуст или слишком длинный.")
        return _card_page(request, route, comment_form=form)
    activity = parent = None
    if form.cleaned_data.get("activity"):
        activity = _activity(request, route, form.cleaned_data["activity"])
    if form.cleaned_data.get("parent"):
        try:
            parent = selectors.comments_visible(request.user).get(route=route, pk=form.cleaned_data["parent"])
        except Comment.DoesNotExist:
            raise Http404 from None
    if _save_or_keep(
        request,
        form,
        comment_services.comment_add,
        "Комментарий отправлен.",
        route=route,
        text=form.cleaned_data["text"],
        activity=activity,
        parent=parent,
    ):
        return redirect(_card(route) + "#comments")
    return _card_page(request, route, comment_form=form)


def _correction(route, cpk) -> Correction:
    try:
        return route.corrections.get(pk=cpk)
    except (Correction.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
@require_POST
def correction_sign(request, pk, cpk):
    route = _route(request, pk)
    _run(
        request,
        correction_services.correction_sign,
        "Корректировка подписана.",
        correction=_correction(route, cpk),
    )
    return redirect(_card(route) + "#corrections")


@login_required
@require_POST
def correction_acknowledge(request, pk, cpk):
    route = _route(request, pk)
    _run(
        request,
        correction_services.correction_acknowledge,
        "Отметка об ознакомлении поставлена.",
        correction=_correction(route, cpk),
    )
    return redirect(_card(route) + "#corrections")


@login_required
@require_POST
def conclusions(request, pk):
    route = _route(request, pk)
    form = ConclusionsForm(request.POST)
    if _save_or_keep(
        request,
        form,
        route_services.route_conclusions_save,
        "Выводы сохранены.",
        route=route,
        conclusions=form.data.get("conclusions", ""),
    ):
        return redirect(_card(route) + "#appendix2")
    if "conclusions" in form.errors:
        form.errors["conclusions"] = form.error_class(["Напишите выводы."])
    return _card_page(request, route, conclusions_form=form)


@login_required
@require_POST
def conclusions_sign(request, pk):
    route = _route(request, pk)
    _run(
        request,
        route_services.route_conclusions_sign,
        "Выводы подписаны.",
        route=route,
        as_role=request.POST.get("as_role", ""),
    )
    return redirect(_card(route) + "#appendix2")


@login_required
@require_POST
def conclusions_acknowledge(request, pk):
    route = _route(request, pk)
    _run(request, route_services.route_conclusions_acknowledge, "Вы ознакомлены с выводами.", route=route)
    return redirect(_card(route) + "#appendix2")


@login_required
@require_POST
def final_event_mark(request, pk):
    route = _route(request, pk)
    _run(
        request,
        route_services.route_final_event_mark,
        "Отметка о заключительном мероприятии сохранена.",
        route=route,
        done=request.POST.get("done") == "1",
    )
    return redirect(_card(route) + "#final-event")
