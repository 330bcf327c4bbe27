"""The region seal of the courses (issue 8.3 extended to issue 12): every writing page and endpoint of
courses 12.1–12.3, tried by each of region 2's ten people against region 1's programme, group,
session and enrolment, answers a 404 or a refusal and changes none of region 1's course rows. The
shared walk (tests/cnppm/test_region_seal_writes.py) lists these URLs as sealed here."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Attendance, Certificate, Enrolment, Group, GroupSession, Programme, TrainingRecord
from routes.models import RouteActivity
from tests.courses.factories import GroupFactory, ProgrammeFactory, enrol, route_course, sessions

pytestmark = pytest.mark.django_db

# Region 2's operator (who may write in their own region), a support role and a listener: the scoping
# of the courses does not branch on the other roles (the shared walk tries all ten on the rest).
REGION2_ROLES = ("operator", "tutor", "teacher")
API = "/api/v1/courses"


def _fingerprint(region) -> dict:
    return {
        "programme": list(Programme.objects.filter(region=region).order_by("pk").values_list()),
        "group": list(Group.objects.filter(programme__region=region).order_by("pk").values_list()),
        "session": list(
            GroupSession.objects.filter(group__programme__region=region).order_by("pk").values_list()
        ),
        "enrolment": list(
            Enrolment.objects.filter(group__programme__region=region).order_by("pk").values_list()
        ),
        "attendance": list(Attendance.objects.order_by("pk").values_list()),
        "record": list(TrainingRecord.objects.order_by("pk").values_list()),
        "certificate": list(Certificate.objects.order_by("pk").values_list()),
        "route_activity": list(RouteActivity.all_objects.order_by("pk").values_list("pk", "outcome")),
    }


def requests(c: dict) -> dict:
    p, g, s, e, a = c["programme"].pk, c["group"].pk, c["session"].pk, c["enrolment"].pk, c["activity"].pk
    # A change region 1's own organiser could make (a date inside the group's dates).
    moved = {"date": c["session"].date.isoformat(), "hours": 3, "topic": "Чужая"}
    page = lambda name, args, data=None: ("post", reverse(f"courses:{name}", args=args), data or {}, False)  # noqa: E731
    api = lambda method, url, data=None: (method, url, data or {}, True)  # noqa: E731
    return {
        "courses:enrolment_request": [page("enrolment_request", [], {"activity": a, "group": g})],
        "courses:programme_create": [],  # creates in the actor's own region: checked below
        "courses:programme_edit": [
            page("programme_edit", [p], {"title": "Чужая", "kind": "seminar", "hours": 2})
        ],
        "courses:programme_status": [page("programme_status", [p], {"status": "archived"})],
        "courses:group_create": [page("group_create", [p], {"name": "Чужая"})],
        "courses:group_edit": [page("group_edit", [g], {"name": "Чужая"})],
        "courses:group_status": [page("group_status", [g], {"status": "cancelled"})],
        "courses:group_finish": [page("group_finish", [g])],
        "courses:group_enrol": [page("group_enrol", [g], {"people": "x@example.org"})],
        "courses:session_create": [page("session_create", [g], {"date": "2026-01-01"})],
        "courses:session_edit": [page("session_edit", [s], moved)],
        "courses:session_delete": [page("session_delete", [s], {"confirm_attendance": "on"})],
        "courses:assessment": [page("assessment", [g], {f"result-{e}": "failed"})],
        "courses:attendance": [page("attendance", [s], {f"present-{e}": "on"})],
        "courses:enrolment_transition": [page("enrolment_transition", [e], {"to": "cancelled"})],
        "courses:enrolment_finish": [page("enrolment_finish", [e])],
        "course-programme-list": [],  # creates in the actor's own region: checked below
        "course-programme-detail": [api("patch", f"{API}/programmes/{p}/", {"title": "Чужая"})],
        "course-programme-status": [api("post", f"{API}/programmes/{p}/status/", {"status": "archived"})],
        "course-group-list": [
            api(
                "post",
                f"{API}/groups/",
                {
                    "programme": p,
                    "name": "Ч",
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-01-02",
                    "capacity": 3,
                },
            )
        ],
        "course-group-detail": [api("patch", f"{API}/groups/{g}/", {"capacity": 9})],
        "course-group-status": [api("post", f"{API}/groups/{g}/status/", {"status": "cancelled"})],
        "course-group-enrol": [api("post", f"{API}/groups/{g}/enrol/", {"people": [c["people"][0]]})],
        "course-group-sessions": [api("post", f"{API}/groups/{g}/sessions/", {"date": "2026-01-01"})],
        "course-group-finish": [api("post", f"{API}/groups/{g}/finish/")],
        "course-session-detail": [
            api("put", f"{API}/sessions/{s}/", moved),
            api("patch", f"{API}/sessions/{s}/", {"topic": "Чужая"}),
            api("delete", f"{API}/sessions/{s}/?confirm_attendance=true"),
        ],
        "course-session-attendance": [
            api("post", f"{API}/sessions/{s}/attendance/", {"marks": [{"enrolment": e, "present": False}]})
        ],
        "course-enrolment-list": [api("post", f"{API}/enrolments/", {"route_activity": a, "group": g})],
        "course-enrolment-transition": [
            api("post", f"{API}/enrolments/{e}/transition/", {"to": "cancelled"})
        ],
        "course-enrolment-assessment": [
            api("post", f"{API}/enrolments/{e}/assessment/", {"result": "failed"})
        ],
        "course-enrolment-finish": [api("post", f"{API}/enrolments/{e}/finish/")],
    }


def test_region2_cannot_change_region1_courses(client, two_regions):
    r1, r2 = two_regions["r1"], two_regions["r2"]
    region1 = r1["m1"].region
    programme = ProgrammeFactory(region=region1, min_attendance_percent=0, requires_assessment=False)
    group = GroupFactory(programme=programme, capacity=3, teachers=[r1["tutor"]], organiser=r1["curator"])
    session = sessions(group, 1)[0]
    enrolment = enrol(group, r1["teacher"])
    activity = route_course(r2["teacher"], programme)
    c = {
        "programme": programme,
        "group": group,
        "session": session,
        "enrolment": enrolment,
        "activity": activity,
        "people": [r1["other_teacher"].pk],
    }
    before = _fingerprint(region1)
    failures = []
    for name, reqs in requests(c).items():
        for role in REGION2_ROLES:
            client.force_login(r2[role].user)
            for method, url, data, is_api in reqs:
                if is_api:
                    response = getattr(client, method)(url, data, content_type="application/json")
                else:
                    response = client.post(url, data)
                allowed = {400, 403, 404, 405} if is_api else {302, 403, 404, 405}
                if response.status_code not in allowed:
                    failures.append(f"{name}: {role} {method.upper()} {url}: {response.status_code}")
        after = _fingerprint(region1)
        if after != before:
            failures.append(f"{name}: region 2 changed {[k for k in before if before[k] != after[k]]}")
            before = after
    # Creating a programme lands in the actor's own region, never in region 1.
    client.force_login(r2["operator"].user)
    client.post(
        reverse("courses:programme_create"),
        {
            "title": "Своя",
            "kind": "seminar",
            "hours": 4,
            "form": "distance",
            "provider_level": "centre",
            "document_kind": "none",
            "min_attendance_percent": 0,
        },
    )
    client.post(
        f"{API}/programmes/",
        {"title": "Своя 2", "kind": "seminar", "hours": 4, "form": "distance"},
        content_type="application/json",
    )
    assert set(Programme.objects.exclude(pk=programme.pk).values_list("region", flat=True)) == {
        r2["region"].pk
    }
    assert _fingerprint(region1) == before
    assert not failures, "\n".join(failures)
    # The harness can fail: region 1's own operator does change the programme.
    client.force_login(r1["operator"].user)
    client.post(reverse("courses:programme_status", args=[programme.pk]), {"status": "archived"})
    assert _fingerprint(region1) != before
