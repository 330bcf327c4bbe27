"""Bench: query count and time of the directory pages (/people/, /organizations/, /cabinet/)
for growing rosters. Runs on a throw-away in-memory SQLite database (or DATABASE_URL if set).

    .venv/bin/python bench/h1_directory_pages.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = ":memory:"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def main():
    setup_test_environment()
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: use a throw-away database", file=sys.stderr)
    call_command("migrate", verbosity=0, interactive=False)
    from cnppm.choices import Role
    from cnppm.models import Consent, ConsentDocument
    from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, make_person

    muni = MunicipalityFactory(name="Бенч-район", code="BENCH")
    centre = OrganizationFactory(municipality=muni, short_name="ЦНППМ", kind="centre")
    operator = make_person(Role.OPERATOR, organization=centre, username="bench-operator")
    Consent.objects.create(user=operator.user, document=ConsentDocument.objects.get(is_current=True))
    client = Client()
    client.force_login(operator.user)
    client.get("/cabinet/")
    total = 1
    print(f"{'people':>7} {'page':<16} {'queries':>7} {'ms':>8}")
    for target in (10, 100, 1000):
        orgs = [OrganizationFactory(municipality=muni) for _ in range(max(1, (target - total) // 25))]
        for i in range(target - total):
            make_person(Role.TEACHER, organization=orgs[i % len(orgs)])
        total = target
        for url in ("/people/", "/organizations/", "/cabinet/", f"/people/{operator.pk}/"):
            best = None
            for _ in range(3):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (url, response.status_code)
                best = elapsed if best is None else min(best, elapsed)
            print(
                f"{total:>7} {url if not url.startswith('/people/') or url == '/people/' else '/people/<id>/':<16} {len(ctx.captured_queries):>7} {best:>8.1f}"
            )


if __name__ == "__main__":
    main()
