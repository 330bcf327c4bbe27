"""Bench: the analytic report PDF (and XLSX) for a generated region of 100 000 teachers,
60 municipalities, 2 000 organizations, 50 000 attempts, 40 000 routes (bench/generate_region.py).
Target: under 10 seconds, peak memory under 500 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cnppm_h8_bench .venv/bin/python bench/bench_report.py
    (without DATABASE_URL: a throwaway SQLite file in /tmp)
    --small: a tenth of the sizes, for a quick check

The database is created afresh and migrated; then each rendering runs in a fresh Python process so
that its peak resident memory (getrusage ru_maxrss) is the report's own, not the generator's. Two
cases: an open period (indicators computed live while rendering) and the same period closed (the
stored snapshots are read)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
SQLITE = "/tmp/cnppm_h8_bench.sqlite3"


def render_child(kind: str, fmt: str, period_code: str, region_code: str) -> None:
    """In a fresh process: render one report, print seconds, bytes and peak RSS."""
    import django

    django.setup()
    from cnppm.models import Region
    from monitoring.models import Period
    from monitoring.reports import report_class

    period = Period.objects.get(region=Region.objects.get(code=region_code), code=period_code)
    t = time.perf_counter()
    content = report_class(kind)(period=period).render(fmt)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f} {len(content)} {peak_mb:.0f}")


def fresh_database() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"
        Path(SQLITE).unlink(missing_ok=True)
        return
    import psycopg2

    base, name = os.environ["DATABASE_URL"].rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def run_child(kind: str, fmt: str, period: str, region: str) -> tuple[float, int, float]:
    out = (
        subprocess.run(
            [sys.executable, __file__, "--render", kind, fmt, period, region],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    seconds, size, peak = out.split()
    return float(seconds), int(size), float(peak)


def main() -> None:
    small = "--small" in sys.argv
    scale = 10 if small else 1
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"База: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    from generate_region import generate

    from monitoring.services.computation import (
        computation_execute,
        computation_request,
        period_close,
        period_get_or_create,
    )

    t = time.perf_counter()
    info = generate(
        n_teachers=100_000 // scale,
        n_municipalities=60,
        n_organizations=2_000 // scale,
        n_attempts=50_000 // scale,
        n_routes=40_000 // scale,
    )
    print(
        f"Регион: {info['teachers']} педагогов, {info['municipalities']} МО, {info['organizations']} организаций, "
        f"{info['attempts']} попыток, {info['routes']} ИОМ (генерация {time.perf_counter() - t:.1f} с)"
    )
    region = info["region"]
    period = period_get_or_create("2022", region=region)
    connection.close()

    results = []
    for fmt in ("pdf", "xlsx"):
        results.append(
            (
                "открытый период (расчёт при формировании)",
                fmt,
                *run_child("analytic", fmt, period.code, region.code),
            )
        )
    run = computation_request(actor=None, period=period, enqueue=False)
    computation_execute(run_id=run.pk)
    period_close(actor=None, period=period)
    connection.close()
    for fmt in ("pdf", "xlsx"):
        results.append(
            (
                "закрытый период (сохранённый расчёт)",
                fmt,
                *run_child("analytic", fmt, period.code, region.code),
            )
        )

    print("Аналитический отчёт по учёту ИОМ (цель: < 10 с, пик памяти < 500 МБ):")
    ok = True
    for label, fmt, seconds, size, peak in results:
        passed = seconds < 10 and peak < 500
        ok &= passed
        print(
            f"  {fmt.upper():4} {label}: {seconds:.2f} с, пик RSS {peak:.0f} МБ, файл {size / 1024:.0f} КБ — {'OK' if passed else 'ПРЕВЫШЕНО'}"
        )
    print("Итог:", "цели выполнены" if ok else "цели не выполнены")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--render":
        render_child(*sys.argv[2:6])
    else:
        main()
