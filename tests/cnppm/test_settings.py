"""Settings come from the environment: SQLite and in-process Celery with nothing set; PostgreSQL,
Redis broker, Redis cache and sessions when the URLs are given."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings as s; django.setup();"
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], 'session': s.SESSION_ENGINE,"
    "'debug': s.DEBUG, 'tz': s.TIME_ZONE, 'signup': s.ACCOUNT_ALLOW_SIGNUP}))"
)
VARS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "TIME_ZONE",
    "ACCOUNT_ALLOW_SIGNUP",
)


def probe(**env):
    base = {k: v for k, v in os.environ.items() if k not in VARS}
    base["DJANGO_SETTINGS_MODULE"] = "cnppm.settings"
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_and_eager_celery():
    conf = probe()
    assert conf["engine"] == "django.db.backends.sqlite3"
    assert conf["eager"] is True
    assert conf["cache"].endswith("LocMemCache")
    assert conf["tz"] == "Europe/Moscow"
    assert conf["signup"] is False


def test_urls_switch_to_postgres_and_redis():
    conf = probe(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
        TIME_ZONE="Asia/Vladivostok",
        ACCOUNT_ALLOW_SIGNUP="1",
    )
    assert conf["engine"] == "django.db.backends.postgresql"
    assert conf["eager"] is False
    assert conf["broker"] == "redis://127.0.0.1:6379/3"
    assert conf["cache"] == "cnppm.cache.FallbackRedisCache"
    # Sessions are written to the database and read through Redis: an outage logs nobody out.
    assert conf["session"] == "django.contrib.sessions.backends.cached_db"
    assert conf["tz"] == "Asia/Vladivostok"
    assert conf["signup"] is True


def test_production_refuses_to_start_without_secret():
    base = {k: v for k, v in os.environ.items() if k not in VARS}
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "cnppm.settings", "DEBUG": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
