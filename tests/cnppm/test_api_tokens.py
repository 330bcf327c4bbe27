"""API tokens expire, are revoked by their owner and by an operator of the owner's region (not of
another), and die with a password change, a password reset and logout."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from cnppm.api_tokens import api_token_issue
from cnppm.models import ApiToken, AuditEvent, Region
from tests.cnppm.factories import (
    PASSWORD,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    make_person,
)
from tests.helpers import login

PEOPLE = "/api/v1/people/"


def token_client(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def issue_by_password(username="teacher"):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def test_token_is_stored_as_a_digest_and_expires(world, settings):
    key = issue_by_password()
    token = ApiToken.objects.get(user=world["teacher"].user)
    assert key not in {token.key_digest, token.prefix} and key.startswith(token.prefix)
    ttl = token.expires_at - token.created_at
    assert ttl == timedelta(seconds=settings.API_TOKEN_TTL)
    assert token_client(key).get(PEOPLE).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(key).get(PEOPLE)
    assert response.status_code == 401 and response["Content-Type"] == "application/json"
    assert "Срок действия токена истёк" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Token")


def test_unknown_token_answers_401_json(db):
    response = token_client("0" * 40).get(PEOPLE)
    assert response.status_code == 401 and "Недействительный токен" in response.json()["detail"]


def test_owner_revokes_the_token_in_use_through_the_api(world):
    key = issue_by_password()
    other_key = issue_by_password()
    response = token_client(key).delete("/api/v1/auth/token/")
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    assert token_client(key).get(PEOPLE).status_code == 401
    assert token_client(other_key).get(PEOPLE).status_code == 200


def test_owner_revokes_another_of_their_tokens_by_id_but_not_someone_elses(world):
    key = issue_by_password()
    second, _ = api_token_issue(actor=world["teacher"].user)
    strangers, stranger_key = api_token_issue(actor=world["mentor"].user)
    api = token_client(key)
    assert api.delete(f"/api/v1/auth/token/?id={strangers.pk}").status_code == 404
    assert token_client(stranger_key).get(PEOPLE).status_code == 200
    assert api.delete(f"/api/v1/auth/token/?id={second.pk}").json() == {"revoked": 1}
    assert not ApiToken.objects.filter(pk=second.pk).exists()


def test_cabinet_lists_own_tokens_with_creation_time_and_revokes_them(client, world):
    token, key = api_token_issue(actor=world["teacher"].user)
    api_token_issue(actor=world["mentor"].user)
    login(client, world["teacher"])
    html = client.get("/cabinet/").content.decode()
    assert (
        f"<code>{token.prefix}…</code> создан {timezone.localtime(token.created_at):%d.%m.%Y %H:%M}" in html
    )
    assert html.count('action="/api-tokens/') == 1
    response = client.post(f"/api-tokens/{token.pk}/revoke/", follow=True)
    assert "Токен отозван" in response.content.decode()
    assert token_client(key).get(PEOPLE).status_code == 401


def test_operator_revokes_tokens_of_their_region_only(client, world):
    """Region 2's operator sees and revokes nothing of region 1; region 1's operator does."""
    token, key = api_token_issue(actor=world["teacher"].user)
    region2 = RegionFactory(name="Второй регион", code="R2")
    centre2 = OrganizationFactory(municipality=MunicipalityFactory(region=region2), kind="centre")
    operator2 = make_person("operator", organization=centre2, username="operator2")
    assert Region.objects.count() == 2

    login(client, operator2)
    assert token.prefix not in client.get("/api-tokens/").content.decode()
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    assert token_client(key).get(PEOPLE).status_code == 200

    login(client, world["operator"])
    page = client.get("/api-tokens/").content.decode()
    assert token.prefix in page and "teacher" in page
    client.post(f"/api-tokens/{token.pk}/revoke/", {"back": "operator"})
    assert token_client(key).get(PEOPLE).status_code == 401
    assert AuditEvent.objects.filter(verb="api_token_revoked", actor=world["operator"].user).exists()


@pytest.mark.parametrize("role", ["teacher", "school_head", "mentor"])
def test_the_operator_page_is_for_operators(client, world, role):
    login(client, world[role])
    assert client.get("/api-tokens/").status_code == 403


def test_tokens_die_with_a_password_change(client, world):
    key = issue_by_password()
    login(client, world["teacher"])
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "Nov-parol-2026!", "password2": "Nov-parol-2026!"},
    )
    assert response.status_code == 302
    assert token_client(key).get(PEOPLE).status_code == 401
    assert not ApiToken.objects.filter(user=world["teacher"].user).exists()


def test_tokens_die_with_set_password_anywhere(world):
    """A service or the admin calling set_password: the token carries the old password's fingerprint."""
    key = issue_by_password()
    user = world["teacher"].user
    user.set_password("Drugoi-parol-2026!")
    user.save()
    response = token_client(key).get(PEOPLE)
    assert response.status_code == 401 and "пароль учётной записи изменён" in response.json()["detail"]


def test_tokens_die_with_a_password_reset(client, world):
    key = issue_by_password()
    user = world["teacher"].user
    assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(form_url, {"password1": "Nov-parol-2026!", "password2": "Nov-parol-2026!"})
    assert response.status_code == 302
    assert token_client(key).get(PEOPLE).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_tokens_die_at_logout(client, world):
    key = issue_by_password()
    login(client, world["teacher"])
    client.post("/accounts/logout/")
    assert token_client(key).get(PEOPLE).status_code == 401
