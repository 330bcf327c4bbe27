"""Certificates of a finished wave (issue 12.4): numbering and PDFs.

Builds its data in a throwaway database (a fresh SQLite file, or a throwaway test_<name> PostgreSQL
database when DATABASE_URL is set): one region, a Centre programme (36 h), N teachers with a completed
training record each. Then prints:
- one certificate laid out to PDF (WeasyPrint): the first (cold) and the median of 5 (the single
  certificate time the ratio is taken against);
- the issue of N certificates at once (`certificates_issue`: register and blank numbers from the
  locked counters, one transaction): its time;
- the PDFs rendered after the commit by the render runs (batches of 50): with CELERY_BROKER_URL and
  PostgreSQL, real Celery workers (--workers, default 2); else eagerly in this process. The time
  against certificates × single ÷ workers;
- the register checked afterwards (printed, not asserted): sequence numbers 1..N without gaps or
  duplicates, blank numbers the same, every certificate with its file.

    .venv/bin/python bench/bench_certificates.py [--certificates 5000] [--workers 2] [--single-only]

--single-only stops after the single-certificate layout times (wall and process time).

Target (issue 12.4): 5 000 certificates issued and rendered in under 5 minutes on two workers.
Run at a small size first (--certificates 200).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_card_pdf import _start_workers, setup_django, single_layout_times  # noqa: E402


def build(n: int) -> dict:
    from cnppm.choices import MunicipalityKind, OrganizationKind, Role
    from cnppm.models import Municipality, Organization, Person, Region, RoleAssignment, User
    from courses.choices import DocumentKind, ProgrammeForm, TrainingSource
    from courses.models import Programme, TrainingRecord

    region = Region.objects.create(name="Бенч-область", code="77")
    muni = Municipality.objects.create(
        region=region, name="Бенч-район", code="BENCH-M", kind=MunicipalityKind.DISTRICT
    )
    centre = Organization.objects.create(
        municipality=muni,
        short_name="ЦНППМ",
        full_name="Центр непрерывного повышения профессионального мастерства педагогических работников",
        kind=OrganizationKind.CENTRE,
    )
    schools = Organization.objects.bulk_create(
        Organization(
            municipality=muni,
            short_name=f"СОШ №{i}",
            full_name=f"МБОУ СОШ №{i}",
            kind=OrganizationKind.SCHOOL,
        )
        for i in range(1, 21)
    )
    operator_user = User.objects.create_user("bench-operator", password="bench-pass-123")
    operator = Person.objects.create(
        user=operator_user, organization=centre, last_name="Операторова", first_name="Ольга"
    )
    RoleAssignment.objects.create(person=operator, role=Role.OPERATOR, region=region)
    programme = Programme.objects.create(
        region=region,
        title="Формирование функциональной грамотности обучающихся: читательская, математическая, естественнонаучная",
        kind="qualification",
        hours=36,
        form=ProgrammeForm.MIXED,
        document_kind=DocumentKind.QUALIFICATION_CERTIFICATE,
        status="open",
    )
    people = Person.objects.bulk_create(
        Person(
            organization=schools[i % len(schools)],
            last_name=f"Педагогова{i:05d}",
            first_name="Мария",
            middle_name="Ивановна",
            sex="female",
        )
        for i in range(n)
    )
    TrainingRecord.objects.bulk_create(
        (
            TrainingRecord(
                person=p,
                programme=programme,
                title=programme.title,
                kind="qualification",
                provider="ЦНППМ",
                hours=36,
                starts_on=date(2026, 2, 2),
                ends_on=date(2026, 3, 20),
                organization_id=p.organization_id,
                source=TrainingSource.COURSE,
            )
            for p in people
        ),
        batch_size=2000,
    )
    return {"operator_user": operator_user, "region": region}


def single_pdf_time() -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, process) seconds of one certificate laid out, the first (cold) and the median of the
    next 5, outside the register (rolled back)."""
    from django.db import transaction

    from courses.certificate_pdf import render_certificate_pdf
    from courses.models import Certificate, TrainingRecord
    from courses.services.certificates import _new_certificate

    record = TrainingRecord.objects.select_related("person", "programme").first()
    with transaction.atomic():
        c = _new_certificate(record, actor=None, issued_on=date(2026, 3, 25), series="0000", seq=1, blank=1)
        c.save()
        c = Certificate.objects.select_related("holder", "programme", "training_record", "original").get(
            pk=c.pk
        )
        first, median, _ = single_layout_times(lambda: render_certificate_pdf(c, issuer="Центр НППМ"))
        transaction.set_rollback(True)
    return first, median


def check_register(n: int) -> None:
    from courses.models import Certificate, CertificateCounter

    seqs = sorted(Certificate.objects.values_list("register_seq", flat=True))
    blanks = sorted(int(b) for b in Certificate.objects.values_list("number", flat=True))
    expected = list(range(1, n + 1))
    files = Certificate.objects.exclude(pdf="").count()
    counters = list(CertificateCounter.objects.order_by("series").values_list("series", "last"))
    print(
        f"register: {len(seqs)} certificates; sequence 1..{n} without gaps or duplicates: {seqs == expected}; "
        f"blank numbers likewise: {blanks == expected}; counters {counters}; with their PDF: {files}/{len(seqs)}"
    )


def run_bench(n: int, workers: int, single_only: bool = False) -> None:
    import uuid

    from django.conf import settings
    from django.db import connection, transaction

    from courses.models import CertificatePdfRun, TrainingRecord
    from courses.services.certificates import certificates_issue

    t0 = time.perf_counter()
    data = build(n)
    print(
        f"database: {connection.vendor}; {n} completed training records built in {time.perf_counter() - t0:.1f} s"
    )
    first, median = single_pdf_time()
    single = median[0]
    print(
        f"one certificate laid out: cold {first[0] * 1000:.0f} ms, median of 5 {single * 1000:.0f} ms; "
        f"process time: cold {first[1] * 1000:.0f} ms, median of 5 {median[1] * 1000:.0f} ms"
    )
    if single_only:
        return

    broker = os.environ.get("CELERY_BROKER_URL", "")
    procs = []
    if broker and connection.vendor == "postgresql" and workers > 0:
        from cnppm.celery import app

        queue = f"bench-certificates-{uuid.uuid4().hex[:8]}"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.update(
            task_always_eager=False, broker_url=broker, task_default_queue=queue, task_routes=None
        )
        app.amqp.__dict__.pop("router", None)
        procs = _start_workers(workers, queue)
        time.sleep(8)  # the workers boot
        mode = f"{workers} workers"
    else:
        workers = 1
        mode = "eager, in this process (no broker or no PostgreSQL)"
    try:
        records = list(TrainingRecord.objects.all())
        start = time.perf_counter()
        with transaction.atomic():
            issued = certificates_issue(
                actor=data["operator_user"], records=records, issued_on=date(2026, 3, 25)
            )
        numbered = time.perf_counter() - start
        print(f"{len(issued)} certificates numbered and recorded in one transaction: {numbered:.1f} s")
        runs = CertificatePdfRun.objects.count()
        while procs:
            left = CertificatePdfRun.objects.exclude(status__in=("done", "failed")).count()
            if not left:
                break
            time.sleep(1)
        elapsed = time.perf_counter() - start
        failed = CertificatePdfRun.objects.filter(status="failed").count()
        ideal = n * single / workers
        print(
            f"issued and rendered ({mode}, {runs} render runs of ≤ 50, {failed} failed): {elapsed:.1f} s "
            f"({elapsed / n * 1000:.1f} ms per certificate); certificates × single ÷ workers = {ideal:.1f} s, "
            f"ratio {elapsed / ideal:.2f} — target < 300 s for 5 000 on two workers"
        )
        check_register(n)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--single-only",
        action="store_true",
        help="build the data, print the single-certificate layout times, stop (no issue, no workers)",
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="certificates-bench-")
    os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(Path(tmp) / "private_media"))
    old_config = setup_django(tmp)
    try:
        run_bench(args.certificates, args.workers, args.single_only)
    finally:
        if old_config is not None:
            from django.test.utils import teardown_databases

            teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
