"""A bad day: Redis down logs nobody out and the API still answers JSON; the autosave answers JSON
to an expired session; SQLite runs in WAL mode with a busy timeout and, if it is still locked,
answers 503 with a Russian retry message instead of a 500."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from cnppm.api_tokens import api_token_issue
from cnppm.errors import DATABASE_BUSY_MESSAGE
from tests.cnppm.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there
_FAST = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}


@pytest.fixture
def redis_down(settings):
    """The production cache settings (cnppm/settings.py with REDIS_URL) against a dead Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "cnppm.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS, "OPTIONS": _FAST},
        "auth_limits": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": DEAD_REDIS, "OPTIONS": _FAST},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.AUTH_LIMITS_CACHE = "auth_limits"


def test_a_redis_outage_logs_nobody_out(world, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "up"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = Client()
    assert client.post("/accounts/login/", {"login": "teacher", "password": PASSWORD}).status_code == 302
    assert client.get("/cabinet/").status_code == 200

    # Redis goes down: the session is still in the database, pages still load, the cookie stays.
    settings.CACHES = {
        "default": {"BACKEND": "cnppm.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS, "OPTIONS": _FAST}
    }
    client.handler.load_middleware()
    for url in ["/cabinet/", "/diagnostics/my/", "/notifications/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Личный кабинет" in response.content.decode() or url != "/cabinet/"
        cookie = response.cookies.get("sessionid")
        assert cookie is None or cookie.value, "the session cookie must not be cleared"


def test_signing_in_and_the_login_limit_work_while_redis_is_down(world, redis_down):
    client = Client(REMOTE_ADDR="203.0.113.5")
    assert client.post("/accounts/login/", {"login": "teacher", "password": PASSWORD}).status_code == 302
    assert "Личный кабинет" in client.get("/cabinet/").content.decode()
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        guesser.post("/accounts/login/", {"login": "operator", "password": "wrong"})
    locked = guesser.post("/accounts/login/", {"login": "operator", "password": PASSWORD})
    assert "Слишком много неудачных попыток входа" in locked.content.decode()


def test_token_api_answers_json_while_redis_is_down(world, redis_down):
    _, key = api_token_issue(actor=world["operator"].user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/people/")
    assert response.status_code == 200 and response.json()["count"] > 0
    issued = APIClient().post("/api/v1/auth/token/", {"username": "teacher", "password": PASSWORD})
    assert issued.status_code == 200 and issued.json()["token"]


def test_any_api_error_is_json_not_the_html_page(world):
    _, key = api_token_issue(actor=world["operator"].user)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")
    with mock.patch("cnppm.api.views.PersonViewSet.get_queryset", side_effect=ConnectionError("redis")):
        response = client.get("/api/v1/people/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "Внутренняя ошибка сервера" in response.json()["detail"]


def test_consent_check_falls_back_to_the_database_when_the_cache_raises(world):
    from cnppm.models import ConsentDocument
    from cnppm.services import consent_document_publish, consent_give, consent_is_given

    user = world["teacher"].user
    doc = ConsentDocument.objects.create(version="7.1", title="Согласие", text="Текст")
    consent_document_publish(actor=world["operator"].user, document=doc)
    broken = mock.Mock(side_effect=ConnectionError("redis down"))
    with mock.patch("cnppm.services.cache.get", broken), mock.patch("cnppm.services.cache.set", broken):
        assert consent_is_given(user) is False
        consent_give(actor=user, document=doc)
        assert consent_is_given(user) is True
    assert broken.called


def test_autosave_answers_json_401_to_an_expired_session(db):
    response = Client().post("/diagnostics/attempts/1/items/1/answer/", {"type": "single", "choice": "a"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "ответ не сохранён" in response.json()["detail"]


def test_a_saved_answer_is_confirmed_by_a_header(world):
    from diagnostics.services import attempts as attempt_services
    from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument

    instrument = make_instrument(title="Проверка", blocks=[CompetenceBlockFactory(name="Блок", order=1)])
    attempt = attempt_services.attempt_start(actor=world["teacher"].user, instrument_id=instrument.pk)
    item = attempt.variant.items.order_by("number").first()
    client = Client()
    client.force_login(world["teacher"].user)
    response = client.post(
        f"/diagnostics/attempts/{attempt.pk}/items/{item.pk}/answer/",
        {"type": item.type, "choice": item.options["choices"][0]["id"]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["X-Answer-Saved"] == "1"


LOCKED = OperationalError("database is locked")


def test_database_locked_page_says_to_retry(world):
    client = Client()
    client.force_login(world["teacher"].user)
    with mock.patch("cnppm.views.selectors.person_of", side_effect=LOCKED):
        response = client.get("/cabinet/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    text = response.content.decode()
    assert "повторите" in text.lower() and DATABASE_BUSY_MESSAGE in text


def test_database_locked_api_and_htmx_answer_json_503(world):
    _, key = api_token_issue(actor=world["operator"].user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with mock.patch("cnppm.api.views.PersonViewSet.get_queryset", side_effect=LOCKED):
        response = api.get("/api/v1/people/")
    assert response.status_code == 503 and response.json()["detail"] == DATABASE_BUSY_MESSAGE

    client = Client()
    client.force_login(world["teacher"].user)
    with mock.patch("diagnostics.views.taking.services.answer_save", side_effect=LOCKED):
        response = client.post(
            "/diagnostics/attempts/1/items/1/answer/", {"type": "single"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 503 and response.json()["code"] == "database_busy"


def test_other_operational_errors_stay_server_errors(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["teacher"].user)
    with mock.patch("cnppm.views.selectors.person_of", side_effect=OperationalError("disk I/O error")):
        assert client.get("/cabinet/").status_code == 500


def test_sqlite_default_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    probe = (
        "import json, django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); mode = c.fetchone()[0];"
        "c.execute('PRAGMA busy_timeout'); busy = c.fetchone()[0];"
        "print(json.dumps({'mode': mode, 'busy': busy, 'tx': connection.transaction_mode}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="cnppm.settings", SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout.strip().splitlines()[-1])
    assert conf == {"mode": "wal", "busy": 20000, "tx": "IMMEDIATE"}


CONCURRENT_WRITERS = """
import json, sys, threading, time
import django
django.setup()
from django.db import OperationalError, connection, connections, transaction
if sys.argv[1] == "DEFERRED":
    connection.settings_dict["OPTIONS"]["transaction_mode"] = "DEFERRED"
with connection.cursor() as c:
    c.execute("CREATE TABLE t (id integer primary key, n integer)")
    c.execute("INSERT INTO t VALUES (1, 0)")
connection.close()
errors = []
start = threading.Barrier(8)
def finish():  # what a finish does: read the row, then write it, in one transaction
    start.wait(timeout=30)
    try:
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT n FROM t WHERE id = 1")
            n = c.fetchone()[0]
            time.sleep(0.02)
            c.execute("UPDATE t SET n = %s WHERE id = 1", [n + 1])
    except OperationalError as exc:
        errors.append(str(exc))
    finally:
        connections.close_all()
threads = [threading.Thread(target=finish) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as c:
    c.execute("SELECT n FROM t WHERE id = 1")
    print(json.dumps({"errors": len(errors), "n": c.fetchone()[0], "texts": sorted(set(errors))}))
"""


@pytest.mark.parametrize("mode", ["DEFERRED", "IMMEDIATE"])
def test_concurrent_writers_on_the_sqlite_default(tmp_path, mode):
    """Eight read-then-write transactions at once on one row of a file database: with SQLite's default
    DEFERRED transactions most fail at once with "database is locked" (the busy timeout cannot help a
    reader that must upgrade); with the portal's IMMEDIATE mode they queue and all succeed."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="cnppm.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    if mode == "IMMEDIATE":
        assert outcome == {"errors": 0, "n": 8, "texts": []}
    else:
        assert outcome["errors"] > 0 and outcome["texts"] == ["database is locked"]
