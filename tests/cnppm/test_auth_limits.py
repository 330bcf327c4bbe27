"""One limit on password guessing, whatever the door: the login form, /admin/login/ and the API token
endpoint share one per-account-and-client and one per-client counter; the client comes only from
trusted proxies."""

import re

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from cnppm import auth_limits
from tests.cnppm.factories import PASSWORD

LOCKED = "Слишком много неудачных попыток входа"


@pytest.fixture
def superuser(world):
    user = world["operator"].user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def form_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"login": username, "password": password}, **extra)


def admin_login(client, username, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def token_login(client, username, password, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, **extra)


def refused(door, response) -> bool:
    if door is token_login:
        return response.status_code == 429 and LOCKED in response.json()["detail"]
    return response.status_code == 200 and LOCKED in response.content.decode()


DOORS = [form_login, admin_login, token_login]


@pytest.mark.parametrize("door", DOORS, ids=["form", "admin", "token"])
def test_sixth_password_is_refused_for_that_account_and_client(world, superuser, door):
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(5):
        response = door(client, "operator", "wrong")
        assert not refused(door, response)
    # The sixth try is refused even with the right password, and says when to try again.
    response = door(client, "operator", PASSWORD)
    assert refused(door, response)
    text = response.json()["detail"] if door is token_login else response.content.decode()
    assert re.search(r"повторите попытку через [1-5] мин\. \(после \d\d:\d\d [A-Z0-9+-]+\)", text), text
    if door is token_login:
        assert int(response["Retry-After"]) > 0
    else:
        assert "_auth_user_id" not in client.session
    # The owner, from their own address, is not locked out.
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert not refused(door, door(owner, "operator", PASSWORD))


def test_failures_at_every_door_add_up(world, superuser):
    client = Client(REMOTE_ADDR="203.0.113.5")
    form_login(client, "operator", "wrong")
    form_login(client, "operator", "wrong")
    admin_login(client, "operator", "wrong")
    token_login(client, "operator", "wrong")
    token_login(client, "operator", "wrong")
    assert refused(form_login, form_login(client, "operator", PASSWORD))
    assert refused(admin_login, admin_login(client, "operator", PASSWORD))
    assert refused(token_login, token_login(client, "operator", PASSWORD))


def test_the_same_account_by_email_shares_the_budget(world):
    user = world["operator"].user
    client = Client(REMOTE_ADDR="203.0.113.5")
    for login in ["operator", user.email, "OPERATOR", user.email.upper(), "operator"]:
        form_login(client, login, "wrong")
    assert refused(form_login, form_login(client, user.email, PASSWORD))


def test_spoofed_forwarded_for_gains_nothing_without_trusted_proxies(world, settings):
    settings.NUM_PROXIES = 0
    client = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(5):
        token_login(client, "operator", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = token_login(client, "operator", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert refused(token_login, response)


def test_behind_one_proxy_real_clients_are_counted_apart(world, settings):
    settings.NUM_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # nginx: every request comes from its address
    for _ in range(5):
        # The attacker's own X-Forwarded-For value comes first; nginx appends the real address.
        token_login(proxy, "operator", "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    attacker = token_login(proxy, "operator", PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    assert refused(token_login, attacker)
    owner = token_login(proxy, "operator", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert owner.status_code == 200 and owner.json()["token"]


def test_made_up_names_lock_only_the_guessing_client(world, settings):
    settings.NUM_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(11):
        form_login(proxy, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    # The guesser is now locked whatever name they try...
    assert refused(form_login, form_login(proxy, "teacher", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5"))
    # ...and a real user from another client signs in.
    response = form_login(proxy, "teacher", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302 and "_auth_user_id" in proxy.session


def test_right_password_forgives_the_accounts_failures(world):
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(4):
        token_login(client, "operator", "wrong")
    assert token_login(client, "operator", PASSWORD).status_code == 200
    for _ in range(4):
        token_login(client, "operator", "wrong")
    assert token_login(client, "operator", PASSWORD).status_code == 200


def test_unwired_callers_of_authenticate_are_limited_too(world):
    """Any other code calling django.contrib.auth.authenticate goes through the backend."""
    from django.contrib.auth import authenticate

    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.5")
    for _ in range(5):
        assert authenticate(request, username="operator", password="wrong") is None
    assert authenticate(request, username="operator", password=PASSWORD) is None
    other = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
    assert authenticate(other, username="operator", password=PASSWORD) is not None


@pytest.mark.parametrize(
    ("num", "trusted", "remote", "xff", "expected"),
    [
        (0, [], "203.0.113.5", "1.1.1.1", "203.0.113.5"),
        (1, [], "10.0.0.2", "1.1.1.1, 203.0.113.5", "203.0.113.5"),
        (1, [], "10.0.0.2", "", "10.0.0.2"),
        (2, [], "10.0.0.2", "1.1.1.1, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (0, ["10.0.0.0/8"], "10.0.0.2", "1.1.1.1, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (0, ["10.0.0.0/8"], "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (1, [], "10.0.0.2", "garbage", "10.0.0.2"),
        (1, [], "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_client_ip(settings, num, trusted, remote, xff, expected):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = num, trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=xff)
    assert auth_limits.client_ip(request) == expected


def test_allauth_rate_limits_use_the_same_client(settings, rf):
    from allauth.account.adapter import get_adapter

    settings.NUM_PROXIES = 1
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.5"


def test_cache_store_counts_and_a_dead_cache_falls_back_to_the_database(world, settings):
    """With Redis configured the counters live in the `auth_limits` cache; when it fails, in the
    database: the limit neither disappears nor locks anybody who was not guessing."""
    from cnppm.models import LoginLimit

    settings.CACHES = {
        **settings.CACHES,
        "auth_limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"},
    }
    settings.AUTH_LIMITS_CACHE = "auth_limits"
    api = APIClient(REMOTE_ADDR="203.0.113.5")
    for _ in range(5):
        token_login(api, "operator", "wrong")
    assert refused(token_login, token_login(api, "operator", PASSWORD))
    assert not LoginLimit.objects.exists()

    settings.CACHES = {
        **settings.CACHES,
        "auth_limits": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    other = APIClient(REMOTE_ADDR="198.51.100.7")
    assert token_login(other, "operator", PASSWORD).status_code == 200
    for _ in range(5):
        token_login(other, "teacher", "wrong")
    assert refused(token_login, token_login(other, "teacher", PASSWORD))
    assert LoginLimit.objects.filter(locked_until__isnull=False).exists()
