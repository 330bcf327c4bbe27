"""Pages of curator, tutor and mentor assignment: the participants' list with bulk assignment, one
participant's supporters and history, balancing against the norm, the pool's caseloads and a
supporter's own caseload. Thin: parse input, call a selector or one service, render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.choices import Role, SupportRole
from cnppm.models import Person, PersonalDataAccess, Subject, SupportAssignment
from cnppm.russian import person_name, with_number
from cnppm.services import DomainError, personal_data_log

from .. import selectors_caseload as sel
from ..services import assignment as svc

PAGE_SIZE = 50
VIEW_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST, Role.SCHOOL_HEAD, Role.MUNICIPAL_METHODIST)
ASSIGN_ROLES = (Role.OPERATOR, Role.SCHOOL_HEAD)
POOL_ROLES = (Role.OPERATOR, Role.REGIONAL_METHODIST)
SUPPORTER_ROLES = (Role.CURATOR, Role.TUTOR, Role.MENTOR)


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date_or_none(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        raise DomainError("Дата приказа указана неверно: используйте формат ДД.ММ.ГГГГ.") from None


def _role_or_error(value) -> str:
    if value not in SupportRole.values:
        raise DomainError("Выберите роль сопровождения: куратор, тьютор или наставник.")
    return value


def _assignable_roles(user) -> list[tuple[str, str]]:
    if access.has_role(user, Role.OPERATOR):
        return list(SupportRole.choices)
    if access.has_role(user, Role.SCHOOL_HEAD):
        return [(SupportRole.MENTOR, SupportRole.MENTOR.label)]
    return []


def _supporter_options(user, roles) -> list[dict]:
    """Supporters the user can pick, per role, with their caseload against the norm."""
    groups = []
    for role, label in roles:
        rows = sel.support_pool(user=user, role=role)
        groups.append({"role": role, "label": label, "rows": rows})
    return groups


def _filters(request) -> dict:
    return {
        "municipality_id": _int_or_none(request.GET.get("municipality")),
        "organization_id": _int_or_none(request.GET.get("organization")),
        "subject_id": _int_or_none(request.GET.get("subject")),
        "missing_role": request.GET.get("missing", "")
        if request.GET.get("missing") in SupportRole.values
        else "",
        "search": request.GET.get("q", "").strip(),
    }


@access.role_required(*VIEW_ROLES)
def assignment_list(request):
    filters = _filters(request)
    qs = sel.participants_qs(user=request.user, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"person": p, "support": sel.support_by_role(p)} for p in page.object_list]
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="support_assignment",
        records=len(rows),
        path=request.get_full_path(),
    )
    roles = _assignable_roles(request.user)
    return render(
        request,
        "routes/assignment/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "q": filters["search"],
            "municipalities": access.municipalities(request.user),
            "organizations": access.organizations(request.user).select_related("municipality")
            if filters["municipality_id"] is None
            else access.organizations(request.user).filter(municipality_id=filters["municipality_id"]),
            "subjects": Subject.objects.all(),
            "support_roles": SupportRole.choices,
            "assignable_roles": roles,
            "supporter_groups": _supporter_options(request.user, roles) if roles else [],
            "norm": sel.support_norm(),
            "is_operator": access.has_role(request.user, Role.OPERATOR),
            "query_string": request.GET.urlencode(),
        },
    )


@require_POST
@access.role_required(*ASSIGN_ROLES)
def assignment_bulk(request):
    back = reverse("routes:assignment_list") + (
        "?" + request.POST["back"] if request.POST.get("back") else ""
    )
    try:
        role = _role_or_error(request.POST.get("role"))
        supporter = _supporter_or_error(request.user, request.POST.get("supporter"))
        if request.POST.get("all_filtered") == "1":
            from django.http import QueryDict

            params = QueryDict(request.POST.get("back", ""))
            filters = {
                "municipality_id": _int_or_none(params.get("municipality")),
                "organization_id": _int_or_none(params.get("organization")),
                "subject_id": _int_or_none(params.get("subject")),
                "missing_role": params.get("missing", "")
                if params.get("missing") in SupportRole.values
                else "",
                "search": params.get("q", "").strip(),
            }
            ids = list(sel.participants_qs(user=request.user, **filters).values_list("pk", flat=True))
        else:
            ids = [i for i in (_int_or_none(v) for v in request.POST.getlist("person")) if i is not None]
        result = svc.support_bulk_assign(
            actor=request.user,
            person_ids=ids,
            supporter=supporter,
            role=role,
            order_number=request.POST.get("order_number", ""),
            order_date=_date_or_none(request.POST.get("order_date")),
            replace=request.POST.get("replace") == "1",
        )
    except DomainError as exc:
        _refusal(request, exc, supporter_id=request.POST.get("supporter"), role=request.POST.get("role", ""))
        return redirect(back)
    text = f"Назначено: {result.assigned}"
    if result.replaced:
        text += f", из них с заменой прежнего: {result.replaced}"
    if result.already:
        text += f"; пропущено (сопровождающий уже есть): {result.already}"
    messages.success(request, text + ".")
    _warn_over_norm(request, supporter, role)
    return redirect(back)


def _supporter_or_error(user, value) -> Person:
    """Only people the user may assign (access.supporters); any other id is "not found", unnamed."""
    pk = _int_or_none(value)
    person = access.supporters(user).filter(pk=pk).first() if pk else None
    if person is None:
        raise DomainError("Сотрудник не найден: выберите сопровождающего из списка.")
    return person


def _warn_over_norm(request, supporter: Person, role: str) -> None:
    load = sel.support_loads(role=role, supporter_ids=[supporter.pk]).get(supporter.pk, 0)
    norm = sel.support_norm()
    if role != SupportRole.MENTOR and load > norm:
        messages.warning(
            request,
            f"Внимание: нагрузка {person_name(supporter, 'gent', 'short')} — {with_number(load, 'педагог')}, это выше нормы {norm}.",
        )


def _refusal(request, exc: DomainError, *, supporter_id=None, role: str = "") -> None:
    """Show a refused assignment; when the supporter's subject areas are the reason, link the page
    that changes them."""
    profile = None
    if exc.code == "subjects_not_covered":
        profile = (
            access.supporter_profiles(request.user)
            .filter(person_id=_int_or_none(supporter_id), role=role)
            .first()
        )
    if profile is None:
        messages.error(request, exc.message)
        return
    url = reverse("routes:supporter_profile_edit", args=[profile.pk]) + "?next=" + request.path
    messages.error(
        request,
        format_html('{} <a href="{}">Изменить предметные области сопровождающего</a>', exc.message, url),
    )


@access.role_required(*VIEW_ROLES)
def assignment_person(request, pk):
    qs = Person.objects.select_related("organization__municipality").prefetch_related("subjects")
    person = access.get_or_404(request.user, qs, pk=pk)
    if request.method == "POST":
        try:
            role = _role_or_error(request.POST.get("role"))
            subject_id = _int_or_none(request.POST.get("subject"))
            svc.support_assign(
                actor=request.user,
                person=person,
                supporter=_supporter_or_error(request.user, request.POST.get("supporter")),
                role=role,
                subject=Subject.objects.filter(pk=subject_id).first() if subject_id else None,
                order_number=request.POST.get("order_number", ""),
                order_date=_date_or_none(request.POST.get("order_date")),
                comment=request.POST.get("comment", "").strip(),
            )
        except DomainError as exc:
            _refusal(
                request, exc, supporter_id=request.POST.get("supporter"), role=request.POST.get("role", "")
            )
        else:
            # The role names (куратор, тьютор, наставник) are masculine nouns: the participle agrees with them.
            messages.success(request, f"{SupportRole(role).label.capitalize()} назначен.")
            _warn_over_norm(request, _supporter_or_error(request.user, request.POST.get("supporter")), role)
            return redirect("routes:assignment_person", pk=person.pk)
    history = list(sel.person_assignments(user=request.user, person=person))
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.VIEW,
        object_type="support_assignment",
        object_id=person.pk,
        records=len(history),
        path=request.path,
    )
    roles = [
        (r, label) for r, label in _assignable_roles(request.user) if svc.can_assign(request.user, r, person)
    ]
    active = {a.role: a for a in history if a.ended_at is None}
    return render(
        request,
        "routes/assignment/person.html",
        {
            "person": person,
            "history": history,
            "active": [(value, label, active.get(value)) for value, label in SupportRole.choices],
            "assignable_roles": roles,
            "can_end": {r for r, _ in roles},
            "supporter_groups": _supporter_options(request.user, roles) if roles else [],
            "person_subject_ids": {s.pk for s in person.subjects.all()},
            "subjects": person.subjects.all(),
            "norm": sel.support_norm(),
        },
    )


@require_POST
@access.role_required(*ASSIGN_ROLES)
def assignment_end(request, pk):
    assignment = access.get_or_404(request.user, SupportAssignment.objects.select_related("person"), pk=pk)
    try:
        svc.support_end(
            actor=request.user, assignment=assignment, comment=request.POST.get("comment", "").strip()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Закрепление ({assignment.get_role_display()}) завершено.")
    return redirect("routes:assignment_person", pk=assignment.person_id)


@access.role_required(Role.OPERATOR)
def balance(request):
    role = request.GET.get("role") or SupportRole.CURATOR
    filters = {
        "municipality_id": _int_or_none(request.GET.get("municipality")),
        "organization_id": _int_or_none(request.GET.get("organization")),
        "subject_id": _int_or_none(request.GET.get("subject")),
    }
    proposal, error = None, None
    if request.GET.get("propose"):
        try:
            proposal = svc.support_balance_propose(actor=request.user, role=role, **filters)
        except DomainError as exc:
            error = exc.message
        else:
            personal_data_log(
                actor=request.user,
                action=PersonalDataAccess.Action.LIST,
                object_type="support_balance",
                records=proposal.participants,
                path=request.get_full_path(),
            )
    return render(
        request,
        "routes/assignment/balance.html",
        {
            "role": role,
            "roles": [(r, SupportRole(r).label) for r in svc.BALANCED_ROLES],
            "filters": filters,
            "proposal": proposal,
            "error": error,
            "municipalities": access.municipalities(request.user),
            "organizations": access.organizations(request.user).select_related("municipality"),
            "subjects": Subject.objects.all(),
        },
    )


@require_POST
@access.role_required(Role.OPERATOR)
def balance_apply(request):
    role = request.POST.get("role", "")
    try:
        pairs = svc.parse_pair_tokens(request.POST.getlist("pair"))
        made = svc.support_balance_apply(actor=request.user, role=role, pairs=pairs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("routes:balance") + "?" + request.POST.get("back", ""))
    messages.success(request, f"Предложение применено: назначено {made}.")
    return redirect(reverse("routes:caseloads") + f"?role={role}")


@access.role_required(*POOL_ROLES)
def caseloads(request):
    role = request.GET.get("role") if request.GET.get("role") in SupportRole.values else SupportRole.CURATOR
    rows = sel.support_pool(
        user=request.user,
        role=role,
        subject_id=_int_or_none(request.GET.get("subject")),
        search=request.GET.get("q", "").strip(),
    )
    return render(
        request,
        "routes/assignment/caseloads.html",
        {
            "role": role,
            "roles": SupportRole.choices,
            "rows": rows,
            "norm": sel.support_norm(),
            "over": sum(1 for r in rows if r.over_norm),
            "total_load": sum(r.load for r in rows),
            "subjects": Subject.objects.all(),
            "q": request.GET.get("q", ""),
        },
    )


def _render_caseload(request, supporter: Person, *, own: bool):
    role = request.GET.get("role") if request.GET.get("role") in SupportRole.values else ""
    all_rows = sel.caseload(user=request.user, supporter=supporter, role=role)
    statuses = sel.caseload_statuses()
    status = request.GET.get("status", "")
    status = status if status in dict(statuses) else ""
    # Filtered in memory: the rows are already loaded, so the query count stays the same.
    rows = sel.caseload_by_status(all_rows, status)
    personal_data_log(
        actor=request.user,
        action=PersonalDataAccess.Action.LIST,
        object_type="caseload",
        object_id=supporter.pk,
        records=len(rows),
        path=request.get_full_path(),
    )
    loads = {
        r: sel.support_loads(role=r, supporter_ids=[supporter.pk]).get(supporter.pk, 0)
        for r in SupportRole.values
    }
    norm = sel.support_norm()
    return render(
        request,
        "routes/assignment/caseload.html",
        {
            "supporter": supporter,
            "own": own,
            "rows": rows,
            "role": role,
            "roles": SupportRole.choices,
            "status": status,
            "statuses": statuses,
            "summary": sel.caseload_summary(all_rows),
            "loads": [
                (SupportRole(r).label, n, r != SupportRole.MENTOR and n > norm) for r, n in loads.items() if n
            ],
            "norm": norm,
        },
    )


@access.role_required(*SUPPORTER_ROLES)
def caseload(request):
    supporter = Person.objects.filter(user_id=request.user.pk).first()
    if supporter is None:
        raise Http404
    return _render_caseload(request, supporter, own=True)


@access.role_required(*POOL_ROLES)
def supporter_caseload(request, pk):
    supporter = access.get_or_404(request.user, Person.objects.all(), pk=pk)
    return _render_caseload(request, supporter, own=False)
