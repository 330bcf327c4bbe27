"""Answer autosave through the real stack against a bare UPSERT view, side by side in one run.

Creates a throwaway PostgreSQL database, starts gunicorn on a free loopback port (sessions in Redis,
CSRF, the consent gate, access checks), signs in N participants through the login form, starts an
attempt for each, then drives `wrk` (bounded in time) first at the product's autosave URL
(POST /diagnostics/attempts/<id>/items/<item>/answer/, CSRF header + cookie) and then at a bare view
(bench/autosave_urls.py) that does one UPSERT of the same table. Prints saves/s of both and the ratio.
Also prints the queries of finishing and scoring a 22- and a 44-question attempt.

    .venv/bin/python bench/bench_autosave.py [--duration 10] [--users 16] [--workers 4] [--connections 16] [--rounds 3]

Targets: issue 11.2 — the full stack ≥ 0.8 × the bare view (the save is the session read and one
INSERT … SELECT … ON CONFLICT statement, no user row); issue 3 — ≥ 1 000 saves/s; finish + score
≤ 10 queries. Also prints the statements of one warm save through the service.
Needs: PostgreSQL on 127.0.0.1:5432 (trust), Redis on 127.0.0.1:6379, wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = os.environ.get("BENCH_DB_NAME", "cnppm_h5_bench")


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cookies_from(response, jar: dict) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def request(port, method, path, jar, *, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)  # a loaded machine boots slowly
    h = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), **(headers or {})}
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=urlencode(body) if body is not None else None, headers=h)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    cookies_from(response, jar)
    conn.close()
    return response.status, response.getheader("Location") or "", data


def login_and_start(port, username, password, instrument_id) -> tuple[dict, int]:
    jar: dict = {}
    status, _, page = request(port, "GET", "/accounts/login/", jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, location, _ = request(
        port,
        "POST",
        "/accounts/login/",
        jar,
        body={"login": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
    )
    assert status == 302 and "sessionid" in jar, f"вход не удался: {status} {location}"
    status, location, _ = request(
        port,
        "POST",
        f"/diagnostics/instruments/{instrument_id}/start/",
        jar,
        body={},
        headers={"X-CSRFToken": jar["csrftoken"]},
    )
    match = re.search(r"/attempts/(\d+)/questions/1/", location)
    assert status == 302 and match, f"попытка не начата: {status} {location}"
    return jar, int(match.group(1))


def run_wrk(port, script: Path, *, duration, connections) -> tuple[float, int, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, total, int(bad.group(1)) if bad else 0


def lua(entries: list[dict], *, form: str) -> str:
    rows = ",\n".join(
        '  {{path="{}", cookie="{}", token="{}"}}'.format(e["path"], e.get("cookie", ""), e.get("token", ""))
        for e in entries
    )
    return f"""local entries = {{
{rows}
}}
local n = 0
request = function()
  n = n + 1
  local e = entries[(n % #entries) + 1]
  local headers = {{["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true"}}
  if e.cookie ~= "" then headers["Cookie"] = e.cookie; headers["X-CSRFToken"] = e.token end
  return wrk.format("POST", e.path, headers, "{form}" .. n)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk не найден: apt-get install -y wrk")

    tmp = Path(tempfile.mkdtemp(prefix="bench_autosave_"))
    (tmp / "h3_bench_settings.py").write_text(
        "from cnppm.settings import *  # noqa: F403\n"
        'ROOT_URLCONF = "bench.autosave_urls"\n'
        'STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}\n'
        "ACCOUNT_RATE_LIMITS = False\n"
        f'STATIC_ROOT = "{tmp / "static"}"\n'
        'LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}\n'
    )
    (tmp / "static").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "CACHE_KEY_PREFIX": f"h3bench{os.getpid()}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "h3_bench_settings",
        "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}",
    }
    os.environ.update(env)
    sys.path[:0] = [str(tmp), str(ROOT)]

    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    gunicorn = None
    try:
        print("Миграции…", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=ROOT
        )

        import django

        django.setup()
        from diagnostics.choices import ItemType
        from diagnostics.models import Answer, Item
        from tests.cnppm.factories import PASSWORD, OrganizationFactory, make_person
        from tests.diagnostics.factories import make_instrument

        types = [ItemType.SINGLE, ItemType.MULTIPLE, ItemType.MATCHING, ItemType.ORDERING, ItemType.SHORT]
        instrument = make_instrument(types=[types[i % 5] for i in range(22)], variants=4)
        org = OrganizationFactory()
        people = [make_person(organization=org, username=f"bench{i}") for i in range(args.users)]
        from cnppm.services import consent_current_document, consent_give

        document = consent_current_document()
        if document is not None:  # the personal-data consent gate lets them in
            for person in people:
                consent_give(actor=person.user, document=document)

        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "cnppm.wsgi:application",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "180",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        print(
            f"gunicorn: {args.workers} воркера(ов) на 127.0.0.1:{port}; вход {args.users} участников…",
            flush=True,
        )

        entries, bare = [], []
        for person in people:
            jar, attempt_id = login_and_start(port, person.user.username, PASSWORD, instrument.pk)
            item = (
                Item.objects.filter(variant__attempts=attempt_id, type=ItemType.SHORT)
                .order_by("number")
                .first()
            )
            path = f"/diagnostics/attempts/{attempt_id}/items/{item.pk}/answer/"
            status, _, body = request(
                port,
                "POST",
                path,
                jar,
                body={"type": "short", "text": "проверка"},
                headers={"X-CSRFToken": jar["csrftoken"]},
            )
            assert status == 200 and "Ответ сохранён" in body, (status, body[:200])
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
            entries.append({"path": path, "cookie": cookie, "token": jar["csrftoken"]})
            other = (
                Item.objects.filter(variant__attempts=attempt_id, type=ItemType.SHORT)
                .order_by("number")
                .last()
            )
            bare.append({"path": f"/bench/bare/{attempt_id}/{other.pk}/"})

        product_lua, bare_lua = tmp / "autosave.lua", tmp / "bare.lua"
        product_lua.write_text(lua(entries, form="type=short&text=answer"))
        bare_lua.write_text(lua(bare, form="text=answer"))

        run_wrk(port, product_lua, duration=2, connections=args.connections)  # warm-up
        run_wrk(port, bare_lua, duration=2, connections=args.connections)
        # Interleaved rounds (product, bare, product, bare, …): on a shared, loaded machine the load
        # drifts; alternating keeps both sides under the same conditions.
        product_total = bare_total = product_bad = bare_bad = 0
        part = max(args.duration // args.rounds, 1)
        for _ in range(args.rounds):
            _rps, total, bad = run_wrk(port, product_lua, duration=part, connections=args.connections)
            product_total, product_bad = product_total + total, product_bad + bad
            _rps, total, bad = run_wrk(port, bare_lua, duration=part, connections=args.connections)
            bare_total, bare_bad = bare_total + total, bare_bad + bad
        product_rps = product_total / (part * args.rounds)
        bare_rps = bare_total / (part * args.rounds)
        saved = Answer.objects.filter(value__text__startswith="answer").count()

        print()
        print(
            f"Автосохранение через весь стек: {product_rps:,.0f} сохранений/с ({product_total} запросов, ошибок {product_bad})"
        )
        print(
            f"Голый UPSERT (autosave_urls):       {bare_rps:,.0f} сохранений/с ({bare_total} запросов, ошибок {bare_bad})"
        )
        print(
            f"Отношение: {product_rps / bare_rps:.2f} (цель ≥ 0.80); цель ≥ 1 000/с: {'да' if product_rps >= 1000 else 'нет'}"
        )
        print(f"Строк ответов, записанных нагрузкой: {saved}")

        # finish + score: the query count for 22 and 44 questions
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from diagnostics.services import attempts as svc

        person = people[0]
        attempt = svc.attempt_start(actor=person.user, instrument_id=instrument.pk)
        item = Item.objects.filter(variant=attempt.variant, type=ItemType.SHORT).first()
        svc.answer_save(actor=person.user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "a"})
        with CaptureQueriesContext(connection) as ctx:
            svc.answer_save(actor=person.user, attempt_id=attempt.pk, item_id=item.pk, value={"text": "b"})
        print(f"Сохранение ответа (тёплый процесс): {len(ctx.captured_queries)} запрос(ов) к БД")

        for n in (22, 44):
            inst = make_instrument(types=[types[i % 5] for i in range(n)], variants=1)
            person = make_person(organization=org)
            if document is not None:  # the save asks the consent gate in its statement
                consent_give(actor=person.user, document=document)
            attempt = svc.attempt_start(actor=person.user, instrument_id=inst.pk)
            for item in Item.objects.filter(variant=attempt.variant):
                svc.answer_save(actor=person.user, attempt_id=attempt.pk, item_id=item.pk, value=None)
            with CaptureQueriesContext(connection) as ctx:
                svc.attempt_finish(actor=person.user, attempt_id=attempt.pk)
            print(
                f"Завершение и подсчёт попытки на {n} заданий: {len(ctx.captured_queries)} запросов (цель ≤ 10)"
            )
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=60)
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
