"""The personal-data access log by construction (cnppm/readlog.py): every page and API endpoint that
shows a person's data to someone else leaves one row naming that person, lists name everyone listed,
and the participant's own pages and the answer autosave leave nothing and cost nothing."""

import io

import openpyxl
import pytest
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse
from pypdf import PdfReader

from cnppm.choices import Role, SupportRole
from cnppm.models import Person, PersonalDataAccess, RoleAssignment, SupportAssignment
from courses.choices import GroupStatus
from routes.choices import RouteStatus
from tests.cnppm.factories import make_person
from tests.courses.factories import GroupFactory, enrol, sessions
from tests.helpers import count_queries, login
from tests.routes.factories import (
    CommentFactory,
    CorrectionFactory,
    ReviewFactory,
    RouteActivityFactory,
    make_route,
)

pytestmark = pytest.mark.django_db

# One viewer per kind of scope: region, municipality, school, support (the ministry sees no person).
# The scoped fetch is the same for every role; rendering a PDF takes seconds: one role reads them.
PDF_URLS = {"routes:card_pdf", "courses:certificate_pdf", "course-certificate-pdf"}
VIEWERS = ("operator", "municipal_methodist", "school_head", "curator", "mentor", "ministry")
# Lists of supporters and a supporter's profile: the people read there are the curators, tutors and mentors.
SUPPORTER_LISTS = {
    "routes:caseloads",
    "support-pool",
    "routes:supporter_profiles",
    "supporter-profile-detail",
}
# URLs with ids that name no person's data (directories, the catalogue, authoring, aggregates, the
# anonymous expert queue, one's own tokens and jobs) or that only write (POST).
NOT_PERSON_LEVEL = {
    "api_token_revoke",
    # Courses (issue 12.4–12.6): a programme's figures are counts; the issue and duplicate answer POST only.
    "course-programme-figures",
    "courses:record_certificate_issue",
    "courses:certificate_duplicate",
    "course-certificate-duplicate",
    # Courses (issue 12.1–12.3): a programme and its form are a description (its groups with their
    # teachers, no listener); a session and its form are a date and a topic; the statuses and a new
    # session through the API POST only and answer with the programme, the group or the session;
    # the attendance POST answers with a count.
    "courses:programme",
    "courses:programme_edit",
    "courses:programme_status",
    "courses:group_status",
    "courses:session_create",
    # A session's form and its deletion (issue 12.2): a date, a topic and a count of attendance
    # marks, no listener named; the API's change and deletion of a session are course-session-detail.
    "courses:session_edit",
    "courses:session_delete",
    "course-programme-detail",
    "course-programme-status",
    "course-group-status",
    "course-group-sessions",
    "course-session-detail",
    "course-session-attendance",
    # One's own import job: its counts and row errors, like the "import_job" page.
    "api-import-job-detail",
    # Confirming one's own dry run (page and API) answers POST only, with the new job's counts.
    "api-import-job-confirm",
    "import_job_confirm",
    # The anonymous expert queue: the correction POSTs a score to an answer without its author.
    "expert-answer-correct",
    # Authoring: blocks, instruments, their variants and items are questions, nobody's data.
    "authoring-block-detail",
    "authoring-instrument-detail",
    "authoring-instrument-items",
    "authoring-instrument-new-version",
    "authoring-instrument-transition",
    "authoring-instrument-variant-delete",
    "authoring-instrument-variants",
    "authoring-item-detail",
    # One's own archive order (scope, status, counts); its ZIP of PDF cards, which this crawl cannot
    # read, is labelled an export by personal_data_log in the view (tests/routes/test_archive.py).
    "card-archive-detail",
    "card-archive-download",
    # Monitoring reference events and periods: regional aggregates and dates; close/reopen POST only.
    "api-regional-event-detail",
    "api-period-detail",
    "api-period-close",
    "api-period-reopen",
    "import_job",
    "diagnostics:instrument_start",
    "diagnostics:answer_save",
    "diagnostics:expert_check",
    "diagnostics:expert_correct",
    "diagnostics:block_edit",
    "diagnostics:instrument_detail",
    "diagnostics:instrument_edit",
    "diagnostics:instrument_transition",
    "diagnostics:instrument_new_version",
    "diagnostics:instrument_export",
    "diagnostics:variant_add",
    "diagnostics:variant_items",
    "diagnostics:variant_delete",
    "diagnostics:item_create",
    "diagnostics:item_edit",
    "diagnostics:item_delete",
    # An uploaded item bank before confirmation (issue 10.1): questions and categories, nobody's data.
    "diagnostics:items_import_preview",
    "item-import-detail",
    "item-import-confirm",
    "routes:catalogue_edit",
    "routes:archive_download",
    "monitoring:municipality",
    "monitoring:period_compute",
    "monitoring:period_close",
    "monitoring:period_reopen",
    "monitoring:run_status",
    "monitoring:event_delete",
    "monitoring:report_download",
    "api-municipality-detail",
    "api-organization-detail",
    "instrument-detail",
    "attempt-answer",
    "expert-answer-detail",
    "expert-answer-check",
    "catalogue-activity-detail",
    "monitoring-run-detail",
    "monitoring-report-detail",
    "monitoring-report-download",
    "media",
}
# Texts of the teacher's route that lists show without the teacher's name.
MARKERS = ("Вопрос по курсу", "Перенос сроков курсов")
SKIP_PREFIXES = ("admin/", "accounts/", "api/schema/", "api/docs/", "consent/", "health/", "static/")


def url_patterns(resolver=None, namespace=None, prefix=""):
    """(name, kwarg names, route) of every URL of the project, walking the resolver and the routers."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from url_patterns(p, ns, prefix + str(p.pattern))
        else:
            keys = list(getattr(p.pattern, "converters", {})) or list(p.pattern.regex.groupindex)
            name = p.name and (f"{namespace}:{p.name}" if namespace else p.name)
            yield name, keys, prefix + str(p.pattern)


def _certificate(world):
    """The teacher's certificate of a Centre course (issue 12.4), its PDF not rendered yet."""
    from courses.services.certificates import certificate_issue
    from tests.courses.certificate_data import programme, record

    prog = programme(world["m1"].region)
    return certificate_issue(actor=world["operator"].user, training_record=record(world["teacher"], prog))


@pytest.fixture
def data(world):
    """The world with a route of the teacher carrying everything that can be read: activities,
    comments, a verdict, a correction, support assignments, the finished entry diagnostics."""
    Person.objects.filter(pk=world["teacher"].pk).update(last_name="Логируемова")
    Person.objects.filter(pk=world["curator"].pk).update(last_name="Кураторова")
    for key in ("teacher", "curator"):
        world[key].refresh_from_db()
    teacher = world["teacher"]
    route = make_route(teacher, status=RouteStatus.IN_PROGRESS)
    activity = RouteActivityFactory(route=route)
    comment = CommentFactory(route=route, text="Вопрос по курсу")
    review = ReviewFactory(route=route, curator=world["curator"])
    correction = CorrectionFactory(route=route)
    attempt = route.entry_attempt
    assignment = SupportAssignment.objects.get(person=teacher, role=SupportRole.CURATOR)
    certificate = _certificate(world)
    # A group of the certificate's programme taught by the tutor, the teacher among its listeners.
    group = GroupFactory(
        programme=certificate.training_record.programme,
        teachers=[world["tutor"]],
        status=GroupStatus.RUNNING,
    )
    session = sessions(group, 1)[0]
    enrolment = enrol(group, teacher)
    profile = RoleAssignment.objects.get(person=world["curator"], role=Role.CURATOR)
    objects = {
        "teacher": teacher,
        "route": route,
        "activity": activity,
        "comment": comment,
        "review": review,
        "correction": correction,
        "attempt": attempt,
        "assignment": assignment,
        "curator": world["curator"],
        "instrument": attempt.instrument,
        "certificate": certificate,
        "record": certificate.training_record,
        "programme": group.programme,
        "group": group,
        "session": session,
        "enrolment": enrolment,
        "profile": profile,
    }
    route_pk = {"pk": "route"}
    kwargs = {
        "person_detail": {"pk": "teacher"},
        "routes:assignment_person": {"pk": "teacher"},
        "routes:assignment_end": {"pk": "assignment"},
        "routes:supporter_caseload": {"pk": "curator"},
        "routes:supporter_profile_edit": {"pk": "curator"},
        "routes:evidence": {"apk": "activity"},
        "diagnostics:attempt_question": {"pk": "attempt", "number": 1},
        "api-person-detail": {"pk": "teacher"},
        "assignment-detail": {"pk": "assignment"},
        "assignment-end": {"pk": "assignment"},
        "route-comment-detail": {"pk": "comment"},
        "route-review-detail": {"pk": "review"},
        "route-correction-detail": {"pk": "correction"},
        "courses:certificate": {"pk": "certificate"},
        "courses:certificate_pdf": {"pk": "certificate"},
        "course-certificate-detail": {"pk": "certificate"},
        "course-certificate-pdf": {"pk": "certificate"},
        "courses:record": {"pk": "record"},
        "courses:attendance": {"pk": "session"},
        # the new group's form offers the region's people by name as its teachers and organiser
        "courses:group_create": {"programme_pk": "programme"},
        "supporter-profile-detail": {"pk": "profile"},
    }
    # Pages of a group list its listeners; the enrolment and finish actions answer with them.
    for name in ("group", "group_edit", "group_finish", "group_enrol", "assessment"):
        kwargs[f"courses:{name}"] = {"pk": "group"}
    for name in ("detail", "enrol", "finish"):
        kwargs[f"course-group-{name}"] = {"pk": "group"}
    for name in ("enrolment_transition", "enrolment_finish"):
        kwargs[f"courses:{name}"] = {"pk": "enrolment"}
    for name in ("detail", "assessment", "finish", "transition"):
        kwargs[f"course-enrolment-{name}"] = {"pk": "enrolment"}
    for name in [
        "card",
        "edit",
        "recommendations",
        "activity_add",
        "transition",
        "review",
        "comment_add",
        "conclusions",
        "conclusions_sign",
        "conclusions_acknowledge",
        "final_event_mark",
        "card_pdf",
        "card_xlsx",
    ]:
        kwargs[f"routes:{name}"] = route_pk
    for name in ("activity_edit", "activity_remove", "activity_mark"):
        kwargs[f"routes:{name}"] = {"pk": "route", "apk": "activity"}
    for name in ("correction_sign", "correction_acknowledge"):
        kwargs[f"routes:{name}"] = {"pk": "route", "cpk": "correction"}
    for name in ("attempt_finish", "attempt_result", "retake_grant"):
        kwargs[f"diagnostics:{name}"] = {"pk": "attempt"}
    for name in ("statistics_detail", "statistics_export", "results_export"):
        kwargs[f"diagnostics:{name}"] = {"pk": "instrument"}
    for name in ("detail", "result", "finish", "retake"):
        kwargs[f"attempt-{name}"] = {"pk": "attempt"}
    for name in ("results", "results-xlsx", "statistics"):
        kwargs[f"instrument-{name}"] = {"pk": "instrument"}
    for name in [
        "detail",
        "activities",
        "comments",
        "recommendations",
        "review",
        "transition",
        "update-card",
    ]:
        kwargs[f"route-{name}"] = route_pk
    for name in (
        "route-conclusions",
        "route-conclusions-acknowledge",
        "route-conclusions-sign",
        "route-final-event",
    ):
        kwargs[name] = route_pk
    for name in ("route-activity-mark", "route-activity-remove", "route-activity-edit"):
        kwargs[name] = {"pk": "route", "activity_pk": "activity"}
    for name in ("route-correction-acknowledge", "route-correction-sign"):
        kwargs[name] = {"pk": "route", "correction_pk": "correction"}
    world.update(objects)
    # URLs opening one of the teacher's own records: whatever they answer with is the teacher's data
    teachers = {
        "teacher",
        "route",
        "activity",
        "comment",
        "review",
        "correction",
        "attempt",
        "assignment",
        "certificate",
        "record",
        "enrolment",
    }
    world["teacher_urls"] = {name for name, spec in kwargs.items() if teachers & set(spec.values())}
    world["kwargs"] = {
        name: {k: (objects[v].pk if isinstance(v, str) else v) for k, v in spec.items()}
        for name, spec in kwargs.items()
    }
    return world


def crawl_urls(data) -> list[tuple[str, str]]:
    urls, unclassified = [], []
    for name, keys, route in url_patterns():
        if not name or route.startswith(SKIP_PREFIXES) or name in NOT_PERSON_LEVEL:
            continue
        if keys and name not in data["kwargs"]:
            unclassified.append(name)
            continue
        urls.append((name, reverse(name, kwargs=data["kwargs"].get(name) or None)))
    # a new URL with an id must be classified here: person-level (give its ids) or not
    assert not unclassified, f"URLs to classify in this test: {unclassified}"
    return urls


def body_text(response) -> str:
    """What a person reading the answer sees: the page or JSON, or the text of a PDF or XLSX."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "html" in kind or "json" in kind or kind.startswith("text/"):
        return body.decode()
    if body.startswith(b"%PDF"):
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if body.startswith(b"PK"):
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return " ".join(
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        )
    return ""


def test_every_person_level_page_and_endpoint_logs_whom_it_showed(client, data):
    teacher, curator = data["teacher"], data["curator"]
    missing, logged = [], set()
    urls = crawl_urls(data)
    for role in VIEWERS:
        viewer = data[role]
        login(client, viewer)
        for name, url in urls:
            if name in PDF_URLS and role != VIEWERS[0]:
                continue  # the same scoped fetch as card.xlsx; rendering a PDF takes seconds
            before = PersonalDataAccess.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = client.get(url)
            if response.status_code != 200:
                continue
            target = curator if name in SUPPORTER_LISTS else teacher
            if target == viewer:
                continue
            text = body_text(response)
            if name not in data["teacher_urls"] and not any(m in text for m in (target.last_name, *MARKERS)):
                continue
            rows = PersonalDataAccess.objects.filter(pk__gt=before)
            assert rows.count() <= 1, f"{url} as {role}: one row per request"
            row = rows.first()
            if row is None or row.actor != viewer.user or target.pk not in row.person_ids:
                missing.append(f"{role} GET {url}: {row and (row.actor, row.person_ids)}")
            else:
                logged.add(name)
    assert not missing, "person-level reads without a log row naming the person:\n" + "\n".join(missing)
    # the pages the issue found unlogged are among those crawled and logged
    assert {
        "routes:card",
        "routes:recommendations",
        "routes:caseloads",
        "routes:assignment_list",
        "person_detail",
        "support-pool",
        "route-comments",
        "route-comment-list",
        "route-comment-detail",
        "route-review-detail",
        "route-correction-detail",
        "assignment-detail",
        "api-person-list",
        "routes:card_xlsx",
        # the courses (issue 12): a group's listeners, a session's attendance, a training record
        "courses:group",
        "courses:group_edit",
        "courses:group_create",
        "courses:assessment",
        "courses:attendance",
        "courses:record",
        "course-enrolment-detail",
        "supporter-profile-detail",
    } <= logged, sorted(logged)


def test_a_list_records_whom_it_listed_not_just_how_many(client, data):
    others = [make_person(organization=data["o1"], last_name=f"Списочная{i}") for i in range(3)]
    login(client, data["school_head"])
    response = client.get(reverse("people_list"))
    assert response.status_code == 200
    row = PersonalDataAccess.objects.get(actor=data["school_head"].user)
    listed = {data["teacher"].pk, data["mentor"].pk, *(p.pk for p in others)}
    assert listed <= set(row.person_ids)
    assert data["school_head"].pk not in row.person_ids  # one's own row is not a read of another's
    assert data["other_teacher"].pk not in row.person_ids
    assert row.action == "list" and row.records == len(row.person_ids)


def test_own_pages_and_the_answer_autosave_log_nothing(client, data, settings):
    login(client, data["teacher"])
    for url in (
        reverse("routes:card", args=[data["route"].pk]),
        reverse("diagnostics:attempt_result", args=[data["attempt"].pk]),
        reverse("cabinet"),
    ):
        assert client.get(url).status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_admin_log_page_names_the_people_read(client, data):
    login(client, data["operator"])
    client.get(reverse("routes:card", args=[data["route"].pk]))
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1!")
    client.force_login(admin_user)
    page = client.get(reverse("admin:cnppm_personaldataaccess_changelist")).content.decode()
    assert "Журнал доступа к персональным данным" in page or "журнал доступа к персональным данным" in page
    assert "Логируемова" in page
    row = PersonalDataAccess.objects.get(actor=data["operator"].user)
    detail = client.get(reverse("admin:cnppm_personaldataaccess_change", args=[row.pk])).content.decode()
    assert "Логируемова" in detail


@override_settings()
def test_autosave_costs_no_query_for_the_log(client, world, settings):
    from diagnostics.models import Attempt, Item
    from tests.diagnostics.factories import make_instrument

    instrument = make_instrument(title="Диагностика", time_limit_minutes=120)
    login(client, world["teacher"])
    client.post(reverse("diagnostics:instrument_start", args=[instrument.pk]))
    attempt = Attempt.objects.get(person=world["teacher"])
    item = Item.objects.get(variant=attempt.variant, number=5)
    url = reverse("diagnostics:answer_save", args=[attempt.pk, item.pk])
    client.post(url, {"type": "short", "text": "первый"})
    with_log = count_queries(lambda: client.post(url, {"type": "short", "text": "второй"})).count
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "cnppm.readlog.PersonalDataReadLogMiddleware"
    ]
    without_log = count_queries(lambda: client.post(url, {"type": "short", "text": "третий"})).count
    assert with_log == without_log
    assert not PersonalDataAccess.objects.exists()
