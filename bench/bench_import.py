"""Roster import of 100 000 rows against merely reading the same file (openpyxl, read-only), timed
in the same run. Runs against DATABASE_URL when set (on a throwaway test_<name> database), else on a
throwaway SQLite file. Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_import.py [--rows 100000]

Targets (issue 2): the import under 2 minutes and within 3x of the read-only read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    import django
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_import_"))
    if not os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": str(tmp / "bench.sqlite3")}
    django.setup()

    from django.db import connection

    print(f"База данных: {connection.vendor}; создаю временную базу…", flush=True)
    started = time.perf_counter()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"  готово за {time.perf_counter() - started:.1f} с ({test_db})", flush=True)
    try:
        run(args.rows, tmp)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(rows: int, tmp: Path) -> None:
    import openpyxl
    from django.contrib.auth.hashers import make_password

    from cnppm import importers
    from cnppm.models import Municipality, Organization, Person, Region, Subject

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
                municipality=munis[i % 6],
                short_name=f"МБОУ СОШ № {i}",
                full_name=f"Школа № {i}",
                kind="school",
            )
            for i in range(1, 201)
        ]
    )
    # The migrations already hold the seed's subject areas.
    subjects = [
        Subject.objects.get_or_create(name=name, defaults={"code": f"s{i}"})[0]
        for i, name in enumerate(["физика", "химия", "математика", "история"])
    ]
    surnames = ["Иванова", "Петрова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Лебедева", "Козлова"]
    names = ["Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина"]
    categories = ["высшая", "первая", "соответствие занимаемой должности", ""]

    path = tmp / "roster.xlsx"
    started = time.perf_counter()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Реестр")
    ws.append(list(importers.ROSTER_COLUMNS))
    for i in range(rows):
        org = orgs[i % len(orgs)]
        ws.append(
            [
                org.municipality.name,
                org.short_name,
                surnames[i % len(surnames)],
                names[(i // 8) % len(names)],
                f"Отчество{i}",  # unique names: the file has no namesakes
                f"t{i}@bench.example.ru" if i % 10 else "",
                "учитель",
                "высшее",
                i % 40,
                categories[i % 4],
                subjects[i % 4].name if i % 3 else f"{subjects[0].name}, {subjects[2].name}",
                "педагог",
            ]
        )
    wb.save(path)
    print(
        f"Файл: {rows} строк, {path.stat().st_size / 1024 / 1024:.1f} МБ, создан за {time.perf_counter() - started:.1f} с"
    )

    started = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    read = time.perf_counter() - started
    print(f"Чтение openpyxl (read-only), {n} строк: {read:.1f} с", flush=True)

    started = time.perf_counter()
    with open(path, "rb") as fh:
        report = importers.roster_import(actor=None, file=fh, region=region)
    full = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    print(f"Импорт (проверка + запись): {full:.1f} с — {report.summary()}")
    print(f"Отношение импорт / чтение: {full / read:.2f} (цель ≤ 3,00); цель по времени ≤ 120 с")

    started = time.perf_counter()
    with open(path, "rb") as fh:
        again = importers.roster_import(actor=None, file=fh, region=region)
    repeat = time.perf_counter() - started
    print(f"Повторный импорт того же файла: {repeat:.1f} с — {again.summary()}")
    print(f"Людей в базе: {Person.objects.count()}")

    started = time.perf_counter()
    for _ in range(3):
        make_password("Одноразовый-пароль-1")
    per = (time.perf_counter() - started) / 3
    print(
        f"Хэширование пароля хэшером по умолчанию: {per * 1000:.0f} мс на пароль; для {rows} новых учётных записей "
        f"это {per * rows / 60:.0f} мин — поэтому импорт выдаёт одноразовые ссылки активации вместо паролей"
    )
    verdict = "выполнены" if full <= 120 and full <= 3 * read else "НЕ выполнены"
    print(f"Цели {verdict}.")


if __name__ == "__main__":
    main()
