"""Django admin of the directory: in Russian, every model with search and filters, consent
redactions published through the service, journals read-only, person reads logged."""

import pytest
from django.contrib import admin
from django.urls import reverse

from cnppm import models
from cnppm.models import AuditEvent, Consent, ConsentDocument, PersonalDataAccess
from tests.cnppm.factories import make_person

pytestmark = pytest.mark.django_db

CNPPM_MODELS = [m for m in admin.site._registry if m._meta.app_label == "cnppm"]


@pytest.fixture
def staff_client(client, world):
    user = world["operator"].user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_every_directory_model_is_in_the_admin():
    from django.apps import apps

    expected = set(apps.get_app_config("cnppm").get_models())
    assert expected == set(CNPPM_MODELS)
    for model in CNPPM_MODELS:
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model


@pytest.mark.parametrize("model", CNPPM_MODELS, ids=lambda m: m.__name__)
def test_changelists_open_with_search_and_filters_in_russian(staff_client, model):
    url = reverse(f"admin:cnppm_{model._meta.model_name}_changelist")
    response = staff_client.get(url, {"q": "Школа"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Администрирование портала ЦНППМ" in html
    assert (
        f"Выберите {model._meta.verbose_name}" in html or str(model._meta.verbose_name_plural) in html.lower()
    )
    assert 'value="Найти"' in html
    if admin.site._registry[model].list_filter:
        assert "Фильтр" in html


def test_admin_index_in_russian(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert "Справочник" in html and "Люди" in html and "Журнал доступа к персональным данным" in html


def test_people_admin_search_finds_by_last_name(staff_client, world):
    html = staff_client.get("/admin/cnppm/person/", {"q": world["other_teacher"].last_name}).content.decode()
    assert world["other_teacher"].full_name in html
    assert world["teacher"].full_name not in html


def test_people_admin_logs_personal_data_reads(staff_client, world):
    staff_client.get("/admin/cnppm/person/")
    staff_client.get(f"/admin/cnppm/person/{world['teacher'].pk}/change/")
    actions = sorted(PersonalDataAccess.objects.values_list("action", "object_id"))
    assert actions == [("list", ""), ("view", str(world["teacher"].pk))]


def test_publish_action_makes_a_redaction_current(staff_client, world):
    v1 = ConsentDocument.objects.create(version="1.0", title="Согласие", text="Текст 1", is_current=True)
    Consent.objects.create(user=world["teacher"].user, document=v1)
    Consent.objects.create(user=world["operator"].user, document=v1)  # the operator is gated too
    response = staff_client.post(
        "/admin/cnppm/consentdocument/add/",
        {"version": "2.0", "title": "Согласие, ред. 2", "text": "Текст 2"},
    )
    assert response.status_code == 302
    v2 = ConsentDocument.objects.get(version="2.0")
    assert not v2.is_current  # saved as a draft
    response = staff_client.post(
        "/admin/cnppm/consentdocument/",
        {"action": "publish", "_selected_action": [v2.pk]},
        follow=True,
    )
    assert "Редакция 2.0 опубликована" in response.content.decode()
    assert ConsentDocument.objects.get(is_current=True) == v2
    assert AuditEvent.objects.filter(verb="consent_document_published", new_value="2.0").exists()
    # the teacher who consented to 1.0 is asked again
    from tests.helpers import login

    login(staff_client, world["teacher"])
    assert staff_client.get("/cabinet/").url.startswith("/consent/")


def test_a_consented_redaction_cannot_be_edited(staff_client, world):
    v1 = ConsentDocument.objects.create(version="1.0", title="Согласие", text="Текст 1", is_current=True)
    Consent.objects.create(user=world["teacher"].user, document=v1)
    Consent.objects.create(user=world["operator"].user, document=v1)
    staff_client.post(
        f"/admin/cnppm/consentdocument/{v1.pk}/change/",
        {"version": "1.0", "title": "Подменённый", "text": "Подменённый текст"},
    )
    v1.refresh_from_db()
    assert v1.text == "Текст 1" and v1.title == "Согласие"
    assert staff_client.get(f"/admin/cnppm/consentdocument/{v1.pk}/delete/").status_code == 403


def test_journals_are_read_only(staff_client, world):
    make_person(username="x")
    assert staff_client.get("/admin/cnppm/auditevent/add/").status_code == 403
    assert staff_client.get("/admin/cnppm/personaldataaccess/add/").status_code == 403
    assert staff_client.get("/admin/cnppm/consent/add/").status_code == 403


def test_non_staff_cannot_enter_the_admin(client, world):
    client.force_login(world["teacher"].user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_all_models_have_russian_verbose_names():
    for model in CNPPM_MODELS:
        assert any("а" <= ch <= "я" for ch in str(model._meta.verbose_name).lower()), model
    assert models.Consent._meta.get_field("user").verbose_name
