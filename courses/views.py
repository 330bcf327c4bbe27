"""Pages of the courses: programmes and their groups, enrolment (from the ИОМ, by the operator in
bulk), the course teacher's attendance page (made for a phone), the assessment, the completion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cnppm import access
from cnppm.services import DomainError
from routes.models import RouteActivity

from . import selectors, workflow
from .choices import AssessmentResult, GroupStatus, ProgrammeStatus
from .forms import BulkEnrolForm, GroupForm, ProgrammeForm, SessionDeleteForm, SessionForm
from .models import GroupSession, TrainingRecord
from .services import attendance as attendance_services
from .services import completion, enrolment, programmes


def _get(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None


def _people_for_groups(user, region):
    """People an operator may name as a group's teachers or organiser: those working in the region.
    The form lists them by name, so the page's read of them is logged (cnppm.readlog)."""
    from cnppm.models import Person

    return access.tracked(
        user,
        Person.objects.filter(access.consenting_q(), organization__municipality__region=region).order_by(
            "last_name", "first_name"
        ),
    )


@login_required
def programme_list(request):
    status = request.GET.get("status", "")
    status = status if status in ProgrammeStatus.values else ""
    can_manage = access.has_role(request.user, "operator")
    return render(
        request,
        "courses/programmes.html",
        {
            "programmes": selectors.programme_list(user=request.user, status=status),
            "status": status,
            "statuses": ProgrammeStatus.choices,
            "can_manage": can_manage,
            "taught": selectors.taught_groups(user=request.user)[:20],
        },
    )


@login_required
def programme_detail(request, pk):
    programme = _get(access.programmes(request.user).select_related("region", "provider_organization"), pk)
    managed = access.programmes_managed(request.user).filter(pk=programme.pk).exists()
    return render(
        request,
        "courses/programme.html",
        {
            "programme": programme,
            "groups": selectors.group_list(user=request.user, programme=programme),
            "managed": managed,
            "statuses": [s for s in ProgrammeStatus.choices if s[0] != programme.status],
        },
    )


@login_required
def programme_edit(request, pk=None):
    programme = None
    if pk is not None:
        programme = _get(access.programmes_managed(request.user), pk)
    elif not access.has_role(request.user, "operator"):
        raise Http404
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = programmes.programme_save(
                actor=request.user,
                data=form.data_for_service(),
                programme=programme,
                region=request.POST.get("region")
                and access.write_region(request.user, request.POST["region"]),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Программа «{saved.title}» сохранена.")
            return redirect("courses:programme", saved.pk)
    return render(request, "courses/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def programme_status(request, pk):
    programme = _get(access.programmes_managed(request.user), pk)
    try:
        programmes.programme_set_status(
            actor=request.user, programme=programme, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Статус программы изменён.")
    return redirect("courses:programme", programme.pk)


@login_required
def group_edit(request, pk=None, programme_pk=None):
    group, programme = None, None
    if pk is not None:
        group = _get(access.course_groups_managed(request.user).select_related("programme"), pk)
        programme = group.programme
        if not access.programmes_managed(request.user).filter(pk=programme.pk).exists():
            raise Http404
    else:
        programme = _get(access.programmes_managed(request.user), programme_pk)
    initial = {"teachers": list(group.teachers.all())} if group else None
    form = GroupForm(
        request.POST or None,
        instance=group,
        initial=initial,
        people=_people_for_groups(request.user, programme.region),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = programmes.group_save(
                actor=request.user, data=form.data_for_service(), programme=programme, group=group
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Группа «{saved.name}» сохранена.")
            return redirect("courses:group", saved.pk)
    return render(request, "courses/group_form.html", {"form": form, "group": group, "programme": programme})


@login_required
def group_detail(request, pk):
    group = _get(
        selectors.with_seats(
            access.course_groups(request.user).select_related("programme", "organiser")
        ).prefetch_related("teachers"),
        pk,
    )
    roles = workflow.group_roles(request.user, group)
    roster = list(selectors.roster(user=request.user, group=group)) if roles else []
    sessions = list(selectors.sessions(group))
    for e in roster:
        e.group = group
        e.actions = workflow.available_transitions(request.user, e)
        e.check = selectors.completion_check(e, sessions_total=len(sessions), attended=e.present_count)
    return render(
        request,
        "courses/group.html",
        {
            "group": group,
            "programme": group.programme,
            "roles": roles,
            "manages": bool(roles & workflow.MANAGERS),
            "marks": bool(roles & workflow.MARKERS),
            "is_operator": workflow.OPERATOR in roles,
            "roster": roster,
            "sessions": sessions,
            "free": max(group.capacity - group.seats_taken, 0),
            "finishable": group.status in (GroupStatus.RECRUITING, GroupStatus.RUNNING),
            "schedule_open": group.status not in programmes.CLOSED_STATUSES,
            "can_start": group.status == GroupStatus.RECRUITING,
        },
    )


@login_required
@require_POST
def group_status(request, pk):
    group = _get(access.course_groups_managed(request.user), pk)
    try:
        programmes.group_set_status(actor=request.user, group=group, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Состояние группы изменено.")
    return redirect("courses:group", group.pk)


@login_required
@require_POST
def group_finish(request, pk):
    group = _get(access.course_groups_taught(request.user), pk)
    try:
        result = completion.group_finish(actor=request.user, group=group)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Обучение завершено. Завершили: {len(result['completed'])}, не завершили: {len(result['not_completed'])}.",
        )
    return redirect("courses:group", group.pk)


@login_required
def group_enrol(request, pk):
    group = _get(access.course_groups_managed(request.user).select_related("programme__region"), pk)
    people_qs = access.people(request.user).filter(organization__municipality__region=group.programme.region)
    form = BulkEnrolForm(request.POST or None, people_qs=people_qs)
    if request.method == "POST" and form.is_valid():
        try:
            result = enrolment.enrolment_bulk_add(
                actor=request.user,
                group=group,
                people=form.cleaned_data["people"],
                waitlist_overflow=form.cleaned_data["waitlist_overflow"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Зачислено: {len(result['confirmed'])}, в листе ожидания: {len(result['waitlisted'])}.",
            )
            return redirect("courses:group", group.pk)
    return render(request, "courses/group_enrol.html", {"form": form, "group": group})


@login_required
def session_create(request, pk):
    group = _get(access.course_groups_managed(request.user), pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = programmes.session_save(actor=request.user, group=group, data=form.data_for_service())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Занятие {session.number} добавлено в расписание.")
            return redirect("courses:group", group.pk)
    return render(request, "courses/session_form.html", {"form": form, "group": group})


def _sessions_managed(user):
    """Sessions of the groups whose schedule the user keeps (operator, organiser): another group's
    or region's session is a 404, like an id that never existed."""
    return GroupSession.objects.filter(group__in=access.course_groups_managed(user)).select_related(
        "group__programme"
    )


def _session_page(request, session, form):
    group = session.group
    return render(
        request,
        "courses/session_form.html",
        {
            "form": form,
            "group": group,
            "session": session,
            "closed": group.status in programmes.CLOSED_STATUSES,
            "marks": session.attendance.count(),
            "delete_form": SessionDeleteForm(),
        },
    )


@login_required
def session_edit(request, pk):
    session = _get(_sessions_managed(request.user), pk)
    group = session.group
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            changed = programmes.session_update(
                actor=request.user, session=session, data=form.data_for_service()
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if changed:
                names = ", ".join(programmes.SESSION_LABELS[n] for n in changed)
                messages.success(request, f"Занятие {session.number} изменено: {names}.")
            else:
                messages.info(request, "Изменений нет.")
            return redirect("courses:group", group.pk)
    if request.method == "POST":
        # The bound form wrote the refused input into the instance: the heading shows what is stored.
        session.refresh_from_db()
    return _session_page(request, session, form)


@login_required
@require_POST
def session_delete(request, pk):
    session = _get(_sessions_managed(request.user), pk)
    group = session.group
    form = SessionDeleteForm(request.POST)
    form.is_valid()  # one optional checkbox: always valid
    label = f"Занятие {session.number} ({session.date:%d.%m.%Y})"
    try:
        removed = programmes.session_delete(
            actor=request.user,
            session=session,
            confirm_attendance=form.cleaned_data.get("confirm_attendance", False),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("courses:session_edit", session.pk)
    text = f"{label} удалено из расписания."
    if removed:
        text += f" Удалено отметок посещаемости: {removed}."
    messages.success(request, text)
    return redirect("courses:group", group.pk)


@login_required
def attendance(request, pk):
    """The course teacher's page for one session: each listener a big tap target, saved at once."""
    taught = access.course_groups_taught(request.user)
    session = _get(GroupSession.objects.filter(group__in=taught).select_related("group__programme"), pk)
    group = session.group
    roster = list(
        selectors.roster(user=request.user, group=group).filter(status__in=attendance_services.MARKABLE)
    )
    if request.method == "POST":
        present = {e.pk: f"present-{e.pk}" in request.POST for e in roster}
        try:
            attendance_services.attendance_mark(actor=request.user, session=session, present=present)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Посещаемость занятия {session.number} сохранена.")
            return redirect("courses:group", group.pk)
    marks = selectors.attendance_map(group)
    for e in roster:
        e.present = marks.get((session.pk, e.pk))
    sessions = list(selectors.sessions(group))
    return render(
        request,
        "courses/attendance.html",
        {"session": session, "group": group, "roster": roster, "sessions": sessions},
    )


@login_required
def assessment(request, pk):
    group = _get(access.course_groups_taught(request.user).select_related("programme"), pk)
    roster = list(
        selectors.roster(user=request.user, group=group).filter(status__in=attendance_services.MARKABLE)
    )
    if request.method == "POST":
        try:
            for e in roster:
                result = request.POST.get(f"result-{e.pk}")
                if result and result != e.assessment_result:
                    attendance_services.assessment_record(actor=request.user, enrolment=e, result=result)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Результаты итоговой аттестации сохранены.")
            return redirect("courses:group", group.pk)
    return render(
        request,
        "courses/assessment.html",
        {"group": group, "roster": roster, "results": AssessmentResult.choices},
    )


@login_required
@require_POST
def enrolment_transition(request, pk):
    item = _get(access.enrolments(request.user).select_related("group"), pk)
    try:
        enrolment.enrolment_transition(
            actor=request.user,
            enrolment=item,
            to_status=request.POST.get("to", ""),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Статус зачисления изменён.")
    if request.POST.get("next") == "my":
        return redirect("courses:my")
    return redirect("courses:group", item.group_id)


@login_required
@require_POST
def enrolment_finish(request, pk):
    item = _get(access.enrolments(request.user).select_related("group"), pk)
    try:
        completion.enrolment_finish(actor=request.user, enrolment=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Обучение слушателя завершено.")
    return redirect("courses:group", item.group_id)


@login_required
def my_courses(request):
    """The teacher's own courses: the ИОМ activities that are courses (with the groups to join) and
    the enrolments with their outcome."""
    items = list(selectors.my_enrolments(user=request.user))
    for e in items:
        e.actions = workflow.available_transitions(request.user, e)
    return render(
        request,
        "courses/my.html",
        {"activities": selectors.route_courses(user=request.user), "enrolments": items},
    )


@login_required
@require_POST
def enrolment_request(request):
    person_id = access.scope_of(request.user).person_id
    activity = _get(
        RouteActivity.objects.filter(route__teacher_id=person_id).select_related(
            "route__teacher", "catalogue_activity"
        ),
        request.POST.get("activity"),
    )
    group = _get(access.course_groups(request.user).select_related("programme"), request.POST.get("group"))
    try:
        enrolment.enrolment_request(actor=request.user, route_activity=activity, group=group)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Заявка в группу «{group.name}» подана. О зачислении придёт уведомление.")
    return redirect("courses:my")


@login_required
def record_detail(request, pk):
    record = access.get_or_404(
        request.user,
        TrainingRecord.objects.select_related("programme", "organization", "certificate", "group"),
        pk=pk,
    )
    return render(request, "courses/record.html", {"record": record})
