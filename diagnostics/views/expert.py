"""The expert queue (anonymous: no name, no organization) and the operator's attempts with retake
grants."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role
from cnppm.models import PersonalDataAccess
from cnppm.services import DomainError, personal_data_log

from ..models import Attempt
from ..scoring import rubric_steps
from ..selectors import attempts as selectors
from ..services import attempts as services

PAGE_SIZE = 50


@access.role_required(Role.EXPERT, Role.OPERATOR)
def expert_queue(request):
    page = Paginator(selectors.expert_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    scored = selectors.expert_scored(request.user)[:PAGE_SIZE]
    return render(request, "diagnostics/expert/queue.html", {"page": page, "scored": scored})


@access.role_required(Role.EXPERT, Role.OPERATOR)
def expert_correct(request, pk: int):
    """Reopen a score given earlier and correct it, while the attempt's result is not final."""
    answer = selectors.expert_scored(request.user).filter(pk=pk).first()
    if answer is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.answer_score_correct(
                actor=request.user,
                answer_id=answer.pk,
                points=request.POST.get("points", ""),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"Оценка ответа на задание №{answer.item.number} исправлена.")
            return redirect("diagnostics:expert_queue")
    points = request.POST.get("points") if request.method == "POST" else f"{answer.points.normalize():f}"
    return render(
        request,
        "diagnostics/expert/check.html",
        {
            "answer": answer,
            "error": error,
            "points": points,
            "comment": request.POST.get("comment", "") if request.method == "POST" else answer.expert_comment,
            "correcting": True,
            "steps": rubric_steps(answer.item),
        },
        status=400 if error else 200,
    )


@access.role_required(Role.EXPERT, Role.OPERATOR)
def expert_check(request, pk: int):
    answer = selectors.expert_answer(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            services.answer_check(
                actor=request.user,
                answer_id=answer.pk,
                points=request.POST.get("points", ""),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"Ответ на задание №{answer.item.number} оценён.")
            following = selectors.expert_queue(request.user).first()
            if following is not None:
                return redirect("diagnostics:expert_check", pk=following.pk)
            return redirect("diagnostics:expert_queue")
    return render(
        request,
        "diagnostics/expert/check.html",
        {
            "answer": answer,
            "error": error,
            "points": request.POST.get("points", ""),
            "comment": request.POST.get("comment", ""),
            "steps": rubric_steps(answer.item),
        },
        status=400 if error else 200,
    )


@access.role_required(Role.OPERATOR)
def attempt_list(request):
    qs = selectors.attempt_list(request.user, search=request.GET.get("q", "").strip())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="diagnostic_attempt",
        records=len(page.object_list),
        path=request.get_full_path(),
    )
    return render(
        request, "diagnostics/expert/attempt_list.html", {"page": page, "q": request.GET.get("q", "")}
    )


@access.role_required(Role.OPERATOR)
@require_POST
def retake_grant(request, pk: int):
    attempt = access.get_or_404(request.user, Attempt.objects.select_related("person", "instrument"), pk=pk)
    try:
        services.retake_grant(
            actor=request.user,
            person_id=attempt.person_id,
            instrument_id=attempt.instrument_id,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{attempt.person}: разрешена повторная попытка по работе «{attempt.instrument.title}»."
        )
    return redirect(
        request.POST.get("next")
        if str(request.POST.get("next", "")).startswith("/diagnostics/")
        else "diagnostics:attempt_list"
    )
