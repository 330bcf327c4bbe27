"""Bench: the federation (issue 11.4). 89 regions, 1 000 000 teachers, 40 000 organizations,
500 000 attempts and 400 000 routes generated into PostgreSQL with COPY; then every region's
indicators computed for the year 2022, each region alone, as the Celery task does
(`monitoring.tasks.compute_period`), in parallel over worker processes; then the federal aggregate
(every region's region rows side by side and summed). EXPLAIN ANALYZE of the heavy queries of the
largest region is written to bench/notes/federation_explain.md (with --explain).

    .venv/bin/python bench/bench_federation.py [--scale 0.1] [--workers 2] [--reuse] [--explain] [--keep]

The database is `cnppm_fed` on the DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432),
dropped and created, unless --reuse (keep the generated federation and only compute); it is
dropped at the end unless --keep or --reuse. --scale shrinks every count (0.1: 100 000 teachers)."""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_REGIONS = 89
SIZES = {"teachers": 1_000_000, "organizations": 40_000, "attempts": 500_000, "routes": 400_000}
MUNICIPALITIES = 2_600
CHUNK = 100_000


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
    return f"{base}/{name}"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


# --- Generation with COPY ------------------------------------------------------------------------


class Copier:
    """COPY rows into a table: the given columns, and every other NOT NULL column without a default
    filled with a constant of its type ('' / false / 0 / now / {}), so the bench follows the schema."""

    def __init__(self, cur):
        self.cur = cur
        self.now = datetime.now(UTC).isoformat()

    def fillers(self, table: str, given: list[str]) -> list[tuple[str, str]]:
        self.cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' "
            "ORDER BY ordinal_position",
            [table],
        )
        out = []
        for name, kind in self.cur.fetchall():
            if name in given:
                continue
            if kind in ("character varying", "text"):
                value = ""
            elif kind == "boolean":
                value = "f"
            elif kind in ("smallint", "integer", "bigint", "numeric"):
                value = "0"
            elif kind.startswith("timestamp"):
                value = self.now
            elif kind == "date":
                value = "2022-01-01"
            elif kind in ("jsonb", "json"):
                value = "{}"
            else:
                raise RuntimeError(f"{table}.{name}: no filler for {kind}")
            out.append((name, value))
        return out

    def copy(self, table: str, columns: list[str], rows) -> int:
        extra = self.fillers(table, columns)
        names = ", ".join(f'"{c}"' for c in columns + [n for n, _ in extra])
        tail = "".join("\t" + v for _, v in extra)
        n = 0
        buf = io.StringIO()

        def flush():
            buf.seek(0)
            self.cur.copy_expert(f"COPY {table} ({names}) FROM STDIN", buf)
            buf.seek(0)
            buf.truncate()

        for row in rows:
            buf.write("\t".join("\\N" if v is None else str(v) for v in row) + tail + "\n")
            n += 1
            if n % CHUNK == 0:
                flush()
        flush()
        return n


def split(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """`total` split by weights, each at least `minimum` (summing to total when that allows)."""
    s = sum(weights)
    parts = [max(minimum, int(total * w / s)) for w in weights]
    parts[0] = max(minimum, parts[0] + total - sum(parts))
    return parts


def generate(conn, scale: float, seed: int = 11) -> dict:
    rng = random.Random(seed)
    sizes = {k: max(1, int(v * scale)) for k, v in SIZES.items()}
    weights = [1 / (i + 1) ** 0.8 for i in range(N_REGIONS)]  # a few large regions, many small ones
    munis_per = split(max(N_REGIONS * 3, int(MUNICIPALITIES * min(1, scale * 4))), weights, 3)
    orgs_per = split(sizes["organizations"], weights, 10)
    teachers_per = split(sizes["teachers"], weights, 50)
    cur = conn.cursor()
    cp = Copier(cur)
    t0 = time.perf_counter()

    cp.copy(
        "cnppm_region",
        ["id", "code", "name", "timezone"],
        ((r + 1, f"R{r + 1:02d}", f"Регион {r + 1}", "Europe/Moscow") for r in range(N_REGIONS)),
    )
    muni_ids: list[list[int]] = []
    rows, mid = [], 0
    for r, n in enumerate(munis_per):
        ids = []
        for i in range(n):
            mid += 1
            ids.append(mid)
            rows.append((mid, r + 1, f"МО {i + 1} региона {r + 1}", f"R{r + 1}-M{i + 1}", "district"))
        muni_ids.append(ids)
    cp.copy("cnppm_municipality", ["id", "region_id", "name", "code", "kind"], rows)

    kinds = ["school"] * 8 + ["additional", "vocational"]
    org_rows, org_ids, org_muni, centres = [], [], {}, []
    oid = 0
    for r, n in enumerate(orgs_per):
        ids = []
        for i in range(n):
            oid += 1
            m = muni_ids[r][i % len(muni_ids[r])]
            org_rows.append((oid, m, f"ОО {oid}", f"Образовательная организация {oid}", rng.choice(kinds)))
            ids.append(oid)
            org_muni[oid] = m
        oid += 1
        org_rows.append((oid, muni_ids[r][0], f"ЦНППМ {r + 1}", f"ЦНППМ региона {r + 1}", "centre"))
        centres.append(oid)
        org_ids.append(ids)
    cp.copy("cnppm_organization", ["id", "municipality_id", "short_name", "full_name", "kind"], org_rows)

    educations = ["higher"] * 8 + ["secondary_vocational"] * 2
    categories = ["highest", "first", "conformity", "none"]
    person_org: list[int] = [0]  # index = person id

    def people():
        pid = 0
        for r, n in enumerate(teachers_per):
            for _ in range(n):
                pid += 1
                o = rng.choice(org_ids[r])
                person_org.append(o)
                yield (
                    pid,
                    o,
                    f"Педагог{pid}",
                    "Анна",
                    rng.choice(educations),
                    rng.randrange(0, 40),
                    rng.choice(categories),
                )
            for _i in range(16):
                pid += 1
                person_org.append(centres[r])
                yield (pid, centres[r], f"Сотрудник{pid}", "Ольга", "higher", 10, "none")

    n_people = cp.copy(
        "cnppm_person",
        [
            "id",
            "organization_id",
            "last_name",
            "first_name",
            "education",
            "experience_years",
            "qualification_category",
        ],
        people(),
    )
    t_people = time.perf_counter() - t0

    # The migrations may have made blocks and instruments of their own: ours follow them.
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM diagnostics_competenceblock")
    b0 = cur.fetchone()[0]
    blocks = (b0 + 1, b0 + 2, b0 + 3)
    cp.copy(
        "diagnostics_competenceblock",
        ["id", "code", "name", "is_scored", "audience"],
        [
            (blocks[0], "fed-subject", "предметные", "t", "teachers"),
            (blocks[1], "fed-method", "методические", "t", "teachers"),
            (blocks[2], "fed-ict", "ИКТ", "t", "teachers"),
        ],
    )
    cur.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM diagnostics_instrument")
    instrument = cur.fetchone()[0]
    cp.copy(
        "diagnostics_instrument",
        ["id", "code", "title", "kind", "status", "version", "time_limit_minutes", "pass_mark"],
        [(instrument, "fed-entry", "Входная диагностика", "entry", "published", 1, 120, 60)],
    )

    # Attempts: half the teachers (not the Centre staff), in the organization where they work.
    centre_ids = set(centres)
    teachers = [p for p in range(1, len(person_org)) if person_org[p] not in centre_ids]
    diagnosed = rng.sample(teachers, min(sizes["attempts"], len(teachers)))
    start = datetime(2022, 1, 10, 9, tzinfo=UTC)
    attempt_rows, finished = [], {}
    for aid, p in enumerate(diagnosed, 1):
        started = start + timedelta(days=rng.randrange(330))
        finished[aid] = (p, started + timedelta(hours=2))
        done = (started + timedelta(hours=2)).isoformat()
        attempt_rows.append(
            (aid, p, 1, person_org[p], "final", 1, started.isoformat(), done, done, 50, "medium")
        )
    cp.copy(
        "diagnostics_attempt",
        [
            "id",
            "person_id",
            "instrument_id",
            "organization_id",
            "status",
            "number",
            "started_at",
            "finished_at",
            "finalized_at",
            "percent",
            "level",
        ],
        attempt_rows,
    )
    levels = ["high", "medium", "minimal"]
    cp.copy(
        "diagnostics_blockresult",
        ["attempt_id", "block_id", "percent", "level", "missed_topics"],
        ((aid, b, 50, rng.choice(levels), "[]") for aid in finished for b in blocks),
    )

    statuses = ["submitted", "approved", "in_progress", "completing", "draft"]
    route_rows, submitted = [], []
    for rid, aid in enumerate(list(finished)[: sizes["routes"]], 1):
        p, done = finished[aid]
        st = rng.choice(statuses)
        sub = None if st == "draft" else (done + timedelta(days=rng.randrange(1, 30)))
        if sub:
            submitted.append((rid, sub))
        route_rows.append(
            (rid, p, 2021, person_org[p], aid, st, sub.isoformat() if sub else None, done.isoformat())
        )
    cp.copy(
        "routes_route",
        [
            "id",
            "teacher_id",
            "academic_year",
            "organization_id",
            "entry_attempt_id",
            "status",
            "submitted_at",
            "created_at",
        ],
        route_rows,
    )
    a_kinds = ["qualification", "seminar", "webinar", "internship", "conference"]
    a_levels, a_formats = (
        ["federal", "regional", "municipal", "institutional"],
        ["in_person", "distance", "online"],
    )
    cp.copy(
        "routes_routeactivity",
        ["id", "route_id", "title", "kind", "level", "format", "outcome", "order"],
        (
            (
                2 * rid - k,
                rid,
                "Мероприятие",
                rng.choice(a_kinds),
                rng.choice(a_levels),
                rng.choice(a_formats),
                "planned",
                k,
            )
            for rid in range(1, len(route_rows) + 1)
            for k in (1, 0)
        ),
    )
    cp.copy(
        "routes_routeactivity_competences",
        ["routeactivity_id", "competenceblock_id"],
        ((act, rng.choice(blocks)) for act in range(1, 2 * len(route_rows) + 1)),
    )
    verdicts = ["no_corrections", "minor", "major"]
    cp.copy(
        "routes_routereview",
        ["route_id", "curator_id", "verdict", "created_at"],
        ((rid, 1, rng.choice(verdicts), sub.isoformat()) for rid, sub in submitted),
    )
    stats = []
    for r in range(N_REGIONS):
        per = max(1, teachers_per[r] // len(muni_ids[r]))
        for m in muni_ids[r]:
            stats.append((m, 2022, int(per * 1.1), per, max(1, orgs_per[r] // len(muni_ids[r]))))
    cp.copy(
        "cnppm_referencestatistic",
        ["municipality_id", "year", "teachers_total", "school_teachers_total", "schools_total"],
        stats,
    )
    cp.copy(
        "cnppm_organizationyearfact",
        ["organization_id", "year", "implements_mentoring", "management_team_trained"],
        (
            (o, 2022, "t" if rng.random() < 0.3 else "f", "t" if rng.random() < 0.2 else "f")
            for ids in org_ids
            for o in ids
        ),
    )
    cp.copy(
        "monitoring_period",
        ["region_id", "code", "kind", "starts_on", "ends_on", "is_closed"],
        ((r + 1, "2022", "year", "2022-01-01", "2022-12-31", "f") for r in range(N_REGIONS)),
    )
    # Identity columns continue after the ids given here.
    for table in (
        "cnppm_region",
        "cnppm_municipality",
        "cnppm_organization",
        "cnppm_person",
        "diagnostics_competenceblock",
        "diagnostics_instrument",
        "diagnostics_attempt",
        "routes_route",
        "routes_routeactivity",
    ):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    conn.commit()
    cur.execute("ANALYZE")
    conn.commit()
    return {
        "regions": N_REGIONS,
        "municipalities": sum(munis_per),
        "organizations": sum(orgs_per),
        "people": n_people,
        "attempts": len(attempt_rows),
        "routes": len(route_rows),
        "largest_region_teachers": max(teachers_per),
        "people_seconds": t_people,
    }


# --- Computation -------------------------------------------------------------------------------


def _worker_init(url: str) -> None:
    setup_django(url)


def compute_region(period_id: int) -> tuple[int, float, str]:
    """What the Celery task does for one region: request a computation of its period, execute it."""
    from monitoring.models import Period
    from monitoring.services.computation import computation_request
    from monitoring.tasks import compute_period

    t = time.perf_counter()
    period = Period.objects.get(pk=period_id)
    run = computation_request(actor=None, period=period, enqueue=False)
    status = compute_period(run.pk)
    return period.region_id, time.perf_counter() - t, status


def federal_aggregate() -> tuple[float, int]:
    """Every region's region rows of the period side by side and their total (numerators and
    denominators summed, never averaged): the federal page's `monitoring.federal.federal_table`
    when the module is there, else the same rows read and summed by one grouped query."""
    from django.db.models import Sum

    from monitoring.models import IndicatorSnapshot

    t = time.perf_counter()
    try:
        from monitoring.federal import federal_table
    except ImportError:
        rows = list(
            IndicatorSnapshot.objects.filter(scope_level="region", cumulative=True, period__code="2022")
            .order_by()
            .values("indicator__code")
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
        )
        return time.perf_counter() - t, len(rows)
    from django.contrib.auth import get_user_model

    from cnppm.choices import Role
    from cnppm.models import Person, RoleAssignment

    user, created = get_user_model().objects.get_or_create(username="bench-federal")
    if created:
        person = Person.objects.create(
            user=user,
            organization_id=Person.objects.values_list("organization_id", flat=True).first(),
            last_name="Федеральный",
            first_name="Аналитик",
        )
        RoleAssignment.objects.create(person=person, role=Role.FEDERAL)
    t = time.perf_counter()
    table = federal_table(user, code="2022")
    return time.perf_counter() - t, len([r for r in table["regions"] if r["values"]])


# --- EXPLAIN -----------------------------------------------------------------------------------


def explain(region_id: int, path: Path, top: int = 6) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of one region's computation (captured while
    it runs, the statements exactly as the computation sends them), into a note."""
    from monitoring.indicators import materialised, planner_settings
    from monitoring.models import Period

    period = Period.objects.get(region_id=region_id, code="2022")
    # The statements are explained as the computation planned them (its planner settings) and while
    # its temporary tables of the region's routes and attempts still exist.
    with planner_settings(), materialised():
        _explain(region_id, period, path, top)


def _explain(region_id, period, path: Path, top: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring.services.computation import computation_execute, computation_request

    with CaptureQueriesContext(connection) as ctx:
        run = computation_request(actor=None, period=period, enqueue=False)
        computation_execute(run_id=run.pk)
    heavy = sorted(
        (q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "INSERT"))),
        key=lambda q: -float(q["time"]),
    )[:top]
    out = [
        f"# EXPLAIN ANALYZE: the {top} slowest statements of region {region_id}'s computation (period 2022)\n",
        f"{len(ctx.captured_queries)} statements in all.\n",
    ]
    with connection.cursor() as cur:
        for q in heavy:
            sql = q["sql"]
            if sql.lstrip().upper().startswith("INSERT"):
                out.append(
                    f"## {q['time']} s: the snapshot INSERT … SELECT (not re-run)\n\n```sql\n{sql[:600]}…\n```\n"
                )
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
            out.append(f"## {q['time']} s\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```\n")
    path.write_text("\n".join(out))


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument(
        "--regen", action="store_true", help="keep the migrated database, empty it, generate again"
    )
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--explain-only", type=int, default=None, help="only EXPLAIN this region's computation")
    ap.add_argument("--db", default="cnppm_fed")
    args = ap.parse_args()
    url = database_url(args.db)

    import psycopg2

    if not (args.reuse or args.regen):
        admin = psycopg2.connect(database_url("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
            cur.execute(f'CREATE DATABASE "{args.db}"')
        admin.close()
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from monitoring.definitions import ensure_definitions
    from monitoring.models import IndicatorSnapshot, Period

    if args.regen:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE cnppm_region, diagnostics_instrument CASCADE")
            cur.execute("DELETE FROM diagnostics_competenceblock WHERE code LIKE %s", ["fed-%"])
        connection.close()
    elif not args.reuse:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"Миграции: {time.perf_counter() - t:.1f} с")
    if not args.reuse:
        t = time.perf_counter()
        conn = psycopg2.connect(url)
        info = generate(conn, args.scale)
        conn.close()
        print(
            f"Сгенерировано COPY за {time.perf_counter() - t:.1f} с: регионов {info['regions']}, МО {info['municipalities']}, "
            f"ОО {info['organizations']}, людей {info['people']} (крупнейший регион {info['largest_region_teachers']} педагогов), "
            f"попыток {info['attempts']}, ИОМ {info['routes']}"
        )
    ensure_definitions()
    if args.explain_only is not None:
        path = ROOT / "bench" / "notes" / "federation_explain.plans.md"
        path.parent.mkdir(exist_ok=True)
        explain(args.explain_only, path)
        print(f"EXPLAIN: {path}")
        return
    periods = list(Period.objects.filter(code="2022").order_by("region_id").values_list("id", flat=True))
    connection.close()

    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_worker_init, initargs=(url,)) as pool:
        results = list(pool.map(compute_region, periods))
    wall = time.perf_counter() - t
    times = sorted(r[1] for r in results)
    failed = [r for r in results if r[2] != "done"]
    print(
        f"Все регионы ({len(results)}), каждый отдельно, {args.workers} процесса: {wall:.1f} с; "
        f"регион: медиана {times[len(times) // 2]:.2f} с, максимум {times[-1]:.2f} с; "
        f"значений {IndicatorSnapshot.objects.count()}; не выполнено {len(failed)}"
    )
    agg, n = federal_aggregate()
    print(f"Федеральная сводка (регионы рядом и итог): {agg:.2f} с, регионов {n}")
    total = wall + agg
    print(f"Цель: всё вместе < 60 с — {'выполнено' if total < 60 else 'НЕ выполнено'} ({total:.1f} с)")
    if args.explain:
        largest = max(results, key=lambda r: r[1])[0]
        path = ROOT / "bench" / "notes" / "federation_explain.md"
        path.parent.mkdir(exist_ok=True)
        explain(largest, path.with_suffix(".plans.md"))
        print(f"EXPLAIN: {path.with_suffix('.plans.md')}")
    if not (args.keep or args.reuse):
        connection.close()
        admin = psycopg2.connect(database_url("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        admin.close()


if __name__ == "__main__":
    main()
