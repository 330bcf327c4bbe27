"""Queries of a people list (the API list and the directory page) for 10 and for 1 000 people in
scope: the count must not grow with the data. Runs on a throwaway database (DATABASE_URL's server
when set, else SQLite). Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_people_queries.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")


def main() -> None:
    import django
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="bench_people_"))
    if not os.environ.get("DATABASE_URL"):
        settings.DATABASES["default"]["TEST"] = {"NAME": str(tmp / "bench.sqlite3")}
    django.setup()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # bench speed only

    from django.db import connection

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cnppm.choices import Role
    from cnppm.models import Municipality, Organization, Person, Region, RoleAssignment, Subject

    region = Region.objects.create(name="Бенчмарк-область", code="BENCH")
    municipality = Municipality.objects.create(region=region, name="Район", code="B1", kind="district")
    school = Organization.objects.create(
        municipality=municipality, short_name="Школа", full_name="Школа", kind="school"
    )
    subjects = [Subject.objects.create(code=f"s{i}", name=f"Предмет {i}") for i in range(3)]
    user = get_user_model().objects.create_user(username="operator", password="bench-pass-1")
    operator = Person.objects.create(user=user, organization=school, last_name="Оператор", first_name="Ольга")
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=region)

    def add_people(n: int) -> None:
        people = Person.objects.bulk_create(
            [Person(organization=school, last_name=f"Педагогова{i:05d}", first_name="Анна") for i in range(n)]
        )
        RoleAssignment.objects.bulk_create([RoleAssignment(person=p, role=Role.TEACHER) for p in people])
        Through = Person.subjects.through
        Through.objects.bulk_create(
            [Through(person=p, subject=subjects[i % 3]) for i, p in enumerate(people)]
        )

    from cnppm.models import Consent, ConsentDocument

    document = ConsentDocument.objects.filter(is_current=True).first()
    if document is not None:
        Consent.objects.create(user=user, document=document)
    client = Client()
    client.force_login(user)
    urls = {
        "API /api/v1/people/?page_size=1000": "/api/v1/people/?page_size=1000",
        "API /api/v1/people/ (страница 50)": "/api/v1/people/",
        "страница /people/": "/people/",
    }

    def measure() -> dict[str, int]:
        counts = {}
        for label, url in urls.items():
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts[label] = len(ctx.captured_queries)
        return counts

    add_people(9)  # 10 people with the operator
    small = measure()
    add_people(990)  # 1 000
    large = measure()
    print(f"Людей в области видимости: 10 → {Person.objects.count()}")
    for label in urls:
        verdict = "одинаково" if small[label] == large[label] else "РАСТЁТ"
        print(f"{label}: запросов {small[label]} при 10 людях, {large[label]} при 1 000 — {verdict}")


if __name__ == "__main__":
    main()
