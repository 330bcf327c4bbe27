"""The password change's current-password check is behind the one login limit (cnppm.auth_limits):
wrong current passwords count like failed logins of that account from that client, and while locked
even the right one is not accepted, with a Russian message saying when to try again."""

import pytest
from django.test import Client

from cnppm import auth_limits
from tests.cnppm.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/accounts/password/change/"
NEW = "Новый-пароль-2026!"


def change(client, old):
    return client.post(URL, {"oldpassword": old, "password1": NEW, "password2": NEW})


def test_wrong_current_passwords_lock_the_change(world):
    teacher = world["teacher"]
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(teacher.user)
    for _ in range(5):
        response = change(client, "wrong")
        assert response.status_code == 200
        assert "Текущий пароль введён неверно." in response.content.decode()
    # the sixth try is refused even with the right password
    response = change(client, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Смена пароля временно заблокирована: повторите попытку через" in page
    teacher.user.refresh_from_db()
    assert teacher.user.check_password(PASSWORD) and not teacher.user.check_password(NEW)
    # the same budget as the login form: signing in from that client is locked too
    response = Client(REMOTE_ADDR="203.0.113.7").post(
        "/accounts/login/", {"login": teacher.user.username, "password": PASSWORD}
    )
    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_the_right_password_changes_it_and_forgives_the_failures(world):
    teacher = world["teacher"]
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.force_login(teacher.user)
    for _ in range(3):
        change(client, "wrong")
    response = change(client, PASSWORD)
    assert response.status_code == 302
    teacher.user.refresh_from_db()
    assert teacher.user.check_password(NEW)
    # the account's counter from this client is cleared: no lock however the next tries go
    auth_limits.check(None, {"username": teacher.user.username})


def test_the_admin_password_change_leads_to_the_limited_page(world):
    user = world["operator"].user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(user)
    for method in (client.get, client.post):
        response = method("/admin/password_change/")
        assert response.status_code == 302 and response.url == URL
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
