"""Uncovered-deficit flags and recommendations on the demo region.

Builds a throwaway SQLite demo region (manage.py seed_demo --teachers N), then measures:
- routes_with_flags over all routes (one SQL statement) against uncovered_deficits route by route;
- that both agree on every route;
- recommendations() per route: queries and time;
- the card context of a route: queries.

    .venv/bin/python bench/bench_route_flags.py [--teachers 600]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=600)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="routes-bench-")
    env = {**os.environ, "SQLITE_PATH": str(Path(tmp) / "bench.sqlite3")}
    env.pop("DATABASE_URL", None)
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(
        [py, "manage.py", "seed_demo", "--teachers", str(args.teachers)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    print(f"demo region with {args.teachers} teachers seeded in {time.perf_counter() - t0:.1f} s")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from routes import selectors
    from routes.models import Route

    def measure(fn):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
        return result, elapsed, len(ctx.captured_queries)

    routes = list(selectors.card_queryset().all())
    print(f"routes: {len(routes)}")
    bulk, t_bulk, q_bulk = measure(
        lambda: dict(selectors.routes_with_flags(Route.objects.all()).values_list("pk", "uncovered_count"))
    )
    single, t_single, q_single = measure(lambda: {r.pk: len(selectors.uncovered_deficits(r)) for r in routes})
    mismatches = sum(1 for pk, n in single.items() if bulk.get(pk) != n)
    print(f"routes_with_flags: {q_bulk} query, {t_bulk * 1000:.1f} ms for all routes")
    print(f"uncovered_deficits one by one (prefetched): {q_single} queries, {t_single * 1000:.1f} ms")
    print(f"flagged routes: {sum(1 for n in bulk.values() if n)}; disagreements bulk vs single: {mismatches}")
    sample = routes[:50]
    _, t_rec, q_rec = measure(lambda: [selectors.recommendations(r) for r in sample])
    print(
        f"recommendations: {q_rec / max(len(sample), 1):.1f} queries and {t_rec * 1000 / max(len(sample), 1):.1f} ms per route"
    )
    route = Route.objects.order_by("-pk").first()
    _, t_card, q_card = measure(lambda: selectors.card_context(selectors.card_queryset().get(pk=route.pk)))
    print(f"card_context: {q_card} queries, {t_card * 1000:.1f} ms")


if __name__ == "__main__":
    main()
