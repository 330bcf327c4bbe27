"""Passwords are hashed with Argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane; issue 11.5);
a PBKDF2 hash of before still logs in through the login page and is rehashed with Argon2id; a wrong
password is refused and counts against the login limit as before.

The test settings hash with MD5 (tests/conftest.py); these tests put back the project's list."""

import os
import subprocess
import sys
from pathlib import Path

import argon2
import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    identify_hasher,
)
from django.test import Client

from cnppm import settings as project_settings
from tests.cnppm.factories import make_person

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Учитель-Волна-2026"
LOCKED = "Слишком много неудачных попыток входа"


@pytest.fixture(autouse=True)
def _project_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def argon2_parameters(encoded: str) -> argon2.Parameters:
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2"
    return argon2.extract_parameters("$" + rest)


def login(client, username, password):
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_project_hashes_with_argon2id_at_the_owasp_minimum(db):
    assert project_settings.PASSWORD_HASHERS[0] == "cnppm.hashers.OwaspArgon2PasswordHasher"
    user = make_person().user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    user.refresh_from_db()
    params = argon2_parameters(user.password)
    assert params.type is argon2.Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    # A standard PHC string: argon2-cffi's own verifier, and Django's stock Argon2 hasher, accept it.
    assert argon2.PasswordHasher().verify(user.password.removeprefix("argon2"), PASSWORD)
    assert Argon2PasswordHasher().verify(PASSWORD, user.password)
    assert check_password(PASSWORD, user.password)
    assert identify_hasher(user.password).algorithm == "argon2"


def test_pbkdf2_hash_logs_in_and_is_upgraded_to_argon2id(db, client):
    user = make_person().user
    # A hash as an older Django left it (fewer iterations than today's 1,000,000 keep the test fast;
    # PBKDF2 verifies with the iterations written in the hash, and the upgrade is the same).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "oldsaltoldsalt", iterations=1000)
    user.save(update_fields=["password"])

    response = login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    params = argon2_parameters(user.password)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        argon2.Type.ID,
        19456,
        2,
        1,
    )
    assert check_password(PASSWORD, user.password)


def test_argon2_hash_with_other_costs_is_rehashed_at_login(db, client):
    """Django's stock Argon2 costs (100 MiB, 8 lanes), or a later change of the settings: the
    next login rehashes with the current costs."""
    user = make_person().user
    user.password = "argon2" + argon2.PasswordHasher(memory_cost=102400, time_cost=2, parallelism=8).hash(
        PASSWORD
    )
    user.save(update_fields=["password"])
    assert login(client, user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert argon2_parameters(user.password).memory_cost == 19456


def test_wrong_password_is_refused_and_counts_against_the_limit(db):
    user = make_person().user
    old = PBKDF2PasswordHasher().encode(PASSWORD, "oldsaltoldsalt", iterations=1000)
    user.password = old
    user.save(update_fields=["password"])
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        response = login(client, user.username, "не-тот-пароль")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.password == old  # a failed check rehashes nothing
    # The five failures locked this account for this client: even the right password is refused.
    response = login(client, user.username, PASSWORD)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def settings_start(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PASSWORD_ARGON2_")}
    return subprocess.run(
        [sys.executable, "-c", "import cnppm.settings as s; print(s.PASSWORD_ARGON2_MEMORY_KIB)"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_costs_below_the_owasp_table_stop_the_start():
    weak = settings_start(PASSWORD_ARGON2_MEMORY_KIB="8192", PASSWORD_ARGON2_TIME_COST="2")
    assert weak.returncode != 0
    assert "ниже минимума OWASP" in weak.stderr
    assert settings_start(PASSWORD_ARGON2_PARALLELISM="0").returncode != 0
    # Another row of OWASP's table (12 MiB, 3 passes) is as strong, and accepted.
    other = settings_start(PASSWORD_ARGON2_MEMORY_KIB="12288", PASSWORD_ARGON2_TIME_COST="3")
    assert other.returncode == 0, other.stderr
    assert other.stdout.split()[-1] == "12288"
