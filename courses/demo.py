"""The courses part of the demo region: a ДПП ПК of the Centre with a catalogue entry pointing to it
and three groups whose course teacher is tutor1: a finished one (a teacher enrolled from their ИОМ,
completed, certificate issued, the ИОМ activity done with it as evidence), a running one (teacher1
enrolled, past sessions to mark) and one recruiting (a request from another teacher's ИОМ to confirm).
Built through the services, so events, records and certificates are real. teacher1 has no route in
the demo (it takes the diagnostic and builds its route there), so teacher1 is enrolled by the
operator; the ИОМ enrolments belong to teachers whose routes are being carried out."""

from __future__ import annotations

from datetime import timedelta

from cnppm.models import Person
from diagnostics.models import CompetenceBlock
from routes.choices import ActivityFormat, ActivityKind, ActivityLevel
from routes.models import Activity, Route, RouteActivity
from routes.workflow import IMPLEMENTATION_STATUSES

from .choices import ProgrammeForm, ProgrammeStatus
from .services import attendance, completion, enrolment, programmes

TITLE = "Формирование функциональной грамотности обучающихся на уроках"


def _user(username):
    return Person.objects.filter(user__username=username).select_related("user").first()


def _route_course(route: Route, catalogue: Activity) -> RouteActivity:
    last = (
        RouteActivity.all_objects.filter(route=route)
        .order_by("-order")
        .values_list("order", flat=True)
        .first()
    )
    return RouteActivity.objects.create(
        route=route,
        catalogue_activity=catalogue,
        title=catalogue.title,
        kind=catalogue.kind,
        level=catalogue.level,
        format=catalogue.format,
        organizer=catalogue.organizer,
        starts_on=catalogue.starts_on,
        ends_on=catalogue.ends_on,
        result_form="удостоверение о повышении квалификации",
        order=(last or 0) + 1,
    )


def _session_plan(actor, group, days):
    for offset in days:
        programmes.session_save(
            actor=actor,
            group=group,
            data={
                "date": group.starts_on + timedelta(days=offset),
                "topic": "Функциональная грамотность",
                "hours": 6,
            },
        )


def seed(ctx) -> None:
    operator, tutor, teacher1 = _user("operator"), _user("tutor1"), _user("teacher1")
    if operator is None or tutor is None:
        return
    op, today = operator.user, ctx.today
    programme = programmes.programme_save(
        actor=op,
        region=ctx.region,
        data={
            "title": TITLE,
            "kind": ActivityKind.QUALIFICATION,
            "hours": 36,
            "form": ProgrammeForm.MIXED,
            "description": "Задания PISA-типа на уроках: читательская, математическая, естественнонаучная грамотность.",
            "competences": CompetenceBlock.objects.filter(code__in=["subject", "methodical"]),
            "min_attendance_percent": 75,
            "requires_assessment": True,
        },
    )
    programmes.programme_set_status(actor=op, programme=programme, status=ProgrammeStatus.OPEN)
    catalogue = Activity.objects.create(
        kind=ActivityKind.QUALIFICATION,
        title=f"ДПП ПК «{TITLE}» (36 ч.)",
        level=ActivityLevel.REGIONAL,
        format=ActivityFormat.DISTANCE,
        organizer="ЦНППМ",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=90),
        hours=36,
        programme=programme,
        created_by=op,
    )
    catalogue.competences.set(programme.competences.all())

    def group(name, start, end, capacity):
        return programmes.group_save(
            actor=op,
            programme=programme,
            data={
                "name": name,
                "starts_on": today + timedelta(days=start),
                "ends_on": today + timedelta(days=end),
                "capacity": capacity,
                "place": "ЦНППМ, ауд. 204",
                "organiser": None,
                "teachers": [tutor],
            },
        )

    # Routes being carried out (approved, in progress, completing), in a stable order.
    routes = list(
        Route.objects.filter(
            status__in=IMPLEMENTATION_STATUSES,
            teacher__organization__municipality__region=ctx.region,
            teacher__user__isnull=False,
        )
        .exclude(teacher__user__username="teacher1")
        .select_related("teacher__user")
        .order_by("id")[:2]
    )
    # 1. Finished: a teacher enrolled from the ИОМ completed the course.
    finished = group("Группа 1 (осень)", -60, -30, 20)
    _session_plan(op, finished, (0, 10, 20, 30))
    if routes:
        first = routes[0]
        e = enrolment.enrolment_request(
            actor=first.teacher.user, route_activity=_route_course(first, catalogue), group=finished
        )
        enrolment.enrolment_transition(actor=op, enrolment=e, to_status="confirmed")
        for s in finished.sessions.all():
            attendance.attendance_mark(actor=tutor.user, session=s, present={e.pk: True})
        attendance.assessment_record(actor=tutor.user, enrolment=e, result="passed")
        completion.group_finish(actor=tutor.user, group=finished)
    # 2. Running: teacher1 enrolled by the operator; a request from an ИОМ waits for confirmation.
    running = group("Группа 2 (текущая)", -14, 14, 15)
    _session_plan(op, running, (0, 7, 14, 21, 28))
    programmes.group_set_status(actor=op, group=running, status="running")
    if teacher1 is not None:
        enrolment.enrolment_bulk_add(actor=op, group=running, people=[teacher1])
    # 3. Recruiting: the next group teachers ask to join from their ИОМ.
    nxt = group("Группа 3 (весна)", 45, 75, 25)
    _session_plan(op, nxt, (0, 10, 20, 30))
    if len(routes) > 1:
        second = routes[1]
        enrolment.enrolment_request(
            actor=second.teacher.user, route_activity=_route_course(second, catalogue), group=nxt
        )
