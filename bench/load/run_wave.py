"""A synchronised diagnostics start under Locust (issue 11.5), against gunicorn + PostgreSQL + Redis
on this machine:

1. a PostgreSQL database (`--db`, default cnppm_load; created and migrated, or reused with --reuse)
   with N teachers (one password hash for all, consent given) and a fresh published instrument of
   `--items` short-answer questions in four variants;
2. gunicorn (`--workers` sync workers, Redis sessions and cache, DEBUG off) on a free loopback port;
3. `locust --headless` with bench/load/locustfile.py: N users spawned at `--rate` per second, each
   logs in, starts, answers every question (autosave, `--pause` seconds apart), reloads once, finishes;
4. with --kill-at S: one gunicorn worker is killed (SIGKILL) S seconds into the wave (the master
   starts another one; the page's retry sends an unconfirmed save again);
5. the answers are counted in the database: every save the server confirmed must be there with the
   text it confirmed last ("lost" otherwise); prints p50/p95/p99 per request kind, saves per second,
   errors, lost answers.

    .venv/bin/python bench/load/run_wave.py --users 200 [--rate 50] [--workers 4] [--items 22]
        [--pause 2,5] [--kill-at 30] [--reuse] [--keep] [--pbkdf2]

Needs: locust (bench/requirements.txt), PostgreSQL on 127.0.0.1:5432 (trust), Redis on 127.0.0.1:6379.
Figures are printed, not asserted."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "Load-Wave-2026!"


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(n_users: int, n_items: int) -> tuple[list[str], int]:
    """N teachers with a login (created once, reused), consent given; a new instrument."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from cnppm.choices import Role
    from cnppm.models import Consent, Person, RoleAssignment
    from cnppm.services import consent_current_document
    from diagnostics.choices import ItemType
    from tests.cnppm.factories import OrganizationFactory
    from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument

    User = get_user_model()
    have = set(User.objects.filter(username__startswith="wave").values_list("username", flat=True))
    wanted = [f"wave{i:05d}" for i in range(n_users)]
    missing = [u for u in wanted if u not in have]
    if missing:
        org = Person.objects.filter(user__username__startswith="wave").values_list("organization", flat=True)
        org_id = org.first() or OrganizationFactory().pk
        hashed = make_password(PASSWORD)
        users = User.objects.bulk_create(
            [User(username=u, email=f"{u}@example.ru", password=hashed) for u in missing], batch_size=2000
        )
        people = Person.objects.bulk_create(
            [
                Person(user=u, organization_id=org_id, last_name=f"Волна{u.username[4:]}", first_name="Анна")
                for u in users
            ],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create([RoleAssignment(person=p, role=Role.TEACHER) for p in people])
        document = consent_current_document()
        if document is not None:
            Consent.objects.bulk_create([Consent(user=u, document=document) for u in users], batch_size=2000)
    stamp = int(time.time())
    blocks = [
        CompetenceBlockFactory(code=f"wave-{stamp}-{i}", name=f"Блок волны {stamp} {i}") for i in (1, 2)
    ]
    instrument = make_instrument(
        types=[ItemType.SHORT] * n_items,
        variants=4,
        blocks=blocks,
        code=f"wave-{stamp}",
        title=f"Диагностика волны {stamp}",
    )
    return wanted, instrument.pk


def stats(csv_path: Path) -> list[dict]:
    with open(csv_path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--items", type=int, default=22)
    ap.add_argument("--pause", default="2,5")
    ap.add_argument("--kill-at", type=float, default=None)
    ap.add_argument("--limit", type=int, default=1800, help="seconds the wave may last at most")
    ap.add_argument("--db", default="cnppm_load")
    ap.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"))
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument(
        "--pbkdf2",
        action="store_true",
        help="hash the passwords with Django's default PBKDF2 (1,000,000 iterations), as before issue 11.5",
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="load_wave_"))
    (tmp / "load_settings.py").write_text(
        "from cnppm.settings import *  # noqa: F403\n"
        'STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}\n'
        "ACCOUNT_RATE_LIMITS = False\n"
        "SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False  # plain HTTP on the loopback\n"
        'LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}\n'
        + (
            'PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *PASSWORD_HASHERS]\n'
            if args.pbkdf2
            else ""
        )
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{args.db}",
        "REDIS_URL": args.redis,
        "CELERY_BROKER_URL": args.redis,
        "CACHE_KEY_PREFIX": f"load{os.getpid()}",
        "DEBUG": "0",
        "SECRET_KEY": "load-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}",
    }
    os.environ.update(env)
    sys.path[:0] = [str(tmp), str(ROOT)]
    if not args.reuse:
        admin_sql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin_sql(f'CREATE DATABASE "{args.db}"')
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=ROOT
        )
        print(f"Миграции: {time.perf_counter() - t:.0f} с", flush=True)

    import django

    django.setup()
    from django.db import connection

    from diagnostics.models import Answer

    t = time.perf_counter()
    usernames, instrument = prepare(args.users, args.items)
    connection.close()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import identify_hasher

    # The logins verify with the hasher that made the shared hash (a reused database may hold an older one).
    hasher = identify_hasher(get_user_model().objects.get(username=usernames[0]).password)
    print(
        f"Подготовлено за {time.perf_counter() - t:.0f} с: педагогов {len(usernames)}, заданий {args.items}; "
        f"хэш паролей {hasher.algorithm}",
        flush=True,
    )
    users_file, acks_file = tmp / "users.txt", tmp / "acks.json"
    users_file.write_text("\n".join(usernames))

    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "cnppm.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "4096",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    locust = None
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        # Every worker imports the project on its first request: warm them before the wave.
        import urllib.request

        for _ in range(args.workers * 3):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=300).read()
        prefix = tmp / "wave"
        log = (tmp / "locust.log").open("w")  # noqa: SIM115  (the child writes it while we wait)
        locust = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.rate),
                "-t",
                f"{args.limit}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **env,
                "LOAD_USERS": str(users_file),
                "LOAD_PASSWORD": PASSWORD,
                "LOAD_INSTRUMENT": str(instrument),
                "LOAD_ACKS": str(acks_file),
                "LOAD_STATS": str(tmp / "stats.json"),
                "LOAD_PAUSE": args.pause,
            },
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        started = time.perf_counter()
        killed = None
        while locust.poll() is None:
            time.sleep(0.5)
            if args.kill_at is not None and killed is None and time.perf_counter() - started >= args.kill_at:
                pids = worker_pids(gunicorn.pid)
                if pids:
                    killed = pids[0]
                    os.kill(killed, signal.SIGKILL)
                    print(f"{time.perf_counter() - started:.0f} с: убит воркер gunicorn {killed}", flush=True)
        wall = time.perf_counter() - started
    finally:
        if locust is not None and locust.poll() is None:
            locust.terminate()
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    rows = json.loads((tmp / "stats.json").read_text(encoding="utf-8"))
    # Errors inside the scenario itself (not failed requests): a teacher who stopped half-way.
    exceptions = stats(Path(f"{prefix}_exceptions.csv")) if Path(f"{prefix}_exceptions.csv").exists() else []
    for e in exceptions:
        print(
            f"Исключение в сценарии ({e.get('Count')}): {e.get('Message')}\n{e.get('Traceback', '')[-800:]}"
        )

    acks = json.loads(acks_file.read_text()) if acks_file.exists() else []
    last: dict[tuple[int, int], str] = {}
    for attempt, item, text in acks:
        last[(attempt, item)] = text
    stored = {
        (a, i): v.get("text") if isinstance(v, dict) else None
        for a, i, v in Answer.objects.filter(attempt_id__in={a for a, _ in last}).values_list(
            "attempt_id", "item_id", "value"
        )
    }
    lost = [k for k, text in last.items() if stored.get(k) != text]
    print()
    print(
        f"Волна: {args.users} педагогов, {args.items} заданий, gunicorn {args.workers} воркера(ов), {wall:.0f} с"
    )
    print(f"{'запрос':<22}{'число':>8}{'ошибок':>8}{'p50, мс':>9}{'p95, мс':>9}{'p99, мс':>9}{'в сек.':>8}")
    for name, r in rows.items():
        print(
            f"{name:<22}{r['Request Count']:>8}{r['Failure Count']:>8}{r['50%']:>9}{r['95%']:>9}{r['99%']:>9}"
            f"{float(r['Requests/s']):>8.1f}"
        )
    saves = rows.get("автосохранение", {})
    total = rows.get("Aggregated", {})
    print(
        f"Сохранений в секунду (за всю волну): {len(acks) / wall:.1f}; подтверждено {len(acks)}, "
        f"разных ответов {len(last)}, в базе {sum(1 for k in last if k in stored)}; потеряно {len(lost)}"
    )
    p95 = int(float(total.get("95%", 0) or 0))
    errors = int(total.get("Failure Count", 0) or 0)
    print(
        f"Итог: p95 {p95} мс (автосохранение {saves.get('95%', '—')} мс), ошибок {errors}, потеряно ответов {len(lost)}; "
        f"цель p95 < 500 мс и 0 ошибок — {'выполнено' if p95 < 500 and errors == 0 else 'НЕ выполнено'}"
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
