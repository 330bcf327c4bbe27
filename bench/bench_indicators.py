"""Bench: the whole computation of one period (all nine indicators, all scopes, cumulative and for
the period alone, the distributions, the snapshot rows written) on a generated region (100 000
teachers, 60 municipalities, 2 000 organizations, 50 000 attempts, 40 000 routes), against one
hand-written SQL script that does the same (bench/indicators_handwritten.sql) in the same run; the
script's rows are checked to hold the same figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cnppm_h6_bench .venv/bin/python bench/bench_indicators.py
    (without DATABASE_URL: a throwaway SQLite file in /tmp; the script is PostgreSQL only)
    --small: a tenth of the sizes, for a quick check
    --reuse: keep the database and the region a previous run generated (no drop, no generation)

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
REUSE = "--reuse" in sys.argv
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = "sqlite:////tmp/cnppm_h7_bench.sqlite3"
    if not REUSE:
        Path("/tmp/cnppm_h7_bench.sqlite3").unlink(missing_ok=True)
elif not REUSE:
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

SCRIPT = (ROOT / "bench" / "indicators_handwritten.sql").read_text()
FIGURES = (
    "indicator__code",
    "cumulative",
    "scope_level",
    "municipality_id",
    "organization_id",
    "numerator",
    "denominator",
    "value",
)


def run_script(period, twin):
    """The hand-written computation of both modes into the twin period's snapshots, one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from monitoring.indicators import window_for, year_window_for
    from monitoring.models import ComputationRun, IndicatorSnapshot

    with transaction.atomic():
        run = ComputationRun.objects.create(period=twin)
        IndicatorSnapshot.objects.filter(period=twin).delete()
        with connection.cursor() as cur:
            for cumulative in (True, False):
                w, yw = window_for(period, cumulative), year_window_for(period, cumulative)
                cur.execute(
                    SCRIPT,
                    {
                        "region": period.region_id,
                        "period": twin.pk,
                        "run": run.pk,
                        "year": period.ends_on.year,
                        "start_ts": w.start_dt,
                        "end_ts": w.end_dt,
                        "start_day": w.start,
                        "end_day": w.end,
                        "ystart_day": yw.start,
                        "cumulative": cumulative,
                        "now": timezone.now(),
                    },
                )


def figures(period):
    from monitoring.models import IndicatorSnapshot

    rows = IndicatorSnapshot.objects.filter(period=period).values_list(*FIGURES)
    return {r[:5]: r[5:] for r in rows}


def distributions(period):
    from monitoring.models import IndicatorSnapshot

    return {
        s.cumulative: s.inputs["distributions"]
        for s in IndicatorSnapshot.objects.filter(period=period, indicator__code="F2", scope_level="region")
    }


def timed(fn, times=2):
    out = []
    for _ in range(times):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main():
    small = "--small" in sys.argv
    scale = 10 if small else 1
    print(f"База: {connection.vendor} ({connection.settings_dict['NAME']})")
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Миграции: {time.perf_counter() - t:.1f} с")

    from generate_region import generate

    from monitoring.services.computation import period_get_or_create

    if REUSE:
        from cnppm.models import Region

        info = {"region": Region.objects.get(code="BENCH")}
    else:
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
    # 2022: a past period, 12 % of its routes changed status since (the status at its end is read
    # from their history); 2024: every status change is before its end, as for the current period
    # the nightly task computes (the plain status column).
    for code in ("2022", "2024"):
        measure(period_get_or_create(code, region=info["region"]))


def measure(period):
    from monitoring.choices import PeriodKind
    from monitoring.distributions import compute_by_municipality
    from monitoring.indicators import compute_all, materialised, window_for
    from monitoring.models import Period
    from monitoring.services.computation import computation_execute, computation_request

    def orm():
        run = computation_request(actor=None, period=period, enqueue=False)
        computation_execute(run_id=run.pk)

    def counts_only():
        with materialised():
            for cumulative in (True, False):
                compute_all(period, cumulative)

    def counts_and_dists():
        with materialised():
            for cumulative in (True, False):
                compute_all(period, cumulative)
                compute_by_municipality(period.region_id, window_for(period, cumulative))

    # The first run reads a cold cache right after the generation; the figures compare repeated runs.
    fulls = timed(orm)
    n_rows = period.snapshots.count()
    counts_t, both_t = min(timed(counts_only)), min(timed(counts_and_dists))
    full = min(fulls)
    print(
        f"Полный расчёт периода {period.code}: все 9 показателей, все уровни, нарастающим итогом и за период, "
        f"распределения и запись {n_rows} значений: первый запуск {fulls[0]:.2f} с, повторный {fulls[1]:.2f} с "
        f"(из них показатели {counts_t:.2f} с, распределения {both_t - counts_t:.2f} с, "
        f"запись и прочее {max(full - both_t, 0):.2f} с)"
    )
    if connection.vendor != "postgresql":
        print(
            f"Цель: < 3 с — {'выполнено' if full < 3 else 'НЕ выполнено'}; скрипт SQL вручную — только на PostgreSQL"
        )
        return
    # --reuse finds the twin a previous run left; its snapshots are replaced by the script.
    twin, _ = Period.objects.get_or_create(
        region=period.region,
        code="SQL-" + period.code,
        defaults={"kind": PeriodKind.YEAR, "starts_on": period.starts_on, "ends_on": period.ends_on},
    )
    scripts = timed(lambda: run_script(period, twin))
    raw = min(scripts)
    mine, theirs = figures(period), figures(twin)
    differ = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
    same_dists = distributions(period) == distributions(twin)
    print(
        f"Тот же расчёт одним SQL-скриптом вручную (bench/indicators_handwritten.sql): первый запуск {scripts[0]:.2f} с, "
        f"повторный {scripts[1]:.2f} с, {len(theirs)} значений; расходятся {len(differ)} значений"
        + (f" (например {differ[:3]})" if differ else "")
        + f"; распределения {'совпадают' if same_dists else 'РАСХОДЯТСЯ'}"
    )
    print(f"Отношение расчёта портала к скрипту: {full / raw:.2f}×")
    print(
        f"Цель: < 3 с — {'выполнено' if full < 3 else 'НЕ выполнено'}; "
        f"≤ 1,5× скрипта — {'выполнено' if full / raw <= 1.5 else 'НЕ выполнено'}"
    )


if __name__ == "__main__":
    main()
