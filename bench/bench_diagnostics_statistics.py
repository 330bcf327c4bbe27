"""Diagnostics statistics and item-bank imports at region scale. Runs on a throwaway database
(DATABASE_URL's server when set, else SQLite). Prints the figures; asserts nothing.

- statistics of one instrument (overall, 5 blocks, 4 groupings, 22 items with facility and
  discrimination) for 100 and for N participants: queries and the time of the selector;
- a Moodle XML bank of 4 variants × 22 questions: export, then parse + import into a new draft.

    .venv/bin/python bench/bench_diagnostics_statistics.py [--participants 5000]
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
    parser.add_argument("--participants", type=int, default=5000)
    args = parser.parse_args()
    import django
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_stats_"))
    if not os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": str(tmp / "bench.sqlite3")}
    django.setup()
    from django.db import connection

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.participants)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(n_participants: int) -> None:
    import random
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cnppm.choices import Role
    from cnppm.models import Municipality, Organization, Person, Region, RoleAssignment
    from diagnostics.choices import AttemptStatus, InstrumentStatus, ItemType
    from diagnostics.exporters import items_to_moodle_xml
    from diagnostics.models import Answer, Attempt, BlockResult, CompetenceBlock, Instrument, Item, Variant
    from diagnostics.selectors.statistics import instrument_statistics
    from diagnostics.services.authoring import items_import_file

    rng = random.Random(7)
    region = Region.objects.create(name="Бенчмарк-область", code="BENCH")
    munis = [
        Municipality.objects.create(region=region, name=f"Район {i}", code=f"B{i}", kind="district")
        for i in range(20)
    ]
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                municipality=munis[i % 20], short_name=f"Школа {i}", full_name=f"Школа {i}", kind="school"
            )
            for i in range(200)
        ]
    )
    user = get_user_model().objects.create_user(username="operator", password="bench-pass-1")
    operator = Person.objects.create(
        user=user, organization=orgs[0], last_name="Оператор", first_name="Ольга"
    )
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=region)

    blocks = [CompetenceBlock.objects.create(code=f"b{i}", name=f"Блок {i}", order=i) for i in range(5)]
    instrument = Instrument.objects.create(code="bench", title="Бенчмарк", status=InstrumentStatus.PUBLISHED)
    instrument.blocks.set(blocks)
    items = []
    for v in range(1, 5):
        variant = Variant.objects.create(instrument=instrument, number=v)
        for k in range(1, 23):
            items.append(
                Item(
                    variant=variant,
                    block=blocks[k % 5],
                    number=k,
                    type=ItemType.SINGLE,
                    topic=f"Тема {k}",
                    stem=f"Вопрос {k} варианта {v}",
                    options={"choices": [{"id": "a", "text": "Да"}, {"id": "b", "text": "Нет"}]},
                    key={"correct": ["a"]},
                )
            )
    Item.objects.bulk_create(items)
    by_variant = {}
    for item in Item.objects.filter(variant__instrument=instrument).select_related("variant"):
        by_variant.setdefault(item.variant_id, []).append(item)
    variants = list(by_variant)

    def add(n: int, start: int) -> None:
        people = Person.objects.bulk_create(
            [
                Person(
                    organization=orgs[(start + i) % 200],
                    last_name=f"Педагогова{start + i:06d}",
                    first_name="Анна",
                    experience_years=rng.randint(0, 40),
                )
                for i in range(n)
            ]
        )
        now = timezone.now()
        attempts = []
        plans = []
        for p in people:
            variant_id = variants[rng.randrange(4)]
            scores = [1 if rng.random() < 0.65 else 0 for _ in range(22)]
            percent = Decimal(sum(scores) * 100) / 22
            attempts.append(
                Attempt(
                    person=p,
                    instrument=instrument,
                    variant_id=variant_id,
                    organization_id=p.organization_id,
                    status=AttemptStatus.FINAL,
                    finished_at=now,
                    finalized_at=now,
                    percent=percent.quantize(Decimal("0.01")),
                    level=instrument.level_for(percent),
                )
            )
            plans.append((variant_id, scores))
        Attempt.objects.bulk_create(attempts)
        answers, results = [], []
        for attempt, (variant_id, scores) in zip(attempts, plans, strict=True):
            for item, s in zip(by_variant[variant_id], scores, strict=True):
                answers.append(
                    Answer(attempt=attempt, item=item, value={"choice": "a" if s else "b"}, points=s)
                )
            for b in blocks:
                value = Decimal(rng.randint(0, 100))
                results.append(
                    BlockResult(attempt=attempt, block=b, percent=value, level=instrument.level_for(value))
                )
        Answer.objects.bulk_create(answers, batch_size=5000)
        BlockResult.objects.bulk_create(results, batch_size=5000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # what autovacuum does on a live database
                cursor.execute("ANALYZE")

    print(f"База: {connection.vendor}")
    add(100, 0)
    for label in ("100 участников", f"{n_participants} участников"):
        if label != "100 участников":
            add(n_participants - 100, 100)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            stats = instrument_statistics(user=user, instrument=instrument)
            elapsed = time.perf_counter() - started
        print(
            f"Статистика, {label}: запросов {len(ctx.captured_queries)}, {elapsed * 1000:.0f} мс; "
            f"среднее {stats.overall.mean} %, медиана {stats.overall.median} %, заданий {len(stats.items)}, "
            f"строк по организациям {len(stats.groups['organization'])}"
        )
        if os.environ.get("BENCH_VERBOSE"):
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                print(f"  {q['time']} с: {q['sql'][:300]}")

    started = time.perf_counter()
    data, _ = items_to_moodle_xml(instrument)
    export_ms = (time.perf_counter() - started) * 1000
    target = Instrument.objects.create(code="bench-copy", title="Копия", status=InstrumentStatus.DRAFT)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        result = items_import_file(actor=None, instrument=target, data=data, filename="bank.xml")
    import_ms = (time.perf_counter() - started) * 1000
    print(
        f"Moodle XML: выгрузка 88 вопросов {export_ms:.0f} мс ({len(data) // 1024} КБ); "
        f"разбор и импорт {import_ms:.0f} мс, запросов {len(ctx.captured_queries)}, заданий {result['created']}"
    )


if __name__ == "__main__":
    main()
