"""ИОМ card exports and the caseload page.

Builds its data in a throwaway database (a fresh SQLite file, or a throwaway test_<name> PostgreSQL
database when DATABASE_URL is set), then prints:
- one route card laid out to PDF (WeasyPrint): the time of the first (cold) and the median of 5
  (the single-card time the ratios are taken against);
- the download of an unchanged card through the test client (version check, stored file): the
  median of 20 and how many layouts it did (issue 11.1: none);
- an archive of N changed cards of one municipality (nothing stored): with CELERY_BROKER_URL and
  PostgreSQL, real Celery workers (--workers, default 2) lay out the chunks of the chord; else it runs
  eagerly in this process. The time against cards × single-card ÷ workers, and the progress seen;
- the same archive again, every card unchanged: stored PDFs zipped, no layout;
- the curator's caseload page (/routes/caseload/) through the Django test client: the number of
  queries with 5 routes and with 200.

    .venv/bin/python bench/bench_card_pdf.py [--cards 500] [--workers 2] [--single-only]

--single-only stops after the single-card layout times (wall and process time): the quick check
of a change to the renderer or the template.

Targets: issue 11.1 — an unchanged card downloaded in under 50 ms with no layout; 500 unchanged cards
archived in under 10 s; 500 changed cards under 120 s on two workers, within 1.2 × cards × single
card ÷ workers. Issue 4 — a card PDF under 1 s; the caseload page with 200 routes makes as many
queries as with 5.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(tmp: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
    os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.CELERY_TASK_ALWAYS_EAGER = True
    if connection.vendor == "postgresql":
        from django.test.utils import setup_databases

        return setup_databases(verbosity=0, interactive=False)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return None


def build(n_cards: int):
    """A region with one municipality, 10 schools, n_cards teachers with a full route each, and a
    curator with a caseload."""
    from cnppm.choices import MunicipalityKind, OrganizationKind, Role, SupportRole
    from cnppm.models import (
        Consent,
        ConsentDocument,
        Municipality,
        Organization,
        Person,
        Region,
        RoleAssignment,
        User,
    )
    from diagnostics.models import CompetenceBlock
    from routes.choices import ActivityLevel, ActivityOutcome, RouteStatus
    from routes.models import Correction, Route, RouteActivity
    from routes.selectors import profile_snapshot

    region = Region.objects.create(name="Бенч-область", code="BENCH")
    muni = Municipality.objects.create(
        region=region, name="Бенч-район", code="BENCH-M", kind=MunicipalityKind.DISTRICT
    )
    centre = Organization.objects.create(
        municipality=muni, short_name="ЦНППМ", full_name="Центр НППМ", kind=OrganizationKind.CENTRE
    )
    schools = [
        Organization.objects.create(
            municipality=muni,
            short_name=f"СОШ №{i}",
            full_name=f"МБОУ СОШ №{i}",
            kind=OrganizationKind.SCHOOL,
        )
        for i in range(1, 11)
    ]
    blocks = []
    for order, (code, name) in enumerate(
        [
            ("subject", "Предметные"),
            ("methodical", "Методические"),
            ("psy_ped", "Психолого-педагогические"),
            ("communicative", "Коммуникативные"),
            ("ict", "ИКТ-компетентность"),
        ],
        1,
    ):
        block, _ = CompetenceBlock.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        blocks.append(block)
    operator_user = User.objects.create_user("bench-operator", password="bench-pass-123")
    operator = Person.objects.create(
        user=operator_user, organization=centre, last_name="Операторова", first_name="Ольга"
    )
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=region)
    curator_user = User.objects.create_user("bench-curator", password="bench-pass-123")
    curator = Person.objects.create(
        user=curator_user, organization=centre, last_name="Кураторова", first_name="Анна"
    )
    RoleAssignment.objects.create(person=curator, role=Role.CURATOR)
    doc = ConsentDocument.objects.filter(is_current=True).first()
    for user in (operator_user, curator_user):
        if doc:
            Consent.objects.create(user=user, document=doc)
    percents = [45, 58, 72, 79, 91]
    route_ids = []
    for i in range(n_cards):
        school = schools[i % len(schools)]
        teacher = Person.objects.create(
            organization=school,
            last_name=f"Педагогова{i:04d}",
            first_name="Мария",
            middle_name="Ивановна",
            position="учитель математики",
            experience_years=5 + i % 30,
            courses_last_3_years="ДПП ПК «Функциональная грамотность», 36 ч, 2024",
            awards="Почётная грамота",
        )
        RoleAssignment.objects.create(person=teacher, role=Role.TEACHER)
        diag = [
            {
                "block": b.pk,
                "name": b.name,
                "percent": str(percents[(i + k) % 5]),
                "level": "high"
                if percents[(i + k) % 5] < 60
                else ("medium" if percents[(i + k) % 5] <= 80 else "minimal"),
                "difficulties": [f"Тема {k + 1}: анализ результатов", "Формирующее оценивание"],
            }
            for k, b in enumerate(blocks)
        ]
        route = Route.objects.create(
            teacher=teacher,
            academic_year=2025,
            organization=school,
            status=RouteStatus.IN_PROGRESS,
            profile_snapshot=profile_snapshot(teacher),
            diagnostics_snapshot=diag,
            approval={
                "agreed": {
                    "position": "Директор",
                    "organization": school.short_name,
                    "name": "Директорова Е. П.",
                    "date": "01.09.2025",
                },
                "approved": {
                    "position": "Ректор",
                    "organization": "ИРО",
                    "name": "Ректоров П. С.",
                    "date": "02.09.2025",
                },
            },
            educational_tasks="Освоить формирующее оценивание\nРазработать программу внеурочной деятельности",
            final_event_title="Открытый урок",
            final_event_level=ActivityLevel.MUNICIPAL,
            final_event_starts_on=date(2026, 4, 10),
        )
        for k in range(6):
            ra = RouteActivity.objects.create(
                route=route,
                title=f"ДПП ПК «Программа {k + 1}: современные методики обучения»",
                level=ActivityLevel.REGIONAL,
                organizer="ИРО",
                starts_on=date(2025, 10, 1) + timedelta(days=20 * k),
                ends_on=date(2025, 10, 15) + timedelta(days=20 * k),
                result_form="удостоверение",
                outcome=ActivityOutcome.DONE if k < 3 else ActivityOutcome.PLANNED,
                order=k,
            )
            ra.competences.set([blocks[k % 5]])
        Correction.objects.create(route=route, reason="Перенос сроков курсов", author=operator_user)
        route_ids.append(route.pk)
    return {
        "municipality": muni,
        "operator_user": operator_user,
        "curator": curator,
        "curator_user": curator_user,
        "route_ids": route_ids,
        "SupportRole": SupportRole,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--single-only",
        action="store_true",
        help="build the data, print the single-card layout times, stop (no archive, no workers)",
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="card-pdf-bench-")
    old_config = setup_django(tmp)
    try:
        run_bench(args.cards, args.workers, args.single_only)
    finally:
        if old_config is not None:
            from django.test.utils import teardown_databases

            teardown_databases(old_config, verbosity=0)


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_workers(n: int, queue: str) -> list:
    """n Celery workers (one process each, tests/slow_worker.py without the slowness) on the bench
    database and private storage."""
    import subprocess

    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "SLOW_JOB_SECONDS": "0",
        "TEST_QUEUE": queue,
    }
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.slow_worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(n)
    ]


def _archive(data, *, poll: bool) -> tuple[float, object, list[str]]:
    """Request the municipality's archive and wait for it; returns (seconds, run, progress seen)."""
    from django.db import transaction

    from routes.models import CardArchiveRun
    from routes.services.exports import card_archive_request

    start = time.perf_counter()
    with transaction.atomic():
        run = card_archive_request(actor=data["operator_user"], municipality=data["municipality"])
    seen = []
    while poll:
        r = CardArchiveRun.objects.get(pk=run.pk)
        label = f"{r.routes_done}/{r.routes_total}"
        if not seen or seen[-1] != label:
            seen.append(label)
        if r.status in ("done", "failed"):
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    return elapsed, CardArchiveRun.objects.get(pk=run.pk), seen


def single_layout_times(render, n: int = 5) -> tuple[tuple[float, float], tuple[float, float], bytes]:
    """(wall, process) seconds of the first call of `render`, the (wall, process) medians of the
    next `n`, and the first result. Process time is the CPU this process spent: on a shared
    machine it moves much less than wall time with the other load."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = render()
    first = (time.perf_counter() - wall, time.process_time() - cpu)
    walls, cpus = [], []
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return first, (statistics.median(walls), statistics.median(cpus)), result


def run_bench(n_cards: int, workers: int = 2, single_only: bool = False) -> None:
    import shutil
    import uuid

    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cnppm.models import SupportAssignment
    from routes import exports
    from routes.exports import fetch_card, private_storage, render_card_pdf

    settings.CARD_PDF_PRERENDER = False  # building the data is not the edits the store follows
    t0 = time.perf_counter()
    data = build(n_cards)
    print(f"database: {connection.vendor}; {n_cards} routes built in {time.perf_counter() - t0:.1f} s")

    # One card laid out (WeasyPrint): the single-card time every ratio below is taken against.
    pk = data["route_ids"][0]
    first, median, pdf = single_layout_times(lambda: render_card_pdf(fetch_card(pk)))
    single = median[0]
    print(
        f"card PDF layout: first {first[0]:.3f} s, median of 5 {single:.3f} s ({len(pdf) // 1024} KiB) — target < 1 s; "
        f"process time: first {first[1]:.3f} s, median of 5 {median[1]:.3f} s"
    )
    if single_only:
        return

    # Download of an unchanged card: version check + stored file, no layout (issue 11.1).
    layouts = []
    real_render = exports.render_card_pdf

    def counting_render(route, card=None):
        layouts.append(route.pk)
        return real_render(route, card)

    exports.render_card_pdf = counting_render
    client = Client()
    client.force_login(data["operator_user"])
    url = f"/routes/{pk}/card.pdf"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    downloads = []
    for _ in range(20):
        start = time.perf_counter()
        response = client.get(url)
        downloads.append(time.perf_counter() - start)
        assert response.status_code == 200
    print(
        f"unchanged card download: median {statistics.median(downloads) * 1000:.1f} ms, "
        f"max {max(downloads) * 1000:.1f} ms over 20, layouts {len(layouts) - 1} after the first — "
        "target < 50 ms, 0 layouts"
    )
    exports.render_card_pdf = real_render

    # The archive of changed cards: nothing stored, every card laid out, chunks over the workers.
    shutil.rmtree(private_storage().path("card_pdfs"), ignore_errors=True)
    broker = os.environ.get("CELERY_BROKER_URL", "")
    procs = []
    if broker and connection.vendor == "postgresql" and workers > 0:
        from cnppm.celery import app

        queue = f"bench-cards-{uuid.uuid4().hex[:8]}"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.update(
            task_always_eager=False, broker_url=broker, task_default_queue=queue, task_routes=None
        )
        app.amqp.__dict__.pop("router", None)
        procs = _start_workers(workers, queue)
        time.sleep(8)  # the workers boot
        mode = f"{workers} workers"
    else:
        workers = 1
        mode = "eager, in this process (no broker or no PostgreSQL)"
    try:
        rss_before = rss_mb()
        elapsed, run, seen = _archive(data, poll=bool(procs))
        ideal = run.routes_total * single / workers
        size = os.path.getsize(run.file.path) if run.file else 0
        print(
            f"archive of {run.routes_done}/{run.routes_total} changed cards ({mode}): {elapsed:.1f} s, "
            f"status {run.status}, ZIP {size / 1024 / 1024:.1f} MiB; cards × single-card ÷ workers = {ideal:.1f} s, "
            f"ratio {elapsed / ideal:.2f} — targets < 120 s for 500 cards, ratio ≤ 1.2"
        )
        if seen:
            print(f"  progress seen on the run: {' → '.join(seen[:12])}{' …' if len(seen) > 12 else ''}")
        print(f"  peak RSS of this process: {rss_before:.0f} MiB before, {rss_mb():.0f} MiB after")

        # The same archive again: every card unchanged, stored PDFs zipped, no layout.
        elapsed, run, _ = _archive(data, poll=bool(procs))
        print(
            f"archive of {run.routes_done}/{run.routes_total} unchanged cards: {elapsed:.1f} s, status {run.status} "
            f"({elapsed / max(run.routes_total, 1) * 1000:.1f} ms per card) — target < 10 s for 500 cards"
        )
    finally:
        import signal

        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
        settings.CELERY_TASK_ALWAYS_EAGER = True

    # Caseload page: 5 routes vs 200.
    curator = data["curator"]
    ids = data["route_ids"]
    from routes.models import Route

    teachers = list(
        Route.objects.filter(pk__in=ids[:200]).order_by("pk").values_list("teacher_id", flat=True)
    )
    SupportAssignment.objects.bulk_create(
        [SupportAssignment(person_id=t, supporter=curator, role="curator") for t in teachers[:5]]
    )
    client = Client()
    client.force_login(data["curator_user"])
    client.get("/routes/caseload/")

    def page_queries():
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/routes/caseload/")
        assert response.status_code == 200, response.status_code
        return len(ctx.captured_queries)

    q5 = page_queries()
    SupportAssignment.objects.bulk_create(
        [SupportAssignment(person_id=t, supporter=curator, role="curator") for t in teachers[5:200]]
    )
    client.get("/routes/caseload/")
    q200 = page_queries()
    print(f"caseload page queries: {q5} with 5 routes, {q200} with 200 routes — target: equal")


if __name__ == "__main__":
    main()
