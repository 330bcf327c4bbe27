"""The permission matrix extended to writes across two regions (issue 8.3). Every page and endpoint
that changes data is found by walking the URL resolver (views accepting POST, PUT, PATCH or DELETE,
and the API router); each one is either in SEALED, where region 2's ten people (operator, methodists,
ministry, school head, curator, tutor, expert, mentor, teacher) try to change region 1's objects and
must get a 404 or a refusal with the database unchanged, or in EXEMPT with the reason it has no
region to cross. A new writing URL that is in neither fails `test_every_writing_url_is_covered`."""

from __future__ import annotations

import datetime
import inspect
import io
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import Workbook

from cnppm.choices import Role, SupportRole
from cnppm.import_views import _history_template
from cnppm.models import ApiToken, Municipality, Person, RoleAssignment, SupportAssignment
from diagnostics.choices import ItemType
from diagnostics.models import Answer, Item
from diagnostics.services import attempts as attempt_svc
from monitoring.definitions import ensure_definitions
from monitoring.models import IndicatorDefinition, IndicatorPlan, Period, RegionalEvent
from monitoring.services.computation import period_get_or_create
from monitoring.services.records_import import EVENTS_COLUMNS, EVENTS_SHEET
from routes.choices import RouteStatus
from routes.models import Activity, Route
from tests.cnppm.factories import SubjectFactory, make_person
from tests.cnppm.xlsx_helpers import ROSTER_COLUMNS, roster_row
from tests.diagnostics.factories import make_instrument
from tests.routes.factories import (
    ActivityFactory,
    CommentFactory,
    CorrectionFactory,
    RouteActivityFactory,
    make_route,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "put", "patch", "delete"}
REGION2_ROLES = (
    "teacher",
    "mentor",
    "school_head",
    "municipal_methodist",
    "curator",
    "tutor",
    "expert",
    "regional_methodist",
    "operator",
    "ministry",
)
# Rows that change without being data a region owns: logins, the access log, audit rows of refusals,
# rate-limit counters, background job bookkeeping.
NOT_FINGERPRINTED = {
    "cnppm.user",
    "cnppm.personaldataaccess",
    "cnppm.auditevent",
    "cnppm.loginlimit",
    "cnppm.importjob",
}

# --- Which URLs write: the resolver, walked ------------------------------------------------------


def _walk(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern):
            yield f"{ns}{p.name}", p.callback


def _posts(source: str) -> bool:
    return "POST" in source or "request.method" in source


def _writes(callback) -> bool:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF router route
        return bool(set(actions) & WRITE_METHODS)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:  # an APIView or a class-based view
        return any(callable(getattr(cls, m, None)) for m in WRITE_METHODS)
    func = inspect.unwrap(callback)
    source = inspect.getsource(func)
    if _posts(source):
        return True
    # One level down: module-level helpers the view calls (a shared form handler).
    module = inspect.getmodule(func)
    for name in set(re.findall(r"\b(\w+)\(", source)):
        helper = getattr(module, name, None)
        same_module = inspect.isfunction(helper) and helper.__module__ == func.__module__
        if same_module and helper is not func and _posts(inspect.getsource(inspect.unwrap(helper))):
            return True
    return False


def writing_url_names() -> set[str]:
    return {
        name
        for name, callback in _walk(get_resolver().url_patterns)
        if not name.startswith("admin:") and _writes(callback)
    }


# --- Region 1's objects that region 2 tries to change -------------------------------------------


@pytest.fixture
def seal(two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    teacher = r1["teacher"]
    route = make_route(teacher, status=RouteStatus.SUBMITTED)
    activity = RouteActivityFactory(route=route)
    correction = CorrectionFactory(route=route)
    CommentFactory(route=route)
    instrument = make_instrument(
        types=(ItemType.SINGLE, ItemType.EXTENDED, ItemType.EXTENDED), title="Диагностика региона 1"
    )
    attempt = attempt_svc.attempt_start(actor=teacher.user, instrument_id=instrument.pk)
    item = Item.objects.filter(variant=attempt.variant).order_by("number").first()
    # A finished attempt of region 1 with an extended answer waiting for the expert.
    other = r1["other_teacher"]
    finished = attempt_svc.attempt_start(actor=other.user, instrument_id=instrument.pk)
    for it in Item.objects.filter(variant=finished.variant):
        value = {"choice": "b"} if it.type == ItemType.SINGLE else {"text": "Ответ региона 1."}
        attempt_svc.answer_save(actor=other.user, attempt_id=finished.pk, item_id=it.pk, value=value)
    attempt_svc.attempt_finish(actor=other.user, attempt_id=finished.pk)
    # Two extended answers: one waits for the expert, one region 1's expert scored (still correctable).
    answer, scored = Answer.objects.filter(attempt=finished, item__type=ItemType.EXTENDED).order_by(
        "item__number"
    )
    attempt_svc.answer_check(actor=r1["expert"].user, answer_id=scored.pk, points=1)
    period = period_get_or_create("2024", region=r1["m1"].region)
    closed = period_get_or_create("2023", region=r1["m1"].region)
    Period.objects.filter(pk=closed.pk).update(is_closed=True)
    # Routes further on, where the card's later actions would succeed for region 1's own people.
    live = make_route(r1["other_teacher"], status=RouteStatus.IN_PROGRESS)
    live_activity = RouteActivityFactory(route=live)
    third = make_person(Role.TEACHER, organization=r1["o1"], username="third_teacher")
    completing = make_route(third, status=RouteStatus.COMPLETING)
    # Conclusions written (their form needs the final diagnostics, which this data has not): to sign.
    Route.objects.filter(pk=completing.pk).update(conclusions="Выводы региона 1")
    event = RegionalEvent.objects.create(region=r1["m1"].region, title="Форум", held_on="2024-03-01")
    ensure_definitions()
    plan = IndicatorPlan.objects.create(
        region=r1["m1"].region,
        indicator=IndicatorDefinition.objects.get(code="IOM_SHARE"),
        year=2024,
        value=5,
    )
    municipal = ActivityFactory(level="municipal", municipality=r1["m1"], title="Семинар Первого района")
    token = ApiToken.objects.create(
        user=teacher.user,
        key_digest="d" * 64,
        prefix="abcd1234",
        password_fingerprint="",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {
        "r1": r1,
        "r2": r2,
        "route": route,
        "activity": activity,
        "correction": correction,
        "attempt": attempt,
        "item": item,
        "finished": finished,
        "answer": answer,
        "scored": scored,
        "subject": SubjectFactory(),
        "period": period,
        "closed": closed,
        "live": live,
        "live_activity": live_activity,
        "completing": completing,
        "event": event,
        "plan": plan,
        "municipal": municipal,
        "assignment": SupportAssignment.objects.get(person=teacher, role=SupportRole.CURATOR),
        "profile": RoleAssignment.objects.get(person=r1["curator"], role=Role.CURATOR),
        "token": token,
    }


def _xlsx(rows, title: str = "") -> io.BytesIO:
    wb = Workbook()
    if title:
        wb.active.title = title
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "data.xlsx"
    return buf


def _roster_values(**overrides) -> list:
    row = roster_row(**overrides)
    return [row[c] for c in ROSTER_COLUMNS]


def _api(method, url, data=None):
    return (method, url, data or {}, True)


def _upload(url, data):
    """A multipart API request (an upload endpoint)."""
    return ("post", url, data, "multipart")


def _page(url, data=None):
    return ("post", url, data or {}, False)


def _route(name, s, *extra, data=None):
    return _page(reverse(f"routes:{name}", args=[s["route"].pk, *extra]), data)


def _route_api(s, action, data=None, route="route"):
    return _api("post", f"/api/v1/routes/{s[route].pk}/{action}/", data)


def _events_file() -> io.BytesIO:
    """Past regional events: one row that would become region 1's event if the upload landed there."""
    return _xlsx(
        [list(EVENTS_COLUMNS), ["Чужой форум", "форум", datetime.date(2024, 5, 1), 10, "ЦНППМ"]],
        title=EVENTS_SHEET,
    )


def _history_file(kind: str) -> io.BytesIO:
    if kind == "events":
        return _events_file()
    buf = io.BytesIO(_history_template(kind))
    buf.name = f"{kind}.xlsx"
    return buf


def _structure_file() -> io.BytesIO:
    return _xlsx(
        [["Код", "Название", "Вид"], ["M9", "Девятый район", "городской округ"]], title="Муниципалитеты"
    )


def _roster_file(s) -> io.BytesIO:
    return _xlsx(
        [
            list(ROSTER_COLUMNS),
            _roster_values(
                Организация=s["r1"]["o1"].short_name,
                Фамилия="Чужая",
                Email="chuzhaya@example.ru",
                Предметы="",
            ),
        ]
    )


def _roster_dry_run(s) -> int:
    """Region 1's operator checked a roster file (a dry run whose file waits for confirmation)."""
    if "dry_run" not in s:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from cnppm.import_jobs import import_job_submit

        region_id = s["period"].region_id
        job = import_job_submit(
            actor=s["r1"]["operator"].user,
            kind="roster",
            upload=SimpleUploadedFile("roster.xlsx", _roster_file(s).getvalue()),
            params={"dry_run": True, "region": region_id},
            region_id=region_id,
        )
        assert job.status == "done", job.errors
        s["dry_run"] = job.pk
    return s["dry_run"]


def _refstat_file() -> io.BytesIO:
    return _xlsx([["Муниципалитет", "Год", "Педагогов всего"], ["Первый район", 2024, 5]])


def _region_upload(kind: str, s, file) -> tuple:
    """An API upload naming region 1 (write_region answers 404 to anyone outside it)."""
    return _upload(f"/api/v1/imports/{kind}/", {"region": s["period"].region_id, "file": file})


def _history_page(kind: str):
    return lambda s: [
        _page(
            reverse(f"imports_{kind}"),
            {"region": s["period"].region_id, f"{kind}-file": _history_file(kind)},
        )
    ]


def _activity_form(s) -> dict:
    return {
        "title": "Чужое",
        "level": "regional",
        "organizer": "ЦНППМ",
        "result_form": "Отчёт",
        "competences": [b.pk for b in s["attempt"].instrument.blocks.all()],
        "reason": "Чужая корректировка",
    }


# Each writing URL → the requests region 2's people make against region 1's objects.
SEALED = {
    # Diagnostics: taking, retakes, the expert queue.
    "diagnostics:answer_save": lambda s: [
        _page(
            reverse("diagnostics:answer_save", args=[s["attempt"].pk, s["item"].pk]),
            {"choice": "a", "value": '{"choice": "a"}'},
        )
    ],
    "diagnostics:attempt_finish": lambda s: [
        _page(reverse("diagnostics:attempt_finish", args=[s["attempt"].pk]))
    ],
    "diagnostics:retake_grant": lambda s: [
        _page(reverse("diagnostics:retake_grant", args=[s["finished"].pk]), {"reason": "Сбой связи"})
    ],
    "diagnostics:expert_check": lambda s: [
        _page(reverse("diagnostics:expert_check", args=[s["answer"].pk]), {"points": "2"})
    ],
    "diagnostics:expert_correct": lambda s: [
        _page(reverse("diagnostics:expert_correct", args=[s["answer"].pk]), {"points": "0"})
    ],
    "attempt-answer": lambda s: [
        _api("put", f"/api/v1/attempts/{s['attempt'].pk}/answers/{s['item'].pk}/", {"value": {"choice": "a"}})
    ],
    "attempt-finish": lambda s: [_api("post", f"/api/v1/attempts/{s['attempt'].pk}/finish/")],
    "attempt-retake": lambda s: [
        _api("post", f"/api/v1/attempts/{s['finished'].pk}/retake/", {"reason": "Сбой"})
    ],
    "expert-answer-check": lambda s: [
        _api("post", f"/api/v1/expert/answers/{s['answer'].pk}/check/", {"points": 2})
    ],
    # Routes: the card and its workflow.
    "routes:edit": lambda s: [_route("edit", s, data={"educational_tasks": "Чужая задача"})],
    "routes:recommendations": lambda s: [_route("recommendations", s, data={"activity": s["municipal"].pk})],
    "routes:activity_add": lambda s: [
        _route("activity_add", s, data={"title": "Чужое", "level": "regional"})
    ],
    "routes:activity_edit": lambda s: [_route("activity_edit", s, s["activity"].pk, data={"title": "Чужое"})],
    "routes:activity_remove": lambda s: [
        _route("activity_remove", s, s["activity"].pk, data={"reason": "x"})
    ],
    "routes:activity_mark": lambda s: [
        _route("activity_mark", s, s["activity"].pk, data={"outcome": "done"})
    ],
    "routes:transition": lambda s: [_route("transition", s, data={"target": "cancelled", "comment": "x"})],
    "routes:review": lambda s: [_route("review", s, data={"verdict": "no_corrections"})],
    "routes:comment_add": lambda s: [_route("comment_add", s, data={"text": "Чужой комментарий"})],
    "routes:correction_sign": lambda s: [_route("correction_sign", s, s["correction"].pk)],
    "routes:correction_acknowledge": lambda s: [_route("correction_acknowledge", s, s["correction"].pk)],
    "routes:conclusions": lambda s: [_route("conclusions", s, data={"conclusions": "Чужие выводы"})],
    "routes:conclusions_sign": lambda s: [
        _route("conclusions_sign", s, data={"as_role": role})
        for role in ("regional_methodist", "school_head")
    ],
    "routes:conclusions_acknowledge": lambda s: [_route("conclusions_acknowledge", s)],
    "routes:final_event_mark": lambda s: [_route("final_event_mark", s, data={"done": "1"})],
    "route-activities": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/activities/", {"catalogue_activity": s["municipal"].pk})
    ],
    "route-activity-mark": lambda s: [
        _api(
            "post", f"/api/v1/routes/{s['route'].pk}/activities/{s['activity'].pk}/mark/", {"outcome": "done"}
        )
    ],
    "route-activity-remove": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/activities/{s['activity'].pk}/remove/", {"reason": "x"})
    ],
    "route-comments": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/comments/", {"text": "Чужой"})
    ],
    "route-correction-acknowledge": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/corrections/{s['correction'].pk}/acknowledge/")
    ],
    "route-correction-sign": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/corrections/{s['correction'].pk}/sign/")
    ],
    "route-review": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/review/", {"verdict": "no_corrections"})
    ],
    "route-transition": lambda s: [
        _api("post", f"/api/v1/routes/{s['route'].pk}/transition/", {"target": "cancelled", "comment": "x"})
    ],
    "route-update-card": lambda s: [
        _api(
            "post",
            f"/api/v1/routes/{s['route'].pk}/update-card/",
            {"educational_tasks": "Чужая", "final_event_title": "", "final_event_level": ""},
        )
    ],
    # Routes: the catalogue (municipal activities of region 1).
    "routes:catalogue_create": lambda s: [
        _page(
            reverse("routes:catalogue_create"),
            {
                "kind": "seminar",
                "title": "Чужой семинар",
                "level": "municipal",
                "format": "offline",
                "organizer": "ММС",
                "municipality": s["r1"]["m1"].pk,
                "competences": [b.pk for b in s["attempt"].instrument.blocks.all()],
            },
        )
    ],
    "routes:catalogue_edit": lambda s: [
        _page(reverse("routes:catalogue_edit", args=[s["municipal"].pk]), {"title": "Переименовано"})
    ],
    "catalogue-activity-list": lambda s: [
        _api(
            "post",
            "/api/v1/catalogue/",
            {
                "kind": "seminar",
                "title": "Чужой семинар",
                "level": "municipal",
                "format": "offline",
                "organizer": "ММС",
                "municipality": s["r1"]["m1"].pk,
                "competences": [b.pk for b in s["attempt"].instrument.blocks.all()],
            },
        )
    ],
    "catalogue-activity-detail": lambda s: [
        _api("patch", f"/api/v1/catalogue/{s['municipal'].pk}/", {"title": "Переименовано"}),
        _api("put", f"/api/v1/catalogue/{s['municipal'].pk}/", {"title": "Переименовано"}),
    ],
    # Routes: assignment of supporters.
    "routes:assignment_person": lambda s: [
        _page(
            reverse("routes:assignment_person", args=[s["r1"]["teacher"].pk]),
            {"role": "curator", "supporter": s["r2"]["curator"].pk},
        )
    ],
    "routes:assignment_bulk": lambda s: [
        _page(
            reverse("routes:assignment_bulk"),
            {"role": "tutor", "supporter": s["r1"]["tutor"].pk, "person": [s["r1"]["other_teacher"].pk]},
        ),
        _page(
            reverse("routes:assignment_bulk"),
            {"role": "tutor", "supporter": s["r2"]["tutor"].pk, "person": [s["r1"]["other_teacher"].pk]},
        ),
    ],
    "routes:assignment_end": lambda s: [_page(reverse("routes:assignment_end", args=[s["assignment"].pk]))],
    "routes:balance_apply": lambda s: [
        _page(
            reverse("routes:balance_apply"),
            {"role": "curator", "pair": [f"{s['r1']['other_teacher'].pk}:{s['r2']['curator'].pk}:"]},
        )
    ],
    "routes:supporter_profile_edit": lambda s: [
        _page(reverse("routes:supporter_profile_edit", args=[s["profile"].pk]), {"support_kind": "contract"})
    ],
    "routes:archives": lambda s: [_page(reverse("routes:archives"), {"organization": s["r1"]["o1"].pk})],
    "assignment-list": lambda s: [
        _api(
            "post",
            "/api/v1/assignments/",
            {"person": s["r1"]["other_teacher"].pk, "supporter": s["r2"]["curator"].pk, "role": "curator"},
        ),
        _api(
            "post",
            "/api/v1/assignments/",
            {"person": s["r2"]["teacher"].pk, "supporter": s["r1"]["curator"].pk, "role": "curator"},
        ),
    ],
    "assignment-end": lambda s: [_api("post", f"/api/v1/assignments/{s['assignment'].pk}/end/")],
    # Monitoring: periods, computations, reference data, reports.
    "monitoring:periods": lambda s: [
        _page(reverse("monitoring:periods"), {"code": "2024", "region": s["period"].region_id})
    ],
    "monitoring:period_compute": lambda s: [
        _page(reverse("monitoring:period_compute", args=[s["period"].pk]))
    ],
    "monitoring:period_close": lambda s: [_page(reverse("monitoring:period_close", args=[s["period"].pk]))],
    "monitoring:period_reopen": lambda s: [
        _page(reverse("monitoring:period_reopen", args=[s["period"].pk]), {"reason": "Пересчёт"})
    ],
    "monitoring:statistics": lambda s: [
        _page(
            reverse("monitoring:statistics"),
            {"stat-municipality": s["r1"]["m1"].pk, "stat-year": 2024, "stat-teachers_total": 5},
        )
    ],
    "monitoring:statistics_import": lambda s: [
        _page(
            reverse("monitoring:statistics_import"),
            {"imp-file": _xlsx([["Муниципалитет", "Год", "Педагогов всего"], ["Первый район", 2024, 5]])},
        ),
        _page(
            reverse("monitoring:statistics_import"),
            {
                "region": s["period"].region_id,
                "imp-file": _xlsx([["Муниципалитет", "Год", "Педагогов всего"], ["Первый район", 2024, 5]]),
            },
        ),
    ],
    "monitoring:org_facts": lambda s: [
        _page(
            reverse("monitoring:org_facts"),
            {"organization": s["r1"]["o1"].pk, "year": 2024, "implements_mentoring": "on"},
        )
    ],
    "monitoring:events": lambda s: [
        _page(
            reverse("monitoring:events"),
            {"title": "Чужой", "held_on": "2024-04-01", "participants": 3, "region": s["period"].region_id},
        )
    ],
    "monitoring:plans": lambda s: [
        _page(
            reverse("monitoring:plans"),
            {"indicator": s["plan"].indicator_id, "year": 2024, "value": "99", "region": s["plan"].region_id},
        )
    ],
    "monitoring:event_delete": lambda s: [_page(reverse("monitoring:event_delete", args=[s["event"].pk]))],
    "monitoring:quarterly_request": lambda s: [
        _page(reverse("monitoring:quarterly_request"), {"period": s["period"].pk})
    ],
    "monitoring:reports": lambda s: [
        _page(reverse("monitoring:reports"), {"period": s["period"].pk, "kind": "regional"})
    ],
    "monitoring-runs": lambda s: [
        _api("post", "/api/v1/monitoring/runs/", {"period": "2024", "region": s["period"].region_id})
    ],
    "monitoring-reports": lambda s: [
        _api("post", "/api/v1/monitoring/reports/", {"period": "2024", "kind": "regional", "format": "xlsx"})
    ],
    # Directory imports into region 1 (the region is resolved by access.write_region).
    "imports_roster": lambda s: [
        _page(
            reverse("imports_roster"),
            {
                "region": s["period"].region_id,
                "roster-file": _xlsx(
                    [
                        list(ROSTER_COLUMNS),
                        _roster_values(
                            Организация=s["r1"]["o1"].short_name,
                            Фамилия="Чужая",
                            Email="chuzhaya@example.ru",
                            Предметы="",
                        ),
                    ]
                ),
            },
        )
    ],
    "imports_structure": lambda s: [
        _page(
            reverse("imports_structure"),
            {
                "region": s["period"].region_id,
                "structure-file": _xlsx(
                    [["Код", "Название", "Вид"], ["M9", "Девятый район", "городской округ"]],
                    title="Муниципалитеты",
                ),
            },
        )
    ],
    "imports_history": _history_page("history"),
    "imports_events": _history_page("events"),
    "imports_staff_training": _history_page("staff_training"),
    # The same uploads through the API (issue 10.4): region 1 named, or its rows in the file.
    "api-import-roster": lambda s: [_region_upload("roster", s, _roster_file(s))],
    "api-import-structure": lambda s: [_region_upload("structure", s, _structure_file())],
    "api-import-reference": lambda s: [_region_upload("reference", s, _refstat_file())],
    "api-import-history": lambda s: [_region_upload("history", s, _history_file("history"))],
    "api-import-events": lambda s: [_region_upload("events", s, _events_file())],
    "api-import-staff_training": lambda s: [
        _region_upload("staff_training", s, _history_file("staff_training"))
    ],
    # Region 1's operator's dry run, confirmed by its id (page and API): region 2 writes nothing.
    "import_job_confirm": lambda s: [_page(reverse("import_job_confirm", args=[_roster_dry_run(s)]))],
    "api-import-job-confirm": lambda s: [_api("post", f"/api/v1/import-jobs/{_roster_dry_run(s)}/confirm/")],
    # Routes through the API: the card's remaining actions on region 1's route.
    "route-activity-edit": lambda s: [
        _route_api(s, f"activities/{s['live_activity'].pk}/edit", _activity_form(s), route="live")
    ],
    "route-conclusions": lambda s: [
        _route_api(s, "conclusions", {"conclusions": "Чужие выводы"}, route="completing")
    ],
    "route-conclusions-sign": lambda s: [
        _route_api(s, "conclusions/sign", {"as_role": role}, route="completing")
        for role in ("regional_methodist", "school_head")
    ],
    "route-conclusions-acknowledge": lambda s: [_route_api(s, "conclusions/acknowledge", route="completing")],
    "route-final-event": lambda s: [_route_api(s, "final-event", {"done": True}, route="live")],
    # Assignment through the API: region 1's participants, with region 1's or region 2's supporter.
    "assignment-bulk": lambda s: [
        _api(
            "post",
            "/api/v1/assignments/bulk/",
            {"persons": [s["r1"]["other_teacher"].pk], "supporter": supporter.pk, "role": "tutor"},
        )
        for supporter in (s["r1"]["tutor"], s["r2"]["tutor"])
    ],
    "assignment-balance": lambda s: [
        _api(
            "post",
            "/api/v1/assignments/balance/",
            {
                "role": "curator",
                "pairs": [{"person": s["r1"]["other_teacher"].pk, "supporter": supporter.pk}],
            },
        )
        for supporter in (s["r1"]["curator"], s["r2"]["curator"])
    ],
    "supporter-profile-detail": lambda s: [
        _api(
            "put",
            f"/api/v1/supporter-profiles/{s['profile'].pk}/",
            {"support_kind": "civil_contract", "subjects": [s["subject"].pk]},
        )
    ],
    "card-archive-list": lambda s: [
        _api("post", "/api/v1/card-archives/", {"organization": s["r1"]["o1"].pk}),
        _api("post", "/api/v1/card-archives/", {"municipality": s["r1"]["m1"].pk}),
    ],
    # The expert's correction of a score region 1's expert gave.
    "expert-answer-correct": lambda s: [
        _api("post", f"/api/v1/expert/answers/{s['scored'].pk}/correct/", {"points": 0})
    ],
    # Monitoring reference data and periods through the API.
    "api-refstat-list": lambda s: [
        _api(
            "post",
            "/api/v1/monitoring/reference/statistics/",
            {"municipality": s["r1"]["m1"].pk, "year": 2024, "teachers_total": 5},
        )
    ],
    "api-orgfact-list": lambda s: [
        _api(
            "post",
            "/api/v1/monitoring/reference/organizations/",
            {"organization": s["r1"]["o1"].pk, "year": 2024, "implements_mentoring": True},
        )
    ],
    "api-regional-event-list": lambda s: [
        _api(
            "post",
            "/api/v1/monitoring/reference/events/",
            {"title": "Чужой", "held_on": "2024-04-01", "participants": 3, "region": s["period"].region_id},
        )
    ],
    "api-regional-event-detail": lambda s: [
        _api("delete", f"/api/v1/monitoring/reference/events/{s['event'].pk}/")
    ],
    "api-indicator-plan-list": lambda s: [
        _api(
            "post",
            "/api/v1/monitoring/reference/plans/",
            {"indicator": s["plan"].indicator_id, "year": 2024, "value": "99", "region": s["plan"].region_id},
        )
    ],
    "api-period-close": lambda s: [_api("post", f"/api/v1/monitoring/periods/{s['period'].pk}/close/")],
    "api-period-reopen": lambda s: [
        _api("post", f"/api/v1/monitoring/periods/{s['closed'].pk}/reopen/", {"reason": "Пересчёт"})
    ],
    # Tokens of region 1's people.
    "api_token_revoke": lambda s: [_page(reverse("api_token_revoke", args=[s["token"].pk]))],
}

# Writing URLs with no region to cross, and why.
OWN = "changes only the signed-in person's own data (no id of another person or region is taken)"
SHARED = (
    "the diagnostics bank is shared by all regions (no region in the model); authors and operators edit it"
)
AUTH = "authentication (allauth and the token endpoint): no region data"
EXEMPT = {
    # Certificates and course imports (issue 12.4–12.6): region 2 against region 1's record, certificate,
    # programme, school and people.
    **dict.fromkeys(
        (
            "courses:record_certificate_issue",
            "courses:certificate_duplicate",
            "course-certificate-issue",
            "course-certificate-duplicate",
            "courses:import_programmes",
            "courses:import_groups",
            "courses:import_trainings",
            "api-import-programmes",
            "api-import-groups",
            "api-import-trainings",
        ),
        "sealed in tests/courses/test_certificate_region_seal.py",
    ),
    # Courses 12.1–12.3: region 2 against region 1's programme, group, session and enrolment.
    **dict.fromkeys(
        (
            "courses:enrolment_request",
            "courses:programme_create",
            "courses:programme_edit",
            "courses:programme_status",
            "courses:group_create",
            "courses:group_edit",
            "courses:group_status",
            "courses:group_finish",
            "courses:group_enrol",
            "courses:session_create",
            "courses:session_edit",
            "courses:session_delete",
            "courses:assessment",
            "courses:attendance",
            "courses:enrolment_transition",
            "courses:enrolment_finish",
            "course-programme-list",
            "course-programme-detail",
            "course-programme-status",
            "course-group-list",
            "course-group-detail",
            "course-group-status",
            "course-group-enrol",
            "course-group-sessions",
            "course-group-finish",
            "course-session-detail",
            "course-session-attendance",
            "course-enrolment-list",
            "course-enrolment-transition",
            "course-enrolment-assessment",
            "course-enrolment-finish",
        ),
        "sealed in tests/courses/test_region_seal.py",
    ),
    "profile_edit": OWN,
    "api-my-profile": OWN,
    "api-consent-withdraw": OWN,
    "consent": OWN,
    "consent_withdraw": OWN,
    "account_activate": "activation by a one-time token sent to the account's own e-mail",
    "diagnostics:instrument_start": OWN,
    "attempt-list": OWN + " (starts one's own attempt)",
    "routes:create": OWN + " (creates one's own route)",
    "route-list": OWN + " (creates one's own route)",
    "monitoring:run_status": "reads only (a status fragment); listed because the module's periods() view posts",
    "diagnostics:results_import": "people are matched only through access.people(actor)",
    "api-import-results": "the page's import (diagnostics:results_import): people are matched only through "
    "access.people(actor)",
    "routes:catalogue_import": "rows pass catalogue_activity_validate: a municipality outside the operator's "
    "region is refused (test_catalogue_rows_of_another_region_refused)",
    "api-import-catalogue": "the page's import (routes:catalogue_import) through the same service: rows pass "
    "catalogue_activity_validate, a municipality outside the operator's region is refused",
    **dict.fromkeys(
        (
            "diagnostics:block_list",
            "diagnostics:block_edit",
            "diagnostics:instrument_create",
            "diagnostics:instrument_edit",
            "diagnostics:instrument_transition",
            "diagnostics:instrument_new_version",
            "diagnostics:variant_add",
            "diagnostics:variant_delete",
            "diagnostics:item_create",
            "diagnostics:item_edit",
            "diagnostics:item_delete",
            "diagnostics:items_import",
            "diagnostics:items_import_preview",
            "item-import-list",
            "item-import-detail",
            "item-import-confirm",
            "api-import-items",
            "authoring-block-list",
            "authoring-block-detail",
            "authoring-instrument-list",
            "authoring-instrument-detail",
            "authoring-instrument-items",
            "authoring-instrument-new-version",
            "authoring-instrument-transition",
            "authoring-instrument-variants",
            "authoring-instrument-variant-delete",
            "authoring-item-detail",
        ),
        SHARED,
    ),
    **dict.fromkeys(
        (
            "api-token",
            "account_login",
            "account_logout",
            "account_signup",
            "account_reauthenticate",
            "account_email",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_confirm_login_code",
            "account_confirm_email",
            "account_reset_password_from_key",
        ),
        AUTH,
    ),
}


def test_every_writing_url_is_covered():
    """Fails when a page or endpoint that writes appears without a region-seal case (or a reason)."""
    found = writing_url_names()
    assert not set(SEALED) & set(EXEMPT)
    uncovered = sorted(found - set(SEALED) - set(EXEMPT))
    assert not uncovered, (
        f"writing URLs without a region-seal case in SEALED or a reason in EXEMPT: {uncovered}"
    )
    stale = sorted((set(SEALED) | set(EXEMPT)) - found)
    assert not stale, f"cases for URLs that no longer write or exist: {stale}"


def fingerprint() -> dict[str, list]:
    """Every row of the portal's own models (logins and logs aside), to compare before and after."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in {"cnppm", "diagnostics", "routes", "monitoring"}:
            continue
        if label in NOT_FINGERPRINTED or model._meta.proxy:
            continue
        rows[label] = list(model._default_manager.order_by("pk").values_list())
    return rows


def _send(client, method, url, data, api):
    if api and api != "multipart":
        return getattr(client, method)(url, data, content_type="application/json")
    for value in data.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return client.post(url, data)


def test_region2_cannot_change_region1(seal):
    """Every sealed URL, by each of region 2's ten people: a 404 or a refusal, and no row changed.
    One fixture for all URLs (building region 1's routes and attempts is the slow part); the data is
    compared after each URL, so a leak names the URL and the tables it changed."""
    failures = []
    clients = {}  # one signed-in client per person (a login per URL costs more than the requests)
    for role in REGION2_ROLES:
        clients[role] = Client()
        clients[role].force_login(seal["r2"][role].user)
    before = fingerprint()
    for name in sorted(SEALED):
        requests = SEALED[name](seal)
        for role in REGION2_ROLES:
            client = clients[role]
            for method, url, data, api in requests:
                response = _send(client, method, url, data, api)
                allowed = {400, 403, 404, 405} if api else {200, 302, 400, 403, 404, 405}
                if response.status_code not in allowed:
                    failures.append(f"{name}: {role} {method.upper()} {url}: {response.status_code}")
        after = fingerprint()
        changed = sorted(k for k in before if before[k] != after.get(k))
        if changed:
            failures.append(f"{name}: region 2 changed {changed}")
            before = after
    assert not failures, "\n".join(failures)


def test_the_fingerprint_sees_a_write_by_region1(client, seal):
    """The harness can fail: the same requests made by region 1's own operator change the data."""
    before = fingerprint()
    client.force_login(seal["r1"]["operator"].user)
    _send(client, *SEALED["monitoring:event_delete"](seal)[0])
    assert not RegionalEvent.objects.filter(pk=seal["event"].pk).exists()
    assert before != fingerprint()
    client.force_login(seal["r1"]["operator"].user)
    _send(client, *SEALED["routes:assignment_end"](seal)[0])
    assert SupportAssignment.objects.get(pk=seal["assignment"].pk).ended_at is not None
    _send(client, *SEALED["routes:catalogue_edit"](seal)[0])
    assert Activity.objects.filter(pk=seal["municipal"].pk).exists()
    _send(client, *SEALED["monitoring:plans"](seal)[0])
    assert str(IndicatorPlan.objects.get(pk=seal["plan"].pk).value) == "99.00"
    _send(client, *SEALED["imports_structure"](seal)[0])
    assert Municipality.objects.get(code="M9").region_id == seal["period"].region_id
    # The dry run region 2 could not confirm is confirmed by its own uploader.
    _send(client, *SEALED["api-import-job-confirm"](seal)[0])
    assert Person.objects.get(last_name="Чужая").organization == seal["r1"]["o1"]
    _send(client, *SEALED["imports_roster"](seal)[0])
    assert Person.objects.get(last_name="Чужая").organization == seal["r1"]["o1"]
    # The API cases (issue 10.4) write too when the person is region 1's own.
    _send(client, *SEALED["api-import-events"](seal)[0])
    assert RegionalEvent.objects.get(title="Чужой форум").region_id == seal["period"].region_id
    _send(client, *SEALED["api-period-reopen"](seal)[0])
    assert not Period.objects.get(pk=seal["closed"].pk).is_closed
    _send(client, *SEALED["expert-answer-correct"](seal)[0])
    assert Answer.objects.get(pk=seal["scored"].pk).points == 0
    client.force_login(seal["r1"]["other_teacher"].user)
    _send(client, *SEALED["route-final-event"](seal)[0])
    assert Route.objects.get(pk=seal["live"].pk).final_event_done


def test_catalogue_rows_of_another_region_refused(two_regions):
    from routes.services.catalogue import catalogue_activity_validate

    r1, r2 = two_regions["r1"], two_regions["r2"]
    data = {"level": "municipal", "municipality": r1["m1"], "title": "x", "kind": "seminar"}
    errors = catalogue_activity_validate(actor=r2["operator"].user, data=data)
    assert "муниципалитет не найден в вашем регионе" in errors
    errors = catalogue_activity_validate(actor=r1["operator"].user, data=data)
    assert "муниципалитет не найден в вашем регионе" not in errors
