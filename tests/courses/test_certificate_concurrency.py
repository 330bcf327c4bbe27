"""Numbering under concurrent issue (issue 12.4): on PostgreSQL, threads with their own connections
issue at once; the counter row locked FOR UPDATE hands out every number once, without gaps. SQLite
serialises writers by itself and has no row locks: skipped there."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from cnppm.services import DomainError
from courses.models import Certificate, CertificateCounter
from courses.services.certificates import certificate_issue, certificates_issue
from tests.cnppm.factories import make_person
from tests.courses.certificate_data import programme, record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

THREADS = 8


@pytest.fixture(autouse=True)
def _no_pdfs(monkeypatch):
    """The numbers are under test here, not the PDFs (rendered after each commit otherwise)."""
    monkeypatch.setattr("courses.services.certificates.pdfs_queue", lambda certificates: [])


def _run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_concurrent_issues_number_without_gaps_or_duplicates(world):
    """One test (one flush of the committed database): the same record issued by four threads at
    once gets one certificate, then eight threads issue 24 records one by one."""
    prog = programme(world["m1"].region)
    operator = world["operator"].user
    r = record(world["teacher"], prog)

    def same():
        certificates_issue(actor=operator, records=[r], issued_on=date(2026, 3, 25))

    errors = _run_at_once([same] * 4)
    assert len(errors) == 3 and all(isinstance(e, DomainError) for e in errors), errors
    assert Certificate.objects.filter(training_record=r).count() == 1

    records = [record(make_person(organization=world["o1"]), prog) for _ in range(THREADS * 3)]
    chunks = [records[i::THREADS] for i in range(THREADS)]

    def issue_one_by_one(chunk):
        def job():
            for rec in chunk:
                certificate_issue(actor=operator, training_record=rec, issued_on=date(2026, 3, 25))

        return job

    errors = _run_at_once([issue_one_by_one(c) for c in chunks])
    assert not errors, errors
    total = len(records) + 1
    seqs = sorted(Certificate.objects.values_list("register_seq", flat=True))
    assert seqs == list(range(1, total + 1))
    numbers = list(Certificate.objects.values_list("series", "number"))
    assert sorted(int(n) for _, n in numbers) == list(range(1, total + 1))
    assert set(CertificateCounter.objects.values_list("last", flat=True)) == {total}
