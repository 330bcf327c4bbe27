"""Certificates (удостоверения о повышении квалификации) and their register (issue 12.4).

Numbering. The register of a region runs per year without gaps and without duplicates: the
registration number's sequence and the blank number of a series each come from a counter row
(`CertificateCounter`, one per region, series and year; the register's own row has the series "").
Issuing locks the counter rows with SELECT … FOR UPDATE (always the register's row first, then the
series', so two issuers never wait on each other crosswise), takes the next numbers and writes the
certificate in the same transaction: a refused or failed issue rolls its numbers back with it, and a
concurrent issuer waits for the lock and gets the next number. The unique constraints of
`Certificate` (register sequence, registration number, blank) are the last line of defence.

A duplicate for a lost original is a new certificate with its own numbers, `is_duplicate` and a
pointer to the original; the original is marked replaced (with the reason) and the training record
now points at the duplicate.

PDFs are rendered after the transaction commits, by the Celery task of `CertificatePdfRun` (in
batches, so a whole wave is spread over the workers), eagerly where there is no broker."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from cnppm import access
from cnppm.choices import OrganizationKind, Role
from cnppm.models import AuditEvent, Organization
from cnppm.services import DomainError, event_record

from ..choices import CertificateStatus, DocumentKind, EnrolmentStatus
from ..models import Certificate, CertificateCounter, CertificatePdfRun, Enrolment, TrainingRecord

REGISTER_SERIES = ""  # the counter row of the register itself
MIN_QUALIFICATION_HOURS = 16  # a ДПП ПК is at least 16 hours (приказ Минобрнауки № 499)
PDF_BATCH = 50  # certificates rendered by one task


# --- Numbers ----------------------------------------------------------------------------------------


def default_series(region, year: int) -> str:
    """The blank series when none is given: settings.CERTIFICATE_SERIES (a format with {region} and
    {yy}), by default the region's code and the year's last two digits («2726»)."""
    pattern = getattr(settings, "CERTIFICATE_SERIES", "{region}{yy}")
    return pattern.format(region=region.code, yy=f"{year % 100:02d}", year=year)[:20]


def registration_number(year: int, seq: int) -> str:
    return f"ПК-{year}-{seq:05d}"


def blank_number(seq: int) -> str:
    return f"{seq:06d}"


def _counter(region, series: str, year: int) -> CertificateCounter:
    """The counter row, locked until the transaction ends (created at 0 the first time; two
    concurrent creators meet on the unique constraint and both lock the one row)."""
    try:
        with transaction.atomic():
            CertificateCounter.objects.get_or_create(region=region, series=series, year=year)
    except IntegrityError:
        pass  # created by a concurrent issuer meanwhile
    return CertificateCounter.objects.select_for_update().get(region=region, series=series, year=year)


def _take_numbers(region, series: str, year: int, count: int) -> tuple[list[int], list[int]]:
    """`count` consecutive register sequence numbers and blank numbers, under the counters' locks."""
    register = _counter(region, REGISTER_SERIES, year)
    blanks = _counter(region, series, year)
    first_seq, first_blank = register.last + 1, blanks.last + 1
    register.last += count
    blanks.last += count
    register.save(update_fields=["last"])
    blanks.save(update_fields=["last"])
    return list(range(first_seq, first_seq + count)), list(range(first_blank, first_blank + count))


# --- Checks ---------------------------------------------------------------------------------------


def _can_issue(actor, region_id: int, records: Iterable[TrainingRecord] = ()) -> bool:
    """The operator of the region; or, for the records of one group, its organiser or a course
    teacher (they finish the group, and completion issues the certificates)."""
    if access.has_role(actor, Role.OPERATOR) and region_id in access.region_ids_for_write(actor):
        return True
    person_id = access.scope_of(actor).person_id
    group_ids = {r.group_id for r in records}
    if person_id is None or len(group_ids) != 1 or None in group_ids:
        return False
    from ..models import Group

    return Group.objects.filter(
        Q(organiser_id=person_id) | Q(teachers__id=person_id), pk=next(iter(group_ids))
    ).exists()


def _record_of(*, training_record, enrolment) -> TrainingRecord:
    if (training_record is None) == (enrolment is None):
        raise DomainError("Укажите запись об обучении или зачисление (что-то одно).")
    if training_record is not None:
        return training_record
    record = TrainingRecord.objects.filter(enrolment=enrolment).first()
    if record is None or enrolment.status != EnrolmentStatus.COMPLETED:
        raise DomainError("Слушатель не завершил обучение: удостоверение выдаётся после завершения курса.")
    return record


def _refusal(record: TrainingRecord) -> str | None:
    """Why a certificate cannot be issued for this record, in Russian (None when it can)."""
    programme = record.programme
    if programme is None:
        return "Обучение пройдено не на курсе ЦНППМ: удостоверение выдаёт организация, проводившая обучение."
    if programme.document_kind != DocumentKind.QUALIFICATION_CERTIFICATE:
        return f"Программа «{programme.title}» не предусматривает удостоверения о повышении квалификации."
    if programme.hours < MIN_QUALIFICATION_HOURS:
        return (
            f"Программа «{programme.title}» — {programme.hours} ч.: удостоверение выдаётся по программам "
            f"не менее {MIN_QUALIFICATION_HOURS} часов."
        )
    if record.enrolment_id and record.enrolment.status != EnrolmentStatus.COMPLETED:
        return "Слушатель не завершил обучение: удостоверение выдаётся после завершения курса."
    return None


def _new_certificate(record: TrainingRecord, *, actor, issued_on: date, series: str, seq: int, blank: int):
    return Certificate(
        region_id=record.programme.region_id,
        series=series,
        number=blank_number(blank),
        register_year=issued_on.year,
        register_seq=seq,
        registration_number=registration_number(issued_on.year, seq),
        issued_on=issued_on,
        holder_id=record.person_id,
        holder_name=record.person.full_name,
        programme_id=record.programme_id,
        training_record=record,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )


# --- Issuing ----------------------------------------------------------------------------------------


@transaction.atomic
def certificate_issue(
    *,
    actor,
    training_record: TrainingRecord | None = None,
    enrolment: Enrolment | None = None,
    issued_on: date | None = None,
    series: str | None = None,
) -> Certificate:
    """Issue the certificate of one completed training (a course of the Centre): the next numbers of
    the register and of the series, the record pointing at it, an event row, its PDF queued."""
    record = _record_of(training_record=training_record, enrolment=enrolment)
    issued = certificates_issue(actor=actor, records=[record], issued_on=issued_on, series=series)
    return issued[0]


@transaction.atomic
def certificates_issue(
    *,
    actor,
    records: Iterable[TrainingRecord],
    issued_on: date | None = None,
    series: str | None = None,
) -> list[Certificate]:
    """Issue certificates for several completed trainings of one region at once (a finished group, a
    wave): all or nothing, consecutive numbers in the holders' alphabetical order."""
    ids = sorted({r.pk for r in records})
    if not ids:
        return []
    # Locking the records first makes a second, concurrent issue for the same record wait and then
    # find the certificate already there.
    locked = list(
        TrainingRecord.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("programme", "person", "enrolment")
        .order_by("person__last_name", "person__first_name", "person__middle_name", "pk")
    )
    regions = {r.programme.region_id for r in locked if r.programme_id}
    if len(regions) > 1:
        raise DomainError("Удостоверения выдаются по программам одного региона за раз.")
    region_id = next(iter(regions), None)
    if region_id is None or not _can_issue(actor, region_id, locked):
        raise DomainError("Выдавать удостоверения может оператор ЦНППМ своего региона.", code="forbidden")
    errors = []
    for r in locked:
        reason = _refusal(r)
        if reason:
            errors.append(f"{r.person.full_name}: {reason}")
    issued = set(
        Certificate.objects.filter(training_record_id__in=ids, is_duplicate=False).values_list(
            "training_record_id", flat=True
        )
    )
    errors += [f"{r.person.full_name}: удостоверение уже выдано." for r in locked if r.pk in issued]
    if errors:
        raise DomainError(
            " ".join(errors[:20]) + (f" … всего отказов: {len(errors)}." if len(errors) > 20 else "")
        )
    issued_on = issued_on or timezone.localdate()
    if issued_on > timezone.localdate():
        raise DomainError("Дата выдачи не может быть позже сегодняшнего дня.")
    region = locked[0].programme.region
    series = (series or default_series(region, issued_on.year)).strip()
    seqs, blanks = _take_numbers(region, series, issued_on.year, len(locked))
    certificates = [
        _new_certificate(r, actor=actor, issued_on=issued_on, series=series, seq=s, blank=b)
        for r, s, b in zip(locked, seqs, blanks, strict=True)
    ]
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    # Each record points at its new certificate: one UPDATE with a subquery (not a CASE per row).
    TrainingRecord.objects.filter(pk__in=ids).update(
        certificate=Subquery(
            Certificate.objects.filter(training_record=OuterRef("pk"), is_duplicate=False).values("pk")[:1]
        )
    )
    by_record = {c.training_record_id: c for c in certificates}
    for r in locked:
        r.certificate = by_record[r.pk]
    _events_issued(actor, certificates)
    pdfs_queue(certificates)
    return certificates


@transaction.atomic
def certificate_duplicate_issue(
    *, actor, certificate: Certificate, reason: str, issued_on: date | None = None
):
    """A duplicate for a lost (or damaged) original: new numbers, marked a duplicate of the original;
    the original is marked replaced with the reason; the training record points at the duplicate."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите основание выдачи дубликата (например, заявление об утрате).")
    original = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("region", "training_record__person", "programme")
        .get(pk=certificate.pk)
    )
    if not _can_issue(actor, original.region_id):
        raise DomainError("Выдавать дубликаты может оператор ЦНППМ своего региона.", code="forbidden")
    if original.status != CertificateStatus.VALID:
        raise DomainError(
            f"Удостоверение № {original.registration_number} {original.get_status_display()}: "
            "дубликат выдаётся взамен действительного."
        )
    issued_on = issued_on or timezone.localdate()
    if issued_on < original.issued_on or issued_on > timezone.localdate():
        raise DomainError("Дата выдачи дубликата — не раньше оригинала и не позже сегодняшнего дня.")
    series = original.series or default_series(original.region, issued_on.year)
    (seq,), (blank,) = _take_numbers(original.region, series, issued_on.year, 1)
    record = original.training_record
    duplicate = _new_certificate(
        record, actor=actor, issued_on=issued_on, series=series, seq=seq, blank=blank
    )
    duplicate.holder_name = original.holder_name
    duplicate.is_duplicate = True
    duplicate.original = original
    duplicate.status_reason = reason
    duplicate.save()
    Certificate.objects.filter(pk=original.pk).update(status=CertificateStatus.REPLACED, status_reason=reason)
    TrainingRecord.objects.filter(pk=record.pk).update(certificate=duplicate)
    event_record(
        actor=actor,
        target=original,
        verb="certificate_replaced",
        field="status",
        old=CertificateStatus.VALID,
        new=CertificateStatus.REPLACED,
        comment=f"Выдан дубликат № {duplicate.registration_number}. {reason}",
    )
    event_record(
        actor=actor, target=duplicate, verb="certificate_duplicate_issued", new=duplicate.registration_number
    )
    pdfs_queue([duplicate])
    return duplicate


def _events_issued(actor, certificates: list[Certificate]) -> None:
    """One event row per certificate, written at once (a wave issues thousands)."""
    content_type = ContentType.objects.get_for_model(Certificate)
    who = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=who,
                verb="certificate_issued",
                content_type=content_type,
                object_id=str(c.pk),
                new_value=c.registration_number,
            )
            for c in certificates
        ],
        batch_size=1000,
    )


# --- PDFs -------------------------------------------------------------------------------------------


def pdfs_queue(certificates: list[Certificate], *, batch: int = PDF_BATCH) -> list[CertificatePdfRun]:
    """Record render runs of `batch` certificates each and send them to the workers after commit
    (eager: rendered at once, after commit, as a worker would)."""
    runs = CertificatePdfRun.objects.bulk_create(
        [
            CertificatePdfRun(certificate_ids=[c.pk for c in certificates[i : i + batch]])
            for i in range(0, len(certificates), batch)
        ]
    )
    from ..tasks_certificates import certificate_pdfs_render

    for run in runs:
        transaction.on_commit(lambda pk=run.pk: certificate_pdfs_render.delay(pk))
    return runs


def issuer_name(region_id: int) -> str:
    """The Centre of the region, as the certificate names the organization that issued it."""
    centre = (
        Organization.objects.filter(kind=OrganizationKind.CENTRE, municipality__region_id=region_id)
        .order_by("pk")
        .first()
    )
    return (centre.full_name or centre.short_name) if centre else settings.PORTAL_NAME


def _render_queryset():
    return Certificate.objects.select_related("holder", "programme", "training_record", "original")


def certificate_pdf_run_execute(*, run_id: int) -> str:
    """Render the PDFs of one batch under its lease: each file written to a partial path and moved
    into place, the certificate's `pdf` set; certificates already rendered (a taken-over batch) are
    skipped. Returns the run's final status."""
    from cnppm import jobs
    from routes.exports import private_storage

    from ..certificate_pdf import pdf_name, render_certificate_pdf

    storage = private_storage()
    with jobs.run_guard(CertificatePdfRun, run_id, error_prefix="Ошибка формирования PDF: ") as lease:
        if lease is None:
            return CertificatePdfRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""
        run = CertificatePdfRun.objects.get(pk=run_id)
        todo = list(_render_queryset().filter(pk__in=run.certificate_ids, pdf="").order_by("pk"))
        issuers: dict[int, str] = {}
        done = len(run.certificate_ids) - len(todo)
        for certificate in todo:
            issuer = issuers.get(certificate.region_id)
            if issuer is None:
                issuer = issuers[certificate.region_id] = issuer_name(certificate.region_id)
            partial = lease.partial_path(storage, f"-{certificate.pk}")
            with open(partial, "wb") as fh:
                fh.write(render_certificate_pdf(certificate, issuer=issuer))
            name = lease.place(storage, partial, pdf_name(certificate))
            Certificate.objects.filter(pk=certificate.pk).update(pdf=name, pdf_rendered_at=timezone.now())
            done += 1
            lease.beat(rendered=done)
    return CertificatePdfRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF, or (not rendered yet, or the file lost) rendered now and not stored."""
    from routes.exports import private_storage

    from ..certificate_pdf import render_certificate_pdf

    storage = private_storage()
    if certificate.pdf and storage.exists(certificate.pdf):
        with storage.open(certificate.pdf, "rb") as fh:
            return fh.read()
    fresh = _render_queryset().get(pk=certificate.pk)
    return render_certificate_pdf(fresh, issuer=issuer_name(fresh.region_id))
