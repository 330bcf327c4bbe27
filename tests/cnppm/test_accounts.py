"""Accounts: login by username or e-mail, logout, no open sign-up, password reset by e-mail,
throttled failed logins, the issued password that must be changed at first login."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from cnppm.models import AuditEvent
from tests.cnppm.factories import PASSWORD, make_person

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client, login, password):
    return client.post(LOGIN, {"login": login, "password": password})


def test_login_page_is_russian_with_the_labels_the_browser_tests_use(client):
    html = client.get(LOGIN).content.decode()
    assert '<label class="form-label" for="id_login">Имя пользователя или e-mail</label>' in html
    assert '<label class="form-label" for="id_password">Пароль</label>' in html
    assert ">Войти</button>" in html
    assert "Забыли пароль?" in html
    assert 'lang="ru"' in html


def test_login_by_username_then_by_email_and_logout(client):
    person = make_person(username="ivanova", last_name="Иванова", first_name="Мария", middle_name="Петровна")
    response = post_login(client, "ivanova", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("cabinet")
    assert "Иванова Мария Петровна" in client.get("/cabinet/").content.decode()

    client.post("/accounts/logout/")
    assert client.get("/cabinet/").status_code == 302

    response = post_login(client, person.user.email.upper(), PASSWORD)
    assert response.status_code == 302 and response.url == reverse("cabinet")
    assert client.get("/cabinet/").status_code == 200


def test_wrong_password_is_refused_in_russian(client):
    make_person(username="petrov")
    response = post_login(client, "petrov", "не-тот-пароль")
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль." in response.content.decode()
    assert client.get("/cabinet/").status_code == 302


def test_sixth_attempt_after_five_wrong_passwords_is_refused_even_with_the_right_one(client):
    make_person(username="sidorov")
    make_person(username="neighbour")
    for _ in range(5):
        response = post_login(client, "sidorov", "wrong-password")
        assert "Неверное имя пользователя или пароль." in response.content.decode()
    response = post_login(client, "sidorov", PASSWORD)
    assert response.status_code == 200
    assert "Слишком много неудачных попыток входа" in response.content.decode()
    assert client.get("/cabinet/").status_code == 302
    # the block is per login: another account from the same computer still signs in
    assert post_login(client, "neighbour", PASSWORD).status_code == 302


def test_right_password_does_not_count_as_a_failure(client):
    make_person(username="smirnova")
    for _ in range(7):
        assert post_login(client, "smirnova", PASSWORD).status_code == 302
        client.post("/accounts/logout/")


def test_no_open_signup_by_default(client):
    response = client.get("/accounts/signup/")
    assert "Регистрация закрыта" in response.content.decode()
    response = client.post(
        "/accounts/signup/",
        {
            "username": "intruder",
            "email": "x@example.ru",
            "password1": "Slozhnyi-parol-42",
            "password2": "Slozhnyi-parol-42",
        },
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="intruder").exists()


def test_signup_opens_when_the_setting_enables_it(client, settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "Регистрация закрыта" not in response.content.decode()


def test_password_reset_by_email_sets_a_new_password_and_clears_the_flag(client):
    person = make_person(username="kuznetsova")
    person.user.must_change_password = True
    person.user.save()
    response = client.post("/accounts/password/reset/", {"email": person.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Восстановление пароля" in message.subject
    assert "Ваше имя пользователя: kuznetsova." in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body).group(1)

    page = client.get(link, follow=True)
    assert "Новый пароль" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(form_url, {"password1": "Novyi-parol-2025", "password2": "Novyi-parol-2025"})
    assert response.status_code == 302
    assert "Пароль изменён" in client.get(response.url).content.decode()

    person.user.refresh_from_db()
    assert person.user.check_password("Novyi-parol-2025")
    assert person.user.must_change_password is False
    assert post_login(client, "kuznetsova", "Novyi-parol-2025").status_code == 302


def test_password_reset_for_an_unknown_address_changes_nothing(client):
    make_person(username="known")
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.ru"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "нет учётной записи с этим адресом" in mail.outbox[0].body


def test_issued_password_must_be_changed_before_anything_else(client):
    person = make_person(username="novikov")
    person.user.must_change_password = True
    person.user.save()
    response = post_login(client, "novikov", PASSWORD)
    assert response.status_code == 302

    for url in ("/cabinet/", "/people/", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/password/change/?next=")
    api = client.get("/api/v1/")
    assert api.status_code == 403
    assert api.json()["detail"] == "Смените выданный пароль, чтобы продолжить работу."

    page = client.get("/accounts/password/change/?next=/cabinet/").content.decode()
    assert "Вам выдан временный пароль" in page
    assert "Текущий пароль" in page

    # a weak new password is refused in Russian and the flag stays
    response = client.post(
        "/accounts/password/change/?next=/cabinet/",
        {"oldpassword": PASSWORD, "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert "Введённый пароль состоит только из цифр." in response.content.decode()
    person.user.refresh_from_db()
    assert person.user.must_change_password is True

    response = client.post(
        "/accounts/password/change/?next=/cabinet/",
        {"oldpassword": PASSWORD, "password1": "Moi-novyi-parol-7", "password2": "Moi-novyi-parol-7"},
    )
    assert response.status_code == 302 and response.url == "/cabinet/"
    person.user.refresh_from_db()
    assert person.user.must_change_password is False
    assert person.user.check_password("Moi-novyi-parol-7")
    event = AuditEvent.objects.get(verb="password_changed")
    assert event.actor == person.user and event.old_value == "True" and event.new_value == "False"
    assert client.get("/cabinet/").status_code == 200


def test_ordinary_password_change_goes_to_the_cabinet(client):
    person = make_person(username="orlov")
    client.force_login(person.user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "Drugoi-parol-99", "password2": "Drugoi-parol-99"},
    )
    assert response.status_code == 302 and response.url == reverse("cabinet")
    assert not AuditEvent.objects.filter(verb="password_changed").exists()  # no flag to clear
    assert "Пароль успешно изменён" in client.get(response.url).content.decode()
