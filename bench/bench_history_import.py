"""History import (issue 10.2): N historical routes with their events (created, submitted, reviewed
with a verdict, approved, some completed), the entry diagnostics they are built on (two blocks each)
and one activity each, against merely reading the same file with the bounded reader
(cnppm.spreadsheets), timed in the same run. Also the same file imported again (nothing added).
Runs against DATABASE_URL when set (on a throwaway test_<name> database), else on a throwaway SQLite
file. Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_history_import.py [--routes 50000]

Targets (issue 10.2): 50 000 routes imported under 2 minutes and within 3x of reading the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=50_000)
    parser.add_argument("--profile", action="store_true", help="print where the import spends its time")
    args = parser.parse_args()

    import django
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_history_"))
    if not os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": str(tmp / "bench.sqlite3")}
    django.setup()

    from django.db import connection

    print(f"База данных: {connection.vendor}; создаю временную базу…", flush=True)
    started = time.perf_counter()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"  готово за {time.perf_counter() - started:.1f} с ({test_db})", flush=True)
    try:
        run(args.routes, tmp, profile=args.profile)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def region_with_people(n: int):
    from cnppm.models import Municipality, Organization, Person, Region
    from diagnostics.models import CompetenceBlock, Instrument

    region = Region.objects.create(name="Бенчмарк-область", code="BENCH")
    munis = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=f"Район {i}", code=f"B{i:02d}", kind="district")
            for i in range(1, 7)
        ]
    )
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                municipality=munis[i % 6], short_name=f"СОШ № {i}", full_name=f"Школа № {i}", kind="school"
            )
            for i in range(1, 201)
        ]
    )
    centre = Organization.objects.create(
        municipality=munis[0], short_name="ЦНППМ", full_name="ЦНППМ", kind="centre"
    )
    Person.objects.bulk_create(
        [
            Person(
                organization=orgs[i % 200],
                last_name=f"Педагогова{i:06d}",
                first_name="Анна",
                middle_name="Ивановна",
                email=f"p{i}@bench.example" if i % 2 else "",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    curator = Person.objects.create(
        organization=centre, last_name="Кураторова", first_name="Ольга", email="cur@bench.example"
    )
    inst = Instrument.objects.create(code="bench", title="Диагностика", kind="entry", status="published")
    inst.blocks.set(
        [
            CompetenceBlock.objects.get_or_create(code="b-subject", defaults={"name": "Предметные"})[0],
            CompetenceBlock.objects.get_or_create(code="b-method", defaults={"name": "Методические"})[0],
        ]
    )
    people = list(
        Person.objects.filter(last_name__startswith="Педагогова")
        .order_by("pk")
        .values_list("last_name", "email", "organization__short_name", "organization__municipality__name")
    )
    return region, people, curator


def build_file(people, curator_email: str) -> bytes:
    from routes.history import SHEETS
    from tests.routes.history_files import xlsx_bytes

    diagnostics, routes, activities = [], [], []
    verdicts = ["корректировки не требуются", "незначительная доработка", "существенная доработка"]
    for i, (last, email, org, muni) in enumerate(people):
        who = {
            "Муниципалитет": muni,
            "Организация": org,
            "Фамилия": last,
            "Имя": "Анна",
            "Отчество": "Ивановна",
        }
        if email:
            who = {**who, "Email": email}
        start = date(2021, 9, 1) + timedelta(days=i % 600)
        for block, value in (("Предметные", 30 + i % 70), ("Методические", f"{40 + i % 60},5")):
            diagnostics.append(
                {**who, "Диагностика": "bench", "Дата": start, "Блок": block, "Результат, %": value}
            )
        year = start.year if start.month >= 9 else start.year - 1
        route = {
            **who,
            "Учебный год": f"{year}/{year + 1}",
            "Создан": start + timedelta(days=3),
            "Подан куратору": start + timedelta(days=5),
            "Рассмотрен куратором": start + timedelta(days=12),
            "Заключение куратора": verdicts[i % 3],
            "Куратор": curator_email,
            "Утверждён": start + timedelta(days=20),
        }
        if i % 2:
            route["Завершён"] = start + timedelta(days=200)
        routes.append(route)
        activities.append(
            {
                **who,
                "Учебный год": f"{year}/{year + 1}",
                "Мероприятие": "Курсы повышения квалификации",
                "Вид": "ДПП повышения квалификации",
                "Уровень": "региональный",
                "Начало": start + timedelta(days=30),
                "Окончание": start + timedelta(days=40),
                "Выполнение": "выполнено" if i % 2 else "не выполнено",
                "Причина невыполнения": "" if i % 2 else "болезнь",
            }
        )
    titles = list(SHEETS)
    return xlsx_bytes(
        {
            titles[0]: (SHEETS[titles[0]], diagnostics),
            titles[1]: (SHEETS[titles[1]], routes),
            titles[2]: (SHEETS[titles[2]], activities),
        }
    )


def num(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def run(n: int, tmp: Path, *, profile: bool = False) -> None:
    from django.conf import settings
    from django.db import connection

    from cnppm.spreadsheets import open_workbook
    from routes.history import history_import
    from routes.models import Route, RouteActivity, RouteEvent, RouteReview

    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, 200 * 1024 * 1024)
    started = time.perf_counter()
    region, people, curator = region_with_people(n)
    print(
        f"Регион: {n:,} педагогов, 200 школ — {time.perf_counter() - started:.1f} с".replace(",", " "),
        flush=True,
    )
    started = time.perf_counter()
    path = tmp / "history.xlsx"
    path.write_bytes(build_file(people, curator.email))
    print(
        f"Файл: {path.stat().st_size / 1024 / 1024:.1f} МБ, {num(n)} ИОМ, {num(2 * n)} строк диагностики, "
        f"{num(n)} мероприятий — {time.perf_counter() - started:.1f} с",
        flush=True,
    )

    started = time.perf_counter()
    rows = 0
    with open(path, "rb") as fh:
        wb = open_workbook(fh)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                rows += 1
        wb.close()
    read = time.perf_counter() - started
    print(
        f"Чтение файла ограниченным читателем: {rows:,} строк за {read:.1f} с".replace(",", " "), flush=True
    )

    started = time.perf_counter()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with open(path, "rb") as fh:
        report = history_import(actor=None, file=fh, region=region, filename=path.name)
    imported = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if report.errors:
        print("Ошибки:", *map(str, report.errors[:10]), sep="\n  ")
        return
    print(f"Импорт: {imported:.1f} с — {report.summary()}", flush=True)
    print(
        f"  в базе: ИОМ {Route.objects.count():,}, смен статуса {RouteEvent.objects.count():,}, "
        f"заключений {RouteReview.objects.count():,}, мероприятий {RouteActivity.objects.count():,}".replace(
            ",", " "
        )
    )
    print(f"  отношение к чтению файла: {imported / read:.2f}× (цель ≤ 3×), цель по времени < 120 с")

    started = time.perf_counter()
    with open(path, "rb") as fh:
        again = history_import(actor=None, file=fh, region=region, filename=path.name)
    print(f"Повторный импорт того же файла: {time.perf_counter() - started:.1f} с — {again.summary()}")
    print(f"(база: {connection.vendor})")


if __name__ == "__main__":
    main()
