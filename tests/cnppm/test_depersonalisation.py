"""Depersonalisation after a consent withdrawal (152-ФЗ ст. 21 ч. 5): past the term the person's
personal data go, the counts stay; who consented again is left alone; certificates of the federal
register keep what the register needs; the act is an event row and an operator's page."""

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cnppm import services
from cnppm.depersonalisation import ARCHIVE_DELETED, VERB, depersonalise_due, destruction_deadline
from cnppm.models import ApiToken, AuditEvent, Consent, Person
from cnppm.tasks import depersonalise_withdrawn
from monitoring.indicators import Context
from monitoring.models import IndicatorSnapshot
from monitoring.services.computation import computation_execute, computation_request, period_get_or_create
from routes.card_pdf import stored_dir
from routes.exports import private_storage
from routes.models import CardArchiveRun, Route, RouteActivity
from tests.cnppm.factories import PASSWORD
from tests.helpers import assert_matrix, login
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db


@pytest.fixture
def consented(consented):
    """The consented world (tests/cnppm/conftest.py), its teacher with every personal field filled."""
    world = consented
    teacher = world["teacher"]
    Person.objects.filter(pk=teacher.pk).update(
        last_name="Обезличиваемова",
        first_name="Дарья",
        middle_name="Сергеевна",
        email="darya@example.org",
        snils="112-233-445 95",
        birth_date="1980-05-04",
        sex="female",
        citizenship="643",
        education="higher",
        awards="Почётная грамота",
        additional_info="Телефон 8-900-000-00-00",
    )
    teacher.refresh_from_db()
    return world


def withdraw(person, *, days_ago=0):
    """Withdraw through the page, then move the withdrawal `days_ago` into the past."""
    browser = Client()
    assert browser.login(username=person.user.username, password=PASSWORD)
    response = browser.post(reverse("consent_withdraw"), follow=True)
    assert response.status_code == 200
    when = timezone.now() - timedelta(days=days_ago)
    Person.objects.filter(pk=person.pk).update(consent_withdrawn_at=when)
    type(person.user).objects.filter(pk=person.user_id).update(consent_withdrawn_at=when)
    person.refresh_from_db()
    return response


def test_the_withdrawal_page_tells_the_deadline(consented, settings):
    settings.CONSENT_DESTRUCTION_DAYS = 30
    teacher = consented["teacher"]
    response = withdraw(teacher)
    page = response.content.decode()
    deadline = timezone.localtime(destruction_deadline(teacher.consent_withdrawn_at))
    assert f"{deadline:%d.%m.%Y}" in page and "будут обезличены" in page
    assert deadline.date() == (timezone.localtime(teacher.consent_withdrawn_at) + timedelta(days=30)).date()
    # the person page is nobody's while consent is withdrawn (the gate for them, the scope for
    # others): operators read the deadline on the act page (test_the_act_page_is_the_operators)


def test_not_before_the_term_and_not_who_consented_again(consented, settings):
    settings.CONSENT_DESTRUCTION_DAYS = 30
    teacher, other = consented["teacher"], consented["other_teacher"]
    withdraw(teacher, days_ago=29)
    assert depersonalise_due() == 0
    # the other one withdrew long ago but consented again before the deadline
    withdraw(other, days_ago=40)
    services.consent_give(actor=other.user, document=consented["document"])
    assert depersonalise_due(now=timezone.now() + timedelta(days=2)) == 1
    other.refresh_from_db()
    teacher.refresh_from_db()
    assert other.depersonalised_at is None and other.user.is_active and other.last_name != "Обезличено"
    assert teacher.depersonalised_at is not None


def test_depersonalised_past_the_term(consented, client, django_capture_on_commit_callbacks, settings):
    teacher, operator = consented["teacher"], consented["operator"]
    route = mf.route(teacher, entry=mf.attempt(teacher, results={"ict": "high"}), activities=[{}])
    route.profile_snapshot = {
        "full_name": teacher.full_name,
        "organization": "Школа № 1",
        "awards": "Грамота",
    }
    route.save(update_fields=["profile_snapshot"])
    activity = RouteActivity.all_objects.filter(route=route).first()
    activity.evidence_file.save("evidence.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    evidence_path = activity.evidence_file.path
    pdf_dir = stored_dir(private_storage(), route.pk)
    os.makedirs(pdf_dir, exist_ok=True)
    with open(f"{pdf_dir}/old.pdf", "wb") as f:
        f.write(b"%PDF")
    ApiToken.objects.create(
        user=teacher.user,
        key_digest="x" * 64,
        prefix="x",
        password_fingerprint="y",
        expires_at=timezone.now(),
    )
    services.event_record(
        actor=teacher.user,
        target=teacher,
        verb="profile_changed",
        field="awards",
        old="",
        new="Почётная грамота",
    )
    withdraw(teacher, days_ago=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert depersonalise_withdrawn() == 1

    teacher.refresh_from_db()
    user = teacher.user
    assert teacher.full_name == f"Обезличено № {teacher.pk}"
    for field in ("email", "snils", "citizenship", "sex", "awards", "additional_info", "middle_name"):
        assert getattr(teacher, field) == "", field
    assert teacher.birth_date is None and teacher.depersonalised_at is not None
    assert teacher.consent_withdrawn_at is not None  # still outside every computation
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    assert "Обезличиваемова" not in user.username
    assert not ApiToken.objects.filter(user=user).exists()
    assert Consent.objects.filter(user=user, ip_address__isnull=False).count() == 0
    route.refresh_from_db()
    assert route.profile_snapshot["full_name"] == teacher.full_name
    assert route.profile_snapshot["organization"] == "Школа № 1" and route.profile_snapshot["awards"] == ""
    activity.refresh_from_db()
    assert not activity.evidence_file and not os.path.exists(evidence_path)
    assert not os.path.exists(pdf_dir)
    edit = AuditEvent.objects.get(verb="profile_changed")
    assert edit.new_value == "" and edit.field == "awards"
    act = AuditEvent.objects.get(verb=VERB, object_id=str(teacher.pk))
    assert f"{teacher.depersonalised_at:%d.%m.%Y}" in act.comment
    assert "Сведений, которые требуется хранить по закону, нет" in act.comment

    # the login is gone
    assert not Client().login(username=user.username, password=PASSWORD)
    # nobody finds them by name any more: the admin (which lists the withdrawn) neither
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1!")
    services.consent_give(actor=root, document=consented["document"])
    client.force_login(root)
    for query in ("Обезличиваемова", "darya@example.org", "112-233-445 95"):
        found = client.get("/admin/cnppm/person/", {"q": query}).content.decode()
        assert f"/admin/cnppm/person/{teacher.pk}/change/" not in found, query
    assert f"/admin/cnppm/person/{teacher.pk}/change/" in client.get("/admin/cnppm/person/").content.decode()
    login(client, operator)
    assert not Person.objects.filter(last_name="Обезличиваемова").exists()
    assert not Person.objects.filter(email="darya@example.org").exists()
    # the act for the operator: the id and the dates, no name
    page = client.get(reverse("depersonalisations")).content.decode()
    assert f"№ {teacher.pk}" in page and f"{timezone.localtime(teacher.depersonalised_at):%d.%m.%Y}" in page
    assert "Обезличиваемова" not in page

    # idempotent: a second run finds nobody and changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert depersonalise_due(now=timezone.now() + timedelta(days=5)) == 0
    assert AuditEvent.objects.filter(verb=VERB).count() == 1
    out = StringIO()
    call_command("depersonalise_withdrawn", stdout=out)
    assert "Обезличено: 0" in out.getvalue()


def test_card_archives_that_hold_the_persons_cards_lose_their_file(
    consented, client, django_capture_on_commit_callbacks
):
    """A ZIP of cards built for the person's school or its municipality holds their card as it was,
    with the name: the file goes, the run says why; an archive of another municipality stays."""
    teacher, operator = consented["teacher"], consented["operator"]
    mf.route(teacher, entry=mf.attempt(teacher, results={"ict": "high"}), activities=[{}])
    runs = {}
    for key, scope in {
        "school": {"organization": consented["o1"]},
        "municipality": {"municipality": consented["m1"]},
        "elsewhere": {"municipality": consented["m2"]},
    }.items():
        run = CardArchiveRun.objects.create(
            requested_by=operator.user, status=CardArchiveRun.Status.DONE, **scope
        )
        run.file.save(f"{key}.zip", ContentFile(b"PK zip of cards"), save=True)
        runs[key] = (run, run.file.path)
    withdraw(teacher, days_ago=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert depersonalise_withdrawn() == 1

    for key in ("school", "municipality"):
        run, path = runs[key]
        run.refresh_from_db()
        assert not run.file and run.error == ARCHIVE_DELETED and not os.path.exists(path), key
    kept, path = runs["elsewhere"]
    kept.refresh_from_db()
    assert kept.file and os.path.exists(path) and not kept.error
    act = AuditEvent.objects.get(verb=VERB, object_id=str(teacher.pk))
    assert "архивов карт ИОМ: 2" in act.comment
    # the operator's page says so, and the download is gone (page and API)
    login(client, operator)
    page = client.get(reverse("routes:archives")).content.decode()
    assert ARCHIVE_DELETED in page and page.count("Скачать ZIP") == 1
    gone = runs["school"][0].pk
    assert client.get(reverse("routes:archive_download", args=[gone])).status_code == 404
    assert client.get(f"/api/v1/card-archives/{gone}/download/").status_code == 404
    assert client.get(f"/api/v1/card-archives/{gone}/").json()["error"] == ARCHIVE_DELETED


def test_a_certificate_holder_keeps_what_the_register_needs(consented):
    from courses.models import Certificate
    from courses.services.certificates import certificate_issue
    from tests.courses.certificate_data import programme, record

    teacher = consented["teacher"]
    prog = programme(consented["m1"].region)
    certificate = certificate_issue(actor=consented["operator"].user, training_record=record(teacher, prog))
    holder_name = certificate.holder_name
    withdraw(teacher, days_ago=45)

    assert depersonalise_due() == 1
    teacher.refresh_from_db()
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.holder_name == holder_name and "Обезличиваемова" in holder_name
    assert teacher.snils == "112-233-445 95" and teacher.birth_date is not None
    assert teacher.sex == "female" and teacher.citizenship == "643" and teacher.education == "higher"
    assert teacher.email == "" and teacher.awards == "" and teacher.last_name == "Обезличено"
    act = AuditEvent.objects.get(verb=VERB)
    assert "ФИС ФРДО" in act.comment and certificate.registration_number in act.comment
    assert teacher.training_records.count() == 1


def test_indicators_of_a_past_period_do_not_move(consented):
    teacher, operator = consented["teacher"], consented["operator"]
    others = [mf.teacher(consented["o1"], last_name=f"Участник{i}") for i in range(2)]
    for person in (teacher, *others):
        mf.route(
            person, entry=mf.attempt(person, results={"ict": "high"}), activities=[{"competences": ["ict"]}]
        )
    period = period_get_or_create("2022-Q2")
    run = computation_request(actor=operator.user, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    stored = sorted(
        IndicatorSnapshot.objects.filter(period=period).values_list(
            "indicator_id", "scope_level", "cumulative", "value", "numerator", "denominator"
        ),
        key=str,
    )
    assert stored

    withdraw(teacher, days_ago=31)

    def live():
        ctx = Context(period, cumulative=True)
        return ctx.iom_teachers().region, ctx.diagnosed().region

    before = live()
    routes_before = Route.objects.count()
    assert depersonalise_due() == 1
    assert live() == before == (2, 2)
    assert Route.objects.count() == routes_before
    assert teacher.attempts.count() == 1
    after = sorted(
        IndicatorSnapshot.objects.filter(period=period).values_list(
            "indicator_id", "scope_level", "cumulative", "value", "numerator", "denominator"
        ),
        key=str,
    )
    assert after == stored


def test_the_act_page_is_the_operators(client, consented):
    assert_matrix(client, consented, reverse("depersonalisations"), {"operator"})
    withdraw(consented["teacher"], days_ago=3)
    login(client, consented["operator"])
    page = client.get(reverse("depersonalisations")).content.decode()
    deadline = timezone.localtime(destruction_deadline(consented["teacher"].consent_withdrawn_at))
    assert f"№ {consented['teacher'].pk}" in page and f"{deadline:%d.%m.%Y}" in page and "ожидает" in page
    assert "Обезличиваемова" not in page


def test_the_beat_runs_it_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["depersonalise-withdrawn"]
    assert entry["task"] == "cnppm.tasks.depersonalise_withdrawn"
