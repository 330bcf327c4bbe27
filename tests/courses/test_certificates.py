"""Certificates (issue 12.4): numbering of the register and of the blanks without gaps or duplicates,
refusals that take no number, duplicates for a lost original, the PDF rendered after commit and laid
out on its page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cnppm.models import AuditEvent
from cnppm.pdf_layout import html_overflows
from cnppm.services import DomainError
from courses.certificate_pdf import certificate_html
from courses.choices import CertificateStatus, DocumentKind
from courses.models import Certificate, CertificateCounter
from courses.services.certificates import (
    certificate_duplicate_issue,
    certificate_issue,
    certificate_pdf_bytes,
    certificates_issue,
)
from tests.cnppm.factories import make_person
from tests.courses.certificate_data import programme, record

ISSUED = date(2026, 3, 25)


@pytest.fixture
def prog(world):
    return programme(world["m1"].region)


def _teachers(world, n):
    return [make_person(organization=world["o1"], last_name=f"Слушатель{i:02d}") for i in range(n)]


def test_a_wave_gets_consecutive_numbers_in_alphabetical_order(world, prog):
    people = _teachers(world, 3)
    records = [record(p, prog) for p in reversed(people)]
    issued = certificates_issue(actor=world["operator"].user, records=records, issued_on=ISSUED)
    rows = list(
        Certificate.objects.order_by("register_seq").values_list(
            "holder__last_name", "register_seq", "registration_number", "series", "number"
        )
    )
    assert rows == [
        ("Слушатель00", 1, "ПК-2026-00001", "RG26", "000001"),
        ("Слушатель01", 2, "ПК-2026-00002", "RG26", "000002"),
        ("Слушатель02", 3, "ПК-2026-00003", "RG26", "000003"),
    ]
    for r in records:
        r.refresh_from_db()
        assert r.certificate.holder_id == r.person_id
    assert AuditEvent.objects.filter(verb="certificate_issued").count() == 3
    assert len(issued) == 3


def test_issue_twice_is_refused_and_takes_no_number(world, prog):
    r = record(world["teacher"], prog)
    first = certificate_issue(actor=world["operator"].user, training_record=r, issued_on=ISSUED)
    with pytest.raises(DomainError, match="удостоверение уже выдано"):
        certificate_issue(actor=world["operator"].user, training_record=r, issued_on=ISSUED)
    other = certificate_issue(
        actor=world["operator"].user, training_record=record(world["other_teacher"], prog), issued_on=ISSUED
    )
    assert (first.register_seq, other.register_seq) == (1, 2)


@pytest.mark.parametrize(
    "changes, actor, message",
    [
        ({}, "teacher", "может оператор"),
        ({}, "regional_methodist", "может оператор"),
        ({"document_kind": DocumentKind.PARTICIPATION}, "operator", "не предусматривает удостоверения"),
        ({"hours": 8}, "operator", "не менее 16 часов"),
    ],
)
def test_refusals_write_nothing(world, changes, actor, message):
    prog = programme(world["m1"].region, **changes)
    r = record(world["teacher"], prog)
    with pytest.raises(DomainError, match=message):
        certificate_issue(actor=world[actor].user, training_record=r, issued_on=ISSUED)
    assert not Certificate.objects.exists()
    assert not CertificateCounter.objects.filter(last__gt=0).exists()


def test_the_group_organiser_issues_for_their_group(world, prog):
    from courses.models import Group

    group = Group.objects.create(
        programme=prog,
        name="Группа 1",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 20),
        capacity=25,
        organiser=world["tutor"],
    )
    r = record(world["teacher"], prog, group=group)
    assert certificate_issue(actor=world["tutor"].user, training_record=r, issued_on=ISSUED).register_seq == 1
    stranger = record(world["other_teacher"], prog)  # not of the group
    with pytest.raises(DomainError, match="может оператор"):
        certificate_issue(actor=world["tutor"].user, training_record=stranger, issued_on=ISSUED)


def test_a_duplicate_replaces_a_lost_original(world, prog):
    r = record(world["teacher"], prog)
    operator = world["operator"].user
    original = certificate_issue(actor=operator, training_record=r, issued_on=ISSUED)
    certificate_issue(actor=operator, training_record=record(world["other_teacher"], prog), issued_on=ISSUED)
    with pytest.raises(DomainError, match="основание"):
        certificate_duplicate_issue(actor=operator, certificate=original, reason=" ")
    duplicate = certificate_duplicate_issue(
        actor=operator,
        certificate=original,
        reason="Заявление об утрате от 01.04.2026",
        issued_on=date(2026, 4, 2),
    )
    original.refresh_from_db()
    r.refresh_from_db()
    assert original.status == CertificateStatus.REPLACED
    assert "утрате" in original.status_reason
    assert (duplicate.is_duplicate, duplicate.original_id, duplicate.register_seq) == (True, original.pk, 3)
    assert duplicate.registration_number == "ПК-2026-00003"
    assert r.certificate_id == duplicate.pk
    with pytest.raises(DomainError, match="заменено дубликатом"):
        certificate_duplicate_issue(actor=operator, certificate=original, reason="ещё раз")
    with pytest.raises(DomainError, match="может оператор"):
        certificate_duplicate_issue(actor=world["school_head"].user, certificate=duplicate, reason="утрата")


def test_pdf_is_rendered_after_commit(world, prog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = certificate_issue(
            actor=world["operator"].user, training_record=record(world["teacher"], prog), issued_on=ISSUED
        )
    c.refresh_from_db()
    assert c.pdf.endswith(".pdf") and c.pdf_rendered_at is not None
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate_pdf_bytes(c))).pages)
    flat = " ".join(text.split())
    assert world["teacher"].full_name in flat
    assert "ПК-2026-00001" in flat
    assert "36 часов" in flat
    assert "прошёл повышение квалификации" in flat


def test_certificate_stays_on_its_page_with_long_texts(world):
    prog = programme(
        world["m1"].region,
        title="Организация проектно-исследовательской деятельности обучающихся " * 4,
    )
    person = make_person(
        organization=world["o1"],
        last_name="Константинопольская-Преображенская",
        first_name="Александра",
        middle_name="Вячеславовна",
    )
    c = certificate_issue(
        actor=world["operator"].user, training_record=record(person, prog), issued_on=ISSUED
    )
    c = Certificate.objects.select_related("holder", "programme", "training_record", "original").get(pk=c.pk)
    found, pages = html_overflows(certificate_html(c, issuer="ГАУ ДПО «Институт развития образования» " * 3))
    assert not found, "\n".join(map(str, found))
    assert pages == 1
