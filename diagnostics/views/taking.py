"""The participant's pages: my diagnostics, the start page, one question per page with autosave
(htmx), the finish summary, the result. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from cnppm.middleware import ConsentAndPasswordGateMiddleware, session_user_only
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from ..choices import RECOMMENDATIONS, AttemptStatus, InstrumentKind, ItemType
from ..item_formats import answer_from_form, is_answered
from ..selectors import attempts as selectors
from ..services import attempts as services

S = AttemptStatus


@login_required
def my_diagnostics(request):
    rows = selectors.my_diagnostics(request.user)
    return render(request, "diagnostics/taking/my_diagnostics.html", {"rows": rows})


@login_required
def instrument_start(request, pk: int):
    instrument = selectors.instrument_for_start(request.user, pk)
    if request.method == "POST":
        try:
            attempt = services.attempt_start(actor=request.user, instrument_id=instrument.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("diagnostics:instrument_start", pk=instrument.pk)
        return redirect("diagnostics:attempt_question", pk=attempt.pk, number=1)
    person = selectors.person_of(request.user)
    rows = {r.instrument.pk: r for r in selectors.my_diagnostics(request.user)}
    row = rows.get(instrument.pk)
    reason = services.instrument_unavailable_reason(instrument, person)
    # Subject matching is advisory: say so, but do not refuse.
    subject_note = ""
    if instrument.subject_id and not person.subjects.filter(pk=instrument.subject_id).exists():
        subject_note = (
            f"Работа составлена для предметной области «{instrument.subject}», которой нет в вашем профиле. "
            "Пройти её можно, но проверьте, что выбрали нужную работу."
        )
    return render(
        request,
        "diagnostics/taking/start.html",
        {
            "instrument": instrument,
            "row": row,
            "reason": reason,
            "subject_note": subject_note,
            "items_count": selectors.items_count(instrument),
            "duration": f"{instrument.time_limit_minutes // 60:02d}:{instrument.time_limit_minutes % 60:02d}:00",
        },
    )


def _open_attempt(request, pk: int):
    """The user's attempt; past its deadline it is closed on opening (then None is returned after a
    message)."""
    attempt = selectors.own_attempt(request.user, pk)
    if attempt.status == S.IN_PROGRESS and selectors.seconds_left(attempt) == 0:
        services.attempt_close_if_expired(attempt_id=attempt.pk)
        messages.warning(
            request, "Время выполнения работы истекло. Работа завершена с сохранёнными ответами."
        )
        return attempt, redirect("diagnostics:attempt_result", pk=attempt.pk)
    if attempt.status != S.IN_PROGRESS:
        return attempt, redirect("diagnostics:attempt_result", pk=attempt.pk)
    return attempt, None


def _item_context(attempt, item, value) -> dict:
    context = {"item": item, "value": value or {}, "attempt": attempt}
    if item.type == ItemType.ORDERING:
        elements = {e["id"]: e for e in item.options.get("elements", [])}
        order = (value or {}).get("order") or [
            e["id"]
            for e in services.shuffled(item.options.get("elements", []), seed=attempt.pk * 1000 + item.pk)
        ]
        context["ordered"] = [elements[i] for i in order if i in elements]
    if item.type == ItemType.MATCHING:
        pairs = (value or {}).get("pairs", {})
        context["matching"] = [
            {"left": left, "selected": pairs.get(left["id"])} for left in item.options.get("left", [])
        ]
    if item.type == ItemType.MULTIPLE:
        context["chosen"] = (value or {}).get("choices", [])
    return context


@login_required
def attempt_question(request, pk: int, number: int):
    attempt, done = _open_attempt(request, pk)
    if done:
        return done
    items = selectors.attempt_items(attempt)
    answers = selectors.attempt_answers(attempt)
    by_number = {item.number: item for item in items}
    item = by_number.get(number)
    if item is None:
        raise Http404
    numbers = [i.number for i in items]
    position = numbers.index(number)
    nav = [
        {
            "number": i.number,
            "answered": is_answered(i.type, answers.get(i.pk)),
            "current": i.number == number,
        }
        for i in items
    ]
    return render(
        request,
        "diagnostics/taking/question.html",
        {
            **_item_context(attempt, item, answers.get(item.pk)),
            "total": len(items),
            "position": position + 1,
            "previous": numbers[position - 1] if position > 0 else None,
            "next": numbers[position + 1] if position + 1 < len(numbers) else None,
            "nav": nav,
            "seconds_left": selectors.seconds_left(attempt),
        },
    )


def _signed_in_or_401(view):
    """Autosave is called by the page's script: an expired session answers JSON 401, never a redirect
    to the login page that a script would follow and take for a saved answer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {"detail": "Сессия истекла: ответ не сохранён. Войдите снова — ответ останется на странице."},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper


@session_user_only
@_signed_in_or_401
@require_POST
def answer_save(request, pk: int, item_id: int):
    """htmx: save one answer; answers with a short status fragment (aria-live in the page). A saved
    answer carries `X-Answer-Saved: 1`: the page counts nothing else as saved. The hot path is the
    session read and one statement (services.attempts.answer_save): request.user is the session's
    user id (cnppm.middleware.SessionUserMiddleware), the request gates are asked by the statement
    and answered here like the gate middleware would."""
    item_type = request.POST.get("type", "")
    # The form names the type it shows; the service checks the value against the real item.
    if item_type == ItemType.ORDERING:
        value = _move(request.POST.getlist("order"), request.POST.get("move", ""))
    else:
        value = answer_from_form(item_type, {}, request.POST)
    try:
        services.answer_save(actor=request.user, attempt_id=pk, item_id=item_id, value=value)
    except DomainError as exc:
        if exc.code == "gate":
            return ConsentAndPasswordGateMiddleware._refuse(
                request,
                "account_change_password" if exc.message == services.GATE_PASSWORD else "consent",
                exc.message,
            )
        status = 409 if exc.code in ("late", "finished") else 400
        response = _fragment(
            "diagnostics/taking/_save_status.html", {"error": exc.message, "code": exc.code}, status
        )
        if status == 409:
            messages.warning(request, exc.message)
            response["HX-Redirect"] = reverse("diagnostics:attempt_result", args=[pk])
        return response
    if item_type == ItemType.ORDERING and request.POST.get("move"):
        attempt = selectors.own_attempt(request.user, pk)
        item = next(i for i in selectors.attempt_items(attempt) if i.pk == item_id)
        response = _fragment(
            "diagnostics/taking/_ordering.html",
            {**_item_context(attempt, item, value), "saved_at": timezone.now()},
        )
    else:
        response = HttpResponse(_saved_status(timezone.now()))
    response["X-Answer-Saved"] = "1"
    return response


def _saved_status(saved_at) -> str:
    """The status line of a saved answer, built here rather than by a template: it is the answer to
    every autosave, and a template render was a tenth of the save's server time (issue 11.2)."""
    return format_html(
        '<span class="text-success" data-saved="1"><i class="bi bi-check2" aria-hidden="true"></i> '
        "Ответ сохранён в {}</span>",
        timezone.localtime(saved_at).strftime("%H:%M:%S"),
    )


def _fragment(template: str, context: dict, status: int = 200) -> HttpResponse:
    """An htmx fragment, rendered without the page's context processors (menu, notifications): the
    autosave stays two queries beyond the session and the user."""
    return HttpResponse(render_to_string(template, context), status=status)


def _move(order: list[str], move: str) -> dict:
    """Ordering items are reordered with «up»/«down» buttons: `move` is «<id>:up» or «<id>:down»."""
    order = list(order)
    element, _, direction = move.partition(":")
    if element in order and direction in ("up", "down"):
        i = order.index(element)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    return {"order": order}


@login_required
def attempt_finish(request, pk: int):
    if request.method == "POST":
        attempt = selectors.own_attempt(request.user, pk)
        attempt = services.attempt_finish(actor=request.user, attempt_id=attempt.pk)
        if attempt.status == S.CHECKING:
            messages.success(request, "Работа завершена. Развёрнутые ответы переданы эксперту на проверку.")
        else:
            messages.success(request, "Работа завершена.")
        return redirect("diagnostics:attempt_result", pk=attempt.pk)
    attempt, done = _open_attempt(request, pk)
    if done:
        return done
    items = selectors.attempt_items(attempt)
    answers = selectors.attempt_answers(attempt)
    unanswered = [i for i in items if not is_answered(i.type, answers.get(i.pk))]
    return render(
        request,
        "diagnostics/taking/finish.html",
        {
            "attempt": attempt,
            "total": len(items),
            "answered": len(items) - len(unanswered),
            "unanswered": unanswered,
            "seconds_left": selectors.seconds_left(attempt),
        },
    )


def _route_action(attempt) -> dict | None:
    """The next step after a final result: open this year's ИОМ, or make one from an entry diagnostic."""
    from routes import selectors as route_selectors

    route = route_selectors.current_route(attempt.person)
    if route is not None:
        return {"kind": "open", "url": reverse("routes:card", args=[route.pk])}
    if attempt.instrument.kind == InstrumentKind.ENTRY:
        return {"kind": "create", "url": reverse("routes:create")}
    return None


@login_required
def attempt_result(request, pk: int):
    attempt = selectors.result_get(request.user, pk)
    if attempt.status == S.IN_PROGRESS and selectors.seconds_left(attempt) == 0:
        services.attempt_close_if_expired(attempt_id=attempt.pk)
        attempt = selectors.result_get(request.user, pk)
    is_own = attempt.person.user_id == request.user.pk
    if not is_own:
        personal_data_log(
            actor=request.user,
            action=PersonalDataAccess.Action.VIEW,
            object_type="diagnostic_result",
            object_id=attempt.pk,
            path=request.path,
        )
    blocks = []
    dynamics = []
    comments = []
    if attempt.status == S.FINAL:
        blocks = [
            {"result": r, "recommendation": RECOMMENDATIONS.get(r.level, "")}
            for r in attempt.block_results.all()
        ]
        dynamics = selectors.result_dynamics(attempt.person)
        comments = selectors.expert_comments(attempt)
    return render(
        request,
        "diagnostics/taking/result.html",
        {
            "attempt": attempt,
            "is_own": is_own,
            "blocks": blocks,
            "recommendation": RECOMMENDATIONS.get(attempt.level, "") if attempt.status == S.FINAL else "",
            "passed": attempt.percent is not None and attempt.percent >= attempt.instrument.pass_mark,
            "dynamics": dynamics,
            "comments": comments,
            "route_action": _route_action(attempt) if is_own and attempt.status == S.FINAL else None,
            "continue_url": reverse("diagnostics:attempt_question", args=[attempt.pk, 1])
            if attempt.status == S.IN_PROGRESS and is_own
            else "",
        },
    )
