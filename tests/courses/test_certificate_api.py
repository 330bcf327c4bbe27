"""The certificates API (issue 12.4–12.6): list and retrieve scoped by the holder, issue for a
training record and duplicates by the operator (400 with the Russian reason when refused), the PDF
and the ФИС ФРДО export logged, a programme's figures; permission matrices and the list's query count."""

from __future__ import annotations

from datetime import date

import pytest

from cnppm.models import PersonalDataAccess
from courses.models import Certificate
from courses.services.certificates import certificates_issue
from tests.cnppm.factories import make_person
from tests.courses.certificate_data import programme, record
from tests.helpers import ALL_ROLES, assert_matrix, assert_same_queries, count_queries, login

pytestmark = pytest.mark.django_db

API = "/api/v1/courses"
REGION_READERS = {"operator", "regional_methodist"}
TEACHER_SCOPE = {
    "teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
} | REGION_READERS


@pytest.fixture(autouse=True)
def _no_pdfs(monkeypatch):
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])
    monkeypatch.setattr("courses.api.certificates.certificate_pdf_bytes", lambda c: b"%PDF-1.7 test")


@pytest.fixture
def prog(world):
    return programme(world["m1"].region)


def test_issue_and_duplicate_through_the_api(client, world, prog):
    r = record(world["teacher"], prog)
    login(client, world["operator"])
    response = client.post(
        f"{API}/certificates/issue/", {"training_record": r.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["registration_number"], body["holder"]) == (
        f"ПК-{date.today().year}-00001",
        world["teacher"].pk,
    )
    again = client.post(
        f"{API}/certificates/issue/", {"training_record": r.pk}, content_type="application/json"
    )
    assert again.status_code == 400 and "уже выдано" in again.content.decode()
    dup = client.post(
        f"{API}/certificates/{body['id']}/duplicate/", {"reason": "утрата"}, content_type="application/json"
    )
    assert dup.status_code == 201 and dup.json()["is_duplicate"] and dup.json()["original"] == body["id"]
    login(client, world["teacher"])
    refused = client.post(
        f"{API}/certificates/issue/", {"training_record": r.pk}, content_type="application/json"
    )
    assert refused.status_code == 400 and "может оператор" in refused.content.decode()


def test_matrices(client, world, prog):
    certificates_issue(
        actor=world["operator"].user, records=[record(world["teacher"], prog)], issued_on=date(2026, 3, 2)
    )
    c = Certificate.objects.get()
    assert_matrix(client, world, f"{API}/certificates/{c.pk}/", TEACHER_SCOPE)
    assert_matrix(client, world, f"{API}/certificates/{c.pk}/pdf/", TEACHER_SCOPE)
    assert_matrix(client, world, f"{API}/certificates/frdo/?year=2026", REGION_READERS)
    # Figures are counts: everybody who sees the programme (every signed-in person of the region).
    everyone = set(ALL_ROLES) - {"anonymous"}
    assert_matrix(client, world, f"{API}/programmes/{prog.pk}/figures/", everyone)
    assert PersonalDataAccess.objects.filter(object_type="certificate_register", action="export").exists()


def test_list_is_scoped_and_its_queries_do_not_grow(client, world, prog):
    operator = world["operator"].user
    certificates_issue(actor=operator, records=[record(world["teacher"], prog)], issued_on=date(2026, 3, 2))
    certificates_issue(
        actor=operator, records=[record(world["other_teacher"], prog)], issued_on=date(2026, 3, 2)
    )
    login(client, world["school_head"])
    assert [c["holder"] for c in client.get(f"{API}/certificates/").json()["results"]] == [
        world["teacher"].pk
    ]
    login(client, world["operator"])
    client.get(f"{API}/certificates/")  # warm the session and the consent cache
    small = count_queries(lambda: client.get(f"{API}/certificates/"))
    people = [make_person(organization=world["o1"]) for _ in range(5)]
    certificates_issue(actor=operator, records=[record(p, prog) for p in people], issued_on=date(2026, 3, 3))
    large = count_queries(lambda: client.get(f"{API}/certificates/"))
    assert_same_queries(small, large)
