"""Bench: all indicators for all scopes of one period on a generated region (100 000 teachers,
60 municipalities, 2 000 organizations, 50 000 attempts, 40 000 routes), against the same counts
as hand-written SQL in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cnppm_h7_bench .venv/bin/python bench/bench_indicators.py
    (without DATABASE_URL: a throwaway SQLite file in /tmp)
    --small: a tenth of the sizes, for a quick check

The database is created afresh (PostgreSQL: dropped and created; SQLite: a new file) and migrated."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = "sqlite:////tmp/cnppm_h7_bench.sqlite3"
    Path("/tmp/cnppm_h7_bench.sqlite3").unlink(missing_ok=True)
else:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

RAW = {
    # F2 / IOM_SHARE numerator: teachers with an ИОМ, by region, municipality, organization.
    "iom_region": """SELECT COUNT(DISTINCT r.teacher_id) FROM routes_route r JOIN cnppm_organization o ON o.id = r.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND r.entry_attempt_id IS NOT NULL
        AND r.status IN ('submitted','returned','approved','in_progress','completing','completed') AND r.submitted_at < %(end)s""",
    "iom_muni": """SELECT o.municipality_id, COUNT(DISTINCT r.teacher_id) FROM routes_route r JOIN cnppm_organization o ON o.id = r.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND r.entry_attempt_id IS NOT NULL
        AND r.status IN ('submitted','returned','approved','in_progress','completing','completed') AND r.submitted_at < %(end)s GROUP BY 1""",
    "iom_org": """SELECT r.organization_id, o.municipality_id, COUNT(DISTINCT r.teacher_id) FROM routes_route r JOIN cnppm_organization o ON o.id = r.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND r.entry_attempt_id IS NOT NULL
        AND r.status IN ('submitted','returned','approved','in_progress','completing','completed') AND r.submitted_at < %(end)s GROUP BY 1, 2""",
    # F2 denominator: diagnosed teachers.
    "diag_region": """SELECT COUNT(DISTINCT a.person_id) FROM diagnostics_attempt a JOIN diagnostics_instrument i ON i.id = a.instrument_id
        JOIN cnppm_organization o ON o.id = a.organization_id JOIN cnppm_municipality m ON m.id = o.municipality_id
        WHERE m.region_id = %(region)s AND a.status = 'final' AND i.kind = 'entry' AND COALESCE(a.finalized_at, a.finished_at) < %(end)s""",
    "diag_muni": """SELECT o.municipality_id, COUNT(DISTINCT a.person_id) FROM diagnostics_attempt a JOIN diagnostics_instrument i ON i.id = a.instrument_id
        JOIN cnppm_organization o ON o.id = a.organization_id JOIN cnppm_municipality m ON m.id = o.municipality_id
        WHERE m.region_id = %(region)s AND a.status = 'final' AND i.kind = 'entry' AND COALESCE(a.finalized_at, a.finished_at) < %(end)s GROUP BY 1""",
    "diag_org": """SELECT a.organization_id, o.municipality_id, COUNT(DISTINCT a.person_id) FROM diagnostics_attempt a JOIN diagnostics_instrument i ON i.id = a.instrument_id
        JOIN cnppm_organization o ON o.id = a.organization_id JOIN cnppm_municipality m ON m.id = o.municipality_id
        WHERE m.region_id = %(region)s AND a.status = 'final' AND i.kind = 'entry' AND COALESCE(a.finalized_at, a.finished_at) < %(end)s GROUP BY 1, 2""",
    # ORG_COVERAGE numerator.
    "orgs_region": """SELECT COUNT(DISTINCT r.organization_id) FROM routes_route r JOIN cnppm_organization o ON o.id = r.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND r.entry_attempt_id IS NOT NULL
        AND r.status IN ('submitted','returned','approved','in_progress','completing','completed') AND r.submitted_at < %(end)s""",
    "orgs_muni": """SELECT o.municipality_id, COUNT(DISTINCT r.organization_id) FROM routes_route r JOIN cnppm_organization o ON o.id = r.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND r.entry_attempt_id IS NOT NULL
        AND r.status IN ('submitted','returned','approved','in_progress','completing','completed') AND r.submitted_at < %(end)s GROUP BY 1""",
    # MENTORING numerator.
    "mentoring_region": """SELECT COUNT(DISTINCT f.organization_id) FROM cnppm_organizationyearfact f JOIN cnppm_organization o ON o.id = f.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND f.year = %(year)s AND f.implements_mentoring
        AND o.kind IN ('school','additional','vocational')""",
    "mentoring_muni": """SELECT o.municipality_id, COUNT(DISTINCT f.organization_id) FROM cnppm_organizationyearfact f JOIN cnppm_organization o ON o.id = f.organization_id
        JOIN cnppm_municipality m ON m.id = o.municipality_id WHERE m.region_id = %(region)s AND f.year = %(year)s AND f.implements_mentoring
        AND o.kind IN ('school','additional','vocational') GROUP BY 1""",
    "refstats": """SELECT s.municipality_id, s.year, s.teachers_total FROM cnppm_referencestatistic s JOIN cnppm_municipality m ON m.id = s.municipality_id
        WHERE m.region_id = %(region)s AND s.year <= %(year)s ORDER BY 1, 2 DESC""",
}


def raw_counts(region_id, end_dt, year):
    params = {"region": region_id, "end": end_dt, "year": year}
    out = {}
    with connection.cursor() as cur:
        for name, sql in RAW.items():
            cur.execute(sql, params)
            out[name] = cur.fetchall()
    return out


def main():
    small = "--small" in sys.argv
    scale = 10 if small else 1
    print(f"База: {connection.vendor} ({connection.settings_dict['NAME']})")
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Миграции: {time.perf_counter() - t:.1f} с")

    from generate_region import generate

    from monitoring.choices import IndicatorCode
    from monitoring.indicators import SPECS, Context
    from monitoring.services.computation import computation_execute, computation_request, period_get_or_create

    t = time.perf_counter()
    info = generate(
        n_teachers=100_000 // scale,
        n_municipalities=60,
        n_organizations=2_000 // scale,
        n_attempts=50_000 // scale,
        n_routes=40_000 // scale,
    )
    print(
        f"Сгенерировано за {time.perf_counter() - t:.1f} с: педагогов {info['teachers']}, МО {info['municipalities']}, "
        f"ОО {info['organizations']}, попыток {info['attempts']}, ИОМ {info['routes']}"
    )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")
    period = period_get_or_create("2022", region=info["region"])

    same = (IndicatorCode.F2, IndicatorCode.IOM_SHARE, IndicatorCode.ORG_COVERAGE, IndicatorCode.MENTORING)
    orm_times, raw_times = [], []
    for _ in range(3):
        t = time.perf_counter()
        ctx = Context(period, True)
        for code in same:
            SPECS[code].compute(ctx)
        orm_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw_counts(period.region_id, ctx.window.end_dt, ctx.year)
        raw_times.append(time.perf_counter() - t)
    orm, raw = min(orm_times), min(raw_times)
    print(
        f"Те же подсчёты (F2, IOM_SHARE, ORG_COVERAGE, MENTORING; регион, МО, ОО): ORM {orm:.3f} с, SQL вручную {raw:.3f} с, отношение {orm / raw:.2f}×"
    )

    fulls = []
    for _run in range(2):  # the first run reads a cold cache right after the generation
        t = time.perf_counter()
        run = computation_request(actor=None, period=period, enqueue=False)
        run = computation_execute(run_id=run.pk)
        fulls.append(time.perf_counter() - t)
    full = min(fulls)
    print(
        f"Полный расчёт периода {period.code}: все 9 показателей, все уровни, нарастающим итогом и за период, "
        f"распределения и запись {run.snapshots.count()} значений: первый запуск {fulls[0]:.2f} с, "
        f"повторный {fulls[1]:.2f} с (статус {run.status})"
    )
    print(
        f"Цель: < 5 с — {'выполнено' if full < 5 else 'НЕ выполнено'}; отношение ≤ 2× — {'выполнено' if orm / raw <= 2 else 'НЕ выполнено'}"
    )


if __name__ == "__main__":
    main()
