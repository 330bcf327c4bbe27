"""Refusals get the portal's own Russian pages, with DEBUG on and off: a permission denial (403),
a failed CSRF check (an expired form). API requests keep getting JSON."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import PASSWORD, login


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_permission_denied_is_the_russian_403_page(client, world, debug):
    # A staff member without model permissions opens an admin list: Django raises PermissionDenied.
    user = world["operator"].user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    login(client, world["operator"])
    response = client.get("/admin/cnppm/person/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "Доступ запрещён" in text and "нет прав" in text
    assert "Страница не найдена" not in text and "DEBUG" not in text and "Forbidden" not in text
    # The portal's frame: navigation and the way back.
    assert reverse("home") in text and 'lang="ru"' in text


def test_csrf_failure_on_a_form_is_the_russian_page(world, debug):
    client = Client(enforce_csrf_checks=True)
    login(client, world["teacher"])
    response = client.post(reverse("account_logout"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Форма устарела" in text and "обновите страницу" in text
    assert "DEBUG" not in text and "CSRF verification failed" not in text and "Forbidden" not in text
    # Nothing happened: the user is still signed in.
    assert client.get(reverse("cabinet")).status_code == 200


def test_csrf_failure_on_the_login_form(db, world, debug):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "teacher", "password": PASSWORD})
    assert response.status_code == 403
    assert "Форма устарела" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_csrf_failure_of_htmx_request_is_json(world, debug):
    client = Client(enforce_csrf_checks=True)
    login(client, world["teacher"])
    response = client.post(reverse("account_logout"), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"


def test_api_refusals_stay_json(world, debug):
    client = Client(enforce_csrf_checks=True)
    login(client, world["teacher"])
    # Session-authenticated write without the CSRF token: DRF refuses, as JSON.
    response = client.post("/api/v1/attempts/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()
    # A role-reserved API action: JSON too.
    denied = Client()
    login(denied, world["teacher"])
    response = denied.get("/api/v1/monitoring/runs/")
    assert response["Content-Type"].startswith("application/json")
