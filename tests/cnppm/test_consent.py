"""Personal-data consent (152-ФЗ): asked at first login, stored with the time and the redaction,
nothing else reachable before it; withdrawal; a new redaction makes everybody consent again."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from cnppm import services
from cnppm.models import AuditEvent, Consent, ConsentDocument
from tests.cnppm.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(db):
    return ConsentDocument.objects.create(
        version="1.0",
        title="Согласие на обработку персональных данных",
        text="Текст редакции 1.0",
        is_current=True,
    )


@pytest.fixture
def teacher_client(client, document):
    person = make_person(username="teacher1")
    client.force_login(person.user)
    client.person = person
    return client


def test_fresh_install_has_consent_redaction_1_0():
    migration = import_module("cnppm.migrations.0002_consent_document_v1")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # idempotent
    document = ConsentDocument.objects.get()
    assert document.version == "1.0" and document.is_current
    for words in (
        "ЦНППМ",
        "152-ФЗ",
        "Цели обработки",
        "Перечень персональных данных",
        "Срок действия",
        "Порядок отзыва",
    ):
        assert words in document.text


def test_nothing_is_reachable_before_consent(teacher_client):
    for url in ("/cabinet/", "/notifications/", "/people/", "/organizations/", "/cabinet/profile/"):
        response = teacher_client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/consent/?next="), url
    response = teacher_client.get("/api/v1/")
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "Дайте согласие на обработку персональных данных, чтобы продолжить работу."
    )
    # the consent page itself, logout and password pages stay open
    assert teacher_client.get("/consent/").status_code == 200
    assert teacher_client.get("/accounts/password/change/").status_code == 200


def test_first_login_asks_for_consent_then_returns_to_the_page(client, document):
    person = make_person(username="first")
    from tests.cnppm.factories import PASSWORD

    response = client.post("/accounts/login/", {"login": "first", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/consent/?next=%2Fcabinet%2F"
    assert "Текст редакции 1.0" in page
    assert "Редакция 1.0" in page
    assert "Прежде чем продолжить работу в портале" in page

    response = client.post(
        "/consent/", {"agree": "1", "document": document.pk, "next": "/cabinet/"}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302 and response.url == "/cabinet/"
    consent = Consent.objects.get(user=person.user)
    assert consent.document == document and consent.ip_address == "10.0.0.7" and consent.withdrawn_at is None
    assert (timezone.now() - consent.given_at).total_seconds() >= 0
    assert AuditEvent.objects.filter(verb="consent_given", new_value="1.0", actor=person.user).count() == 1
    cabinet = client.get("/cabinet/").content.decode()
    assert "редакция 1.0" in cabinet
    assert "Согласие на обработку персональных данных сохранено." in cabinet


def test_unticked_box_stale_redaction_and_double_submit(teacher_client, document):
    response = teacher_client.post("/consent/", {"document": document.pk})
    assert "Чтобы продолжить, отметьте согласие с текстом документа." in response.content.decode()
    assert not Consent.objects.exists()

    response = teacher_client.post("/consent/", {"agree": "1", "document": document.pk + 100})
    assert "была опубликована новая редакция" in response.content.decode()
    assert not Consent.objects.exists()

    teacher_client.post("/consent/", {"agree": "1", "document": document.pk})
    teacher_client.post("/consent/", {"agree": "1", "document": document.pk})
    assert Consent.objects.count() == 1
    page = teacher_client.get("/consent/").content.decode()
    assert "Вы уже дали согласие на эту редакцию." in page


def test_next_to_another_site_is_ignored(teacher_client, document):
    response = teacher_client.post(
        "/consent/", {"agree": "1", "document": document.pk, "next": "https://evil.example/"}
    )
    assert response.url == "/cabinet/"


def test_withdrawal_closes_the_portal_again(teacher_client, document):
    teacher_client.post("/consent/", {"agree": "1", "document": document.pk})
    assert teacher_client.get("/cabinet/").status_code == 200
    response = teacher_client.post("/consent/withdraw/", follow=True)
    assert "Согласие отозвано." in response.content.decode()
    consent = Consent.objects.get()
    assert consent.withdrawn_at is not None
    assert AuditEvent.objects.filter(verb="consent_withdrawn", old_value="1.0").count() == 1
    assert teacher_client.get("/cabinet/").status_code == 302
    # consenting again adds a new row; the withdrawn one stays as history
    teacher_client.post("/consent/", {"agree": "1", "document": document.pk})
    assert Consent.objects.count() == 2
    assert teacher_client.get("/cabinet/").status_code == 200


def test_publishing_a_new_redaction_makes_everyone_consent_again(teacher_client, document):
    teacher_client.post("/consent/", {"agree": "1", "document": document.pk})
    assert teacher_client.get("/cabinet/").status_code == 200
    operator = make_person(username="op").user
    v2 = ConsentDocument.objects.create(version="2.0", title="Согласие", text="Текст редакции 2.0")
    assert teacher_client.get("/cabinet/").status_code == 200  # a draft changes nothing

    services.consent_document_publish(actor=operator, document=v2)
    document.refresh_from_db()
    assert not document.is_current and ConsentDocument.objects.get(is_current=True) == v2
    event = AuditEvent.objects.get(verb="consent_document_published")
    assert (event.actor, event.old_value, event.new_value) == (operator, "1.0", "2.0")

    response = teacher_client.get("/cabinet/")
    assert response.status_code == 302 and response.url.startswith("/consent/")
    assert "Текст редакции 2.0" in teacher_client.get("/consent/").content.decode()
    # consent to the old redaction is refused
    with pytest.raises(services.DomainError, match="больше не действует"):
        services.consent_give(actor=teacher_client.person.user, document=document)
    teacher_client.post("/consent/", {"agree": "1", "document": v2.pk})
    assert teacher_client.get("/cabinet/").status_code == 200
    assert "редакция 2.0" in teacher_client.get("/cabinet/").content.decode()


def test_publishing_refuses_an_empty_redaction(document):
    operator = make_person(username="op").user
    empty = ConsentDocument.objects.create(version="3.0", title="Пусто", text="  ")
    with pytest.raises(services.DomainError, match="версия и текст"):
        services.consent_document_publish(actor=operator, document=empty)
    assert ConsentDocument.objects.get(is_current=True) == document


def test_no_redaction_published_means_no_gate(client):
    person = make_person(username="free")
    client.force_login(person.user)
    assert client.get("/cabinet/").status_code == 200
    assert "действующая редакция согласия не опубликована" in client.get("/cabinet/").content.decode()
    assert client.get("/consent/").status_code == 302


def test_token_api_requests_pass_the_same_gates(world):
    """Token requests bypass the session middleware; the API permission gates them again."""
    from rest_framework.test import APIClient

    from cnppm.api_tokens import api_token_issue
    from cnppm.models import ConsentDocument
    from cnppm.services import consent_document_publish, consent_give

    user = world["operator"].user
    _, key = api_token_issue(actor=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/people/").status_code == 200

    doc = ConsentDocument.objects.create(version="9.9", title="Согласие", text="Текст согласия")
    consent_document_publish(actor=user, document=doc)
    response = api.get("/api/v1/people/")
    assert response.status_code == 403
    assert "согласие" in response.json()["detail"]

    consent_give(actor=user, document=doc)
    assert api.get("/api/v1/people/").status_code == 200

    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = api.get("/api/v1/people/")
    assert response.status_code == 403
    assert "пароль" in response.json()["detail"]


def test_withdrawal_is_seen_at_once_despite_the_cached_answer(world, client):
    from cnppm.models import ConsentDocument
    from cnppm.services import consent_document_publish, consent_give, consent_is_given, consent_withdraw

    user = world["teacher"].user
    doc = ConsentDocument.objects.create(version="9.8", title="Согласие", text="Текст")
    consent_document_publish(actor=world["operator"].user, document=doc)
    consent_give(actor=user, document=doc)
    assert consent_is_given(user)  # cached now
    consent_withdraw(actor=user)
    assert not consent_is_given(user)
