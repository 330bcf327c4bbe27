"""Withdrawal of consent (152-ФЗ ст. 9 ч. 2, ст. 21 ч. 5): at once, on every worker, the person
disappears for everybody but themselves (lists, cards, API, exports), leaves new statistics and
indicators, keeps the record of consent and withdrawal, and may sign in to consent again."""

import io
import zipfile

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cnppm import access, services
from cnppm.choices import Role
from cnppm.models import AuditEvent, Consent, SupportAssignment
from diagnostics.selectors.statistics import instrument_statistics, statistics_instruments
from monitoring.indicators import Context
from monitoring.services.computation import period_get_or_create
from routes.models import CardArchiveRun
from tests.cnppm.factories import PASSWORD, make_person
from tests.helpers import login
from tests.monitoring import factories as mf
from tests.routes.factories import make_route

pytestmark = pytest.mark.django_db


def withdraw(person):
    """The person withdraws on the consent page, in a browser of their own (a logout would end
    their API tokens too, which is not what is tested)."""
    browser = Client()
    assert browser.login(username=person.user.username, password=PASSWORD)
    response = browser.post(reverse("consent_withdraw"))
    assert response.status_code == 302 and response.url == reverse("consent")
    person.refresh_from_db()
    person.user.refresh_from_db()


def api_token(client, person) -> str:
    response = client.post(
        "/api/v1/auth/token/",
        {"username": person.user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    return response.json()["token"]


def test_withdrawn_token_is_refused_on_the_next_request_on_another_worker(client, consented, monkeypatch):
    """Two gunicorn workers without Redis: each has its own process-local cache. Worker B has cached
    «consent given»; the withdrawal runs on worker A. B's next token request is refused."""
    teacher = consented["teacher"]
    worker_a, worker_b = LocMemCache("worker-a", {}), LocMemCache("worker-b", {})
    key = api_token(client, teacher)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}

    monkeypatch.setattr(services, "cache", worker_b)
    assert client.get("/api/v1/people/", **auth).status_code == 200
    assert worker_b.get(services._consent_key(teacher.user.pk)) is True  # B remembers the positive answer

    monkeypatch.setattr(services, "cache", worker_a)
    withdraw(teacher)

    monkeypatch.setattr(services, "cache", worker_b)
    assert worker_b.get(services._consent_key(teacher.user.pk)) is True  # still stale on B
    response = client.get("/api/v1/people/", **auth)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Дайте согласие на обработку персональных данных, чтобы продолжить работу."
    )
    # the session on worker B is gated as well: only the consent page, which shows the withdrawal
    login(client, teacher)
    response = client.get("/cabinet/")
    assert response.status_code == 302 and response.url.startswith("/consent/")


def test_withdrawal_is_recorded_and_the_person_may_consent_again(client, consented):
    teacher = consented["teacher"]
    withdraw(teacher)
    consent = Consent.objects.get(user=teacher.user)
    assert consent.withdrawn_at is not None and consent.document == consented["document"]
    assert teacher.consent_withdrawn_at == consent.withdrawn_at == teacher.user.consent_withdrawn_at
    event = AuditEvent.objects.get(verb="consent_withdrawn")
    assert event.actor == teacher.user and event.old_value == "1.0"

    login(client, teacher)
    page = client.get(reverse("consent")).content.decode()
    assert f"Вы отозвали согласие {timezone.localtime(consent.withdrawn_at):%d.%m.%Y}" in page
    assert "скрыты от других пользователей" in page and "Подтвердить согласие" in page
    # they still see themselves (their own scope), nobody else does
    assert access.people(teacher.user).filter(pk=teacher.pk).exists()

    response = client.post(reverse("consent"), {"agree": "1", "document": consented["document"].pk})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.consent_withdrawn_at is None
    assert client.get("/cabinet/").status_code == 200
    assert Consent.objects.filter(user=teacher.user).count() == 2  # the withdrawn row is kept
    login(client, consented["operator"])
    assert client.get(reverse("person_detail", args=[teacher.pk])).status_code == 200


def test_operator_and_supporters_no_longer_see_the_person(client, consented):
    teacher, operator = consented["teacher"], consented["operator"]
    route = make_route(teacher)
    viewers = ("operator", "regional_methodist", "municipal_methodist", "school_head", "curator", "mentor")
    for role in viewers:
        login(client, consented[role])
        assert client.get(reverse("routes:card", args=[route.pk])).status_code == 200, role
    login(client, operator)
    assert teacher.last_name in client.get(reverse("people_list")).content.decode()

    withdraw(teacher)

    for role in viewers:
        login(client, consented[role])
        assert client.get(reverse("routes:card", args=[route.pk])).status_code == 404, role
        assert client.get(reverse("routes:card_xlsx", args=[route.pk])).status_code == 404, role
        assert client.get(reverse("person_detail", args=[teacher.pk])).status_code == 404, role
        assert client.get(f"/api/v1/people/{teacher.pk}/").status_code == 404, role
        assert client.get(f"/api/v1/routes/{route.pk}/").status_code == 404, role
        assert not any(p["id"] == teacher.pk for p in client.get("/api/v1/people/").json()["results"]), role
        assert not any(r["id"] == route.pk for r in client.get("/api/v1/routes/").json()["results"]), role
    login(client, operator)
    assert teacher.last_name not in client.get(reverse("people_list")).content.decode()
    assert teacher.last_name not in client.get(reverse("routes:list")).content.decode()
    assert teacher.last_name not in client.get(reverse("routes:assignment_list")).content.decode()
    login(client, consented["curator"])
    assert teacher.last_name not in client.get(reverse("routes:caseload")).content.decode()


def test_municipality_archive_leaves_the_withdrawn_person_out(
    client, consented, django_capture_on_commit_callbacks
):
    teacher = consented["teacher"]
    make_route(teacher)
    other = make_person(Role.TEACHER, organization=consented["o2"], last_name="Второва")
    make_route(other)
    withdraw(teacher)
    login(client, consented["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routes:archives"), {"municipality": consented["m1"].pk}, follow=True)
    assert "Архив заказан: карт — 1." in response.content.decode()
    run = CardArchiveRun.objects.get()
    with zipfile.ZipFile(run.file.path) as zf:
        names = zf.namelist()
        text = " ".join(PdfReader(io.BytesIO(zf.read(n))).pages[0].extract_text() for n in names)
    assert len(names) == 1
    assert "Второва" in text and teacher.last_name not in text


def test_statistics_and_indicators_leave_the_withdrawn_person_out(client, consented):
    teacher, operator = consented["teacher"], consented["operator"]
    others = [mf.teacher(consented["o1"], last_name=f"Участник{i}") for i in range(2)]
    for person in (teacher, *others):
        entry = mf.attempt(person, results={"ict": "high"})
        mf.route(person, entry=entry, activities=[{"competences": ["ict"]}])
    instrument = teacher.attempts.get().instrument
    period = period_get_or_create("2022-Q2")

    def figures():
        ctx = Context(period, cumulative=True)
        listed = statistics_instruments(user=operator.user).get(pk=instrument.pk).participants
        stats = instrument_statistics(user=operator.user, instrument=instrument)
        return ctx.iom_teachers().region, ctx.diagnosed().region, listed, stats.overall.participants

    assert figures() == (3, 3, 3, 3)
    withdraw(teacher)
    assert figures() == (2, 2, 2, 2)


def test_admin_finds_who_withdrew_to_destroy_their_data_in_time(client, consented):
    from django.contrib.auth import get_user_model

    withdraw(consented["teacher"])
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1!")
    services.consent_give(actor=root, document=consented["document"])
    client.force_login(root)
    page = client.get("/admin/cnppm/person/", {"consent_withdrawn_at__isempty": "0"}).content.decode()
    assert consented["teacher"].full_name in page
    assert consented["other_teacher"].full_name not in page


def test_a_supporter_who_withdraws_is_offered_and_assigned_no_more(client, consented):
    curator, teacher = consented["curator"], consented["teacher"]
    assert SupportAssignment.objects.filter(supporter=curator, ended_at__isnull=True).exists()
    withdraw(curator)
    # Their assignments ended, each with an event row; the teacher is left without a curator.
    assert not SupportAssignment.objects.filter(supporter=curator, ended_at__isnull=True).exists()
    assert not SupportAssignment.objects.filter(
        person=teacher, role="curator", ended_at__isnull=True
    ).exists()
    assert AuditEvent.objects.filter(verb="support_ended", actor=curator.user).exists()
    # Nobody can pick them again.
    assert not access.supporters(consented["operator"].user).filter(pk=curator.pk).exists()
